// TLS client certificates made at test time with the openssl command: a CA,
// a client certificate it signs (CN=alice, O=Example), and a self-signed
// "rogue" certificate no listener trusts. The listeners keep the server
// certificate of @wamp/rawsocket's fixtures (see helpers.ts).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One key pair and its certificate, as files and as PEM text. */
export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** What {@link makeClientCerts} made. */
export interface ClientCerts {
  readonly dir: string;
  /** The CA that signs client certificates (what a listener's `tls.ca` names for mutual TLS). */
  readonly ca: CertFiles;
  /** CN=alice, O=Example, signed by `ca`. */
  readonly alice: CertFiles;
  /** CN=mallory, self-signed: presented, but not verifiable. */
  readonly rogue: CertFiles;
  /** Remove the directory. */
  dispose(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function files(dir: string, name: string): CertFiles {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Make a CA and client certificates in a new temporary directory. */
export function makeClientCerts(): ClientCerts {
  const dir = mkdtempSync(join(tmpdir(), 'wamp-mtls-'));
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test Client CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-new', ...EC, '-keyout', 'alice.key', '-out', 'alice.csr', '-subj', '/CN=alice/O=Example'], dir);
  writeFileSync(join(dir, 'client.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', 'alice.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '0x1001', '-days', '2',
    '-extfile', 'client.ext', '-out', 'alice.pem'], dir);
  openssl(['req', '-x509', ...EC, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=mallory'], dir);
  return {
    dir,
    ca: files(dir, 'ca'),
    alice: files(dir, 'alice'),
    rogue: files(dir, 'rogue'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
