/**
 * A self-signed certificate made at run time with the `selfsigned` library:
 * an ECDSA P-256 key and a certificate for `CN=<commonName>`, valid for the
 * given DNS names and IP addresses, signed by its own key. It is its own CA:
 * a client pins it by passing the certificate as `ca`.
 *
 * Not an example program itself; the `tls-router` example uses it. Fine for
 * tests and demos — real deployments get certificates from a CA.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

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
export async function selfSignedCertificate(options: SelfSignedOptions = {}): Promise<SelfSigned> {
  const cn = options.commonName ?? 'localhost';
  const hosts = options.hosts ?? ['localhost', '127.0.0.1'];
  const notBeforeDate = new Date(Date.now() - 3_600_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + (options.days ?? 1) * 86_400_000 + 3_600_000);
  const pems = await generate([{ name: 'commonName', value: cn }], {
    notBeforeDate,
    notAfterDate,
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })) },
    ],
  });
  return { cert: pems.cert, key: pems.private, fingerprint256: new X509Certificate(pems.cert).fingerprint256 };
}
