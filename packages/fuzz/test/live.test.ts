// The project's own router over real sockets (127.0.0.1, ephemeral ports):
// the same suites as in memory, shorter, through @wamp/node-router's
// WebSocket and RawSocket listeners.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cborSerializer, jsonSerializer, msgpackSerializer, type Serializer } from '@wamp/core';
import { createRouter, type WampRouter } from '@wamp/node-router';
import {
  RawSocketDriver,
  WebSocketDriver,
  formatReport,
  formatSuiteResult,
  fuzz,
  runMalformedSuite,
  runModelSuite,
  type DriverFactory,
  type SuiteResult,
} from '@wamp/fuzz';

const REALM = 'realm1';
let router: WampRouter;
let wsUrl: string;
let rsPort: number;

beforeAll(async () => {
  router = createRouter({
    realms: [{ name: REALM }],
    listeners: [
      { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
      { type: 'rawsocket', host: '127.0.0.1', port: 0 },
    ],
    log: { level: 'error' },
  });
  const addresses = await router.listen();
  wsUrl = addresses.find((a) => a.type === 'websocket')!.url;
  rsPort = addresses.find((a) => a.type === 'rawsocket')!.port!;
});

afterAll(async () => {
  await router?.close();
});

const ws = (serializer: Serializer): DriverFactory => () => new WebSocketDriver({ url: wsUrl, serializer });
const rs = (serializer: Serializer): DriverFactory => () => new RawSocketDriver({ host: '127.0.0.1', port: rsPort, serializer });
const timing = { replyTimeoutMs: 3000, quietMs: 10 };

function passes(r: SuiteResult): void {
  expect(r.finding, formatSuiteResult(r)).toBeUndefined();
}

describe('the project router over real sockets', () => {
  test('model-based suite over WebSocket (JSON)', async () => {
    const r = await runModelSuite({ driver: ws(jsonSerializer), realm: REALM, runs: 40, seed: 101, ...timing });
    passes(r);
    expect(r.messagesReceived).toBeGreaterThan(200);
  });

  test('model-based suite over RawSocket (MessagePack)', async () => {
    passes(await runModelSuite({ driver: rs(msgpackSerializer), realm: REALM, runs: 25, seed: 102, ...timing }));
  });

  test('malformed-input suite over WebSocket (CBOR)', async () => {
    passes(await runMalformedSuite({ driver: ws(cborSerializer), realm: REALM, runs: 60, seed: 103, oversizeBytes: 256 * 1024, ...timing }));
  });

  test('malformed-input suite over RawSocket (JSON), damaged handshakes and frames included', async () => {
    const r = await runMalformedSuite({ driver: rs(jsonSerializer), realm: REALM, runs: 80, seed: 104, oversizeBytes: 256 * 1024, ...timing });
    passes(r);
    expect(r.byKind['framing'] ?? 0).toBeGreaterThan(5);
  });

  test('fuzz() runs both suites and the router stays up', async () => {
    const report = await fuzz({ driver: ws(jsonSerializer), realm: REALM, runs: 10, malformedRuns: 10, seed: 105, replyTimeoutMs: 3000, oversizeBytes: 0 });
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.reachable).toBe(true);
    expect(report.routerStayedUp).toBe(true);
    expect(report.suites.map((s) => s.suite)).toEqual(['model', 'malformed']);
  });
});
