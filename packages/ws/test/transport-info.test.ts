import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createWebSocketServer, type WebSocketConnection } from '@wamp/ws/node';
import { makeClientCerts, type ClientCerts } from '../../node-router/test/certs.js';
import { TLS_CA, TLS_CERT_FILE, TLS_KEY_FILE } from '../../node-router/test/helpers.js';

// The peer description of a WebSocket connection carries the upgrade's cookies and the TLS client certificate.
describe('WebSocket transport information', () => {
  let certs: ClientCerts;
  beforeAll(() => {
    certs = makeClientCerts();
  });
  afterAll(() => certs.dispose());

  async function connectOnce(clientTls: { cert?: Buffer; key?: Buffer }): Promise<WebSocketConnection> {
    const server = createHttpsServer({
      cert: readFileSync(TLS_CERT_FILE),
      key: readFileSync(TLS_KEY_FILE),
      ca: certs.ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
    });
    let got: (c: WebSocketConnection) => void = () => undefined;
    const accepted = new Promise<WebSocketConnection>((r) => (got = r));
    const wss = createWebSocketServer({ path: '/ws', onConnection: (c) => got(c) });
    wss.attach(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, ['wamp.2.json'], {
      ca: TLS_CA,
      ...clientTls,
      headers: { cookie: 'cbtid=abc%20def; other="x"; cbtid=second' },
    });
    ws.on('error', () => undefined);
    const conn = await accepted;
    await new Promise<void>((r) => (ws.readyState === WebSocket.OPEN ? r() : ws.once('open', () => r())));
    ws.terminate();
    await wss.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    return conn;
  }

  it('parses the cookies of the upgrade request and reads a verified client certificate', async () => {
    const conn = await connectOnce({ cert: certs.alice.cert, key: certs.alice.key });
    expect(conn.peer.cookies).toEqual({ cbtid: 'abc def', other: 'x' });
    const t = conn.peer.tlsClient!;
    expect(t.authorized).toBe(true);
    expect(t.certificate?.subject['CN']).toBe('alice');
    expect(t.certificate?.subject['O']).toBe('Example');
    expect(t.certificate?.issuer['CN']).toBe('Test Client CA');
    expect(t.certificate?.serialNumber).toBe('1001');
    expect(t.certificate?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(t.chain.map((c) => c.subject['CN'])).toEqual(['alice', 'Test Client CA']);
    // The DER is the certificate the client sent.
    const pem = certs.alice.cert.toString('latin1').replace(/-----[^-]+-----|\s/g, '');
    expect(Buffer.from(t.certificate!.raw).toString('base64')).toBe(pem);
  });

  it('reports a certificate that does not verify, and a client without one', async () => {
    const rogue = (await connectOnce({ cert: certs.rogue.cert, key: certs.rogue.key })).peer.tlsClient!;
    expect(rogue.authorized).toBe(false);
    expect(rogue.certificate?.subject['CN']).toBe('mallory');
    expect(rogue.authorizationError).toMatch(/SELF_SIGNED|UNABLE_TO|self.signed/i);
    const none = (await connectOnce({})).peer.tlsClient!;
    expect(none.authorized).toBe(false);
    expect(none.certificate).toBeUndefined();
    expect(none.chain).toEqual([]);
  });
});
