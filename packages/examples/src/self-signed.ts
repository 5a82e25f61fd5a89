/**
 * A self-signed X.509 certificate made at run time with node:crypto alone
 * (no openssl command, no certificate library): an ECDSA P-256 key, a
 * certificate for `CN=<commonName>` valid for the given DNS names and IP
 * addresses, signed by its own key. It is its own CA: a client pins it by
 * passing the certificate as `ca`.
 *
 * Not an example program itself; the `tls-router` example uses it. Fine for
 * tests and demos — real deployments get certificates from a CA.
 */
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

/** What {@link selfSignedCertificate} makes: PEM text for a TLS server's `cert` and `key`, and a client's `ca`. */
export interface SelfSigned {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
  readonly fingerprint256: string;
}

/** Options of {@link selfSignedCertificate}. */
export interface SelfSignedOptions {
  /** Subject and issuer common name. Default `localhost`. */
  readonly commonName?: string;
  /** DNS names and IP addresses (subjectAltName). Default `localhost` and `127.0.0.1`. */
  readonly hosts?: readonly string[];
  /** Validity in days from one hour ago. Default 1. */
  readonly days?: number;
}

/** Make a key pair and a self-signed certificate for it. */
export function selfSignedCertificate(options: SelfSignedOptions = {}): SelfSigned {
  const cn = options.commonName ?? 'localhost';
  const hosts = options.hosts ?? ['localhost', '127.0.0.1'];
  const days = options.days ?? 1;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000 + 3_600_000);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // a positive INTEGER
  const altNames = hosts.map((h) => (isIP(h) === 4 ? tlv(0x87, Buffer.from(h.split('.').map(Number))) : tlv(0x82, Buffer.from(h, 'ascii'))));
  const extensions = seq(
    // basicConstraints, critical: cA TRUE (it signs itself and is pinned as the CA)
    seq(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, seq(tlv(0x01, Buffer.from([0xff]))))),
    // subjectAltName: what TLS clients check the host name against
    seq(oid('2.5.29.17'), tlv(0x04, seq(...altNames))),
  );
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version v3
    tlv(0x02, serial),
    ecdsaWithSha256,
    name,
    seq(utcTime(notBefore), utcTime(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey); // DER-encoded ECDSA signature
  const der = seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Check what was made: it parses, its signature verifies with its own key, and it matches the key.
  const x = new X509Certificate(cert);
  if (!x.verify(createPublicKey(key)) || !x.checkPrivateKey(createPrivateKey(key))) throw new Error('self-signed certificate does not verify');
  return { cert, key, fingerprint256: x.fingerprint256 };
}

// DER, the few shapes a certificate needs.

function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, value]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(d: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}
