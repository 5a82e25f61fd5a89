import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../src/self-signed.js';
import { runExample, type ExampleRun } from './run.js';

let run: ExampleRun | undefined;
afterEach(async () => run?.stop());

describe('examples/tls-router', () => {
  it('serves provided procedures over wss:// and rss:// to clients that pin the self-signed certificate', async () => {
    run = runExample('tls-router');
    await run.line(/^ready wss:\/\/127\.0\.0\.1:\d+\/ws$/);
    await run.line(/^wss anonymous via websocket from tls:tcp4:127\.0\.0\.1:\d+$/);
    await run.line(/^rss \d{4}-\d\d-\d\dT/);
    await run.line(/^unpinned refused: /);
    expect((await run.exit()).code).toBe(0);
  });

  it('makes a certificate that node:crypto parses, for the hosts asked, signed by its own key', async () => {
    const made = await selfSignedCertificate({ commonName: 'example.test', hosts: ['example.test', '127.0.0.1'], days: 2 });
    const x = new X509Certificate(made.cert);
    expect(x.subject).toBe('CN=example.test');
    expect(x.issuer).toBe('CN=example.test');
    expect(x.subjectAltName).toBe('DNS:example.test, IP Address:127.0.0.1');
    expect(x.ca).toBe(true);
    expect(x.checkHost('example.test')).toBe('example.test');
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.checkHost('other.test')).toBeUndefined();
    expect(x.fingerprint256).toBe(made.fingerprint256);
    const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    expect(days).toBeGreaterThan(2);
    expect(days).toBeLessThan(2.1);
  });
});
