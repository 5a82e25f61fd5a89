// The middle rungs of the latency ladder (../ladder.mjs), between the raw `ws`
// relay (./raw-ws.mjs) and the project's router (./router.mjs), chosen by
// $LADDER_STEP:
//   conn   the relay of ./raw-ws.mjs written over @wamp/ws's server connection
//          (WebSocketConnection: its receive and write paths), no WAMP at all;
//   mini   a hand-written WAMP dealer over the same connections: HELLO, REGISTER,
//          CALL → INVOCATION, YIELD → RESULT with JSON.parse / JSON.stringify and
//          no checks: what routing itself costs at the least;
//   host   the @wamp/core Router behind node-router's RouterHost on the same
//          connections, without the rest of createRouter (limiter, HTTP server
//          options, metrics, logging).
// Started by the orchestrator with an IPC channel (see ./serve.mjs).

import { jsonSerializer, Router } from '@wamp/core';
import { RouterHost, createLogger, cryptoRandomId } from '@wamp/node-router';
import { createWebSocketServer } from '@wamp/ws/node';
import { serve } from './serve.mjs';

const step = process.env.LADDER_STEP ?? 'conn';

function relay() {
  const pairs = new Map();
  return (conn) => {
    const [, id, role] = conn.peer.url.split('/').filter(Boolean);
    let pair = pairs.get(id);
    if (pair === undefined) pairs.set(id, (pair = { a: undefined, b: undefined }));
    pair[role] = conn;
    const other = role === 'a' ? 'b' : 'a';
    conn.onFrame = (frame) => pair[other]?.send(frame);
    conn.onClose = () => {
      pair[role] = undefined;
      if (pair.a === undefined && pair.b === undefined) pairs.delete(id);
    };
  };
}

function mini() {
  let nextId = 1;
  const procedures = new Map(); // uri -> { conn, regId }
  const invocations = new Map(); // invocation ID -> { caller, request }
  return (conn) => {
    conn.onFrame = (frame) => {
      const m = JSON.parse(frame);
      switch (m[0]) {
        case 1: // HELLO
          conn.send(JSON.stringify([2, nextId++, { authid: 'anonymous', authrole: 'anonymous', roles: { dealer: {} } }]));
          return;
        case 64: {
          // REGISTER
          const regId = nextId++;
          procedures.set(m[3], { conn, regId });
          conn.send(JSON.stringify([65, m[1], regId]));
          return;
        }
        case 48: {
          // CALL
          const p = procedures.get(m[3]);
          const inv = nextId++;
          invocations.set(inv, { caller: conn, request: m[1] });
          p.conn.send(JSON.stringify([68, inv, p.regId, {}, m[4]]));
          return;
        }
        case 70: {
          // YIELD
          const c = invocations.get(m[1]);
          invocations.delete(m[1]);
          c?.caller.send(JSON.stringify([50, c.request, {}, m[3]]));
          return;
        }
        default:
          return;
      }
    };
    conn.onClose = () => {
      for (const [uri, p] of procedures) if (p.conn === conn) procedures.delete(uri);
    };
  };
}

function host() {
  const router = new Router({ realms: [{ name: process.env.WAMP_BENCH_REALM ?? 'realm1' }] }, { randomId: cryptoRandomId() });
  const h = new RouterHost({ router, crypto: undefined, log: createLogger({ level: 'warn' }) });
  return (conn) => h.attach(conn, { transport: 'websocket', serializer: conn.serializer });
}

serve(async () => {
  const onConnection = step === 'conn' ? relay() : step === 'mini' ? mini() : step === 'host' ? host() : undefined;
  if (onConnection === undefined) throw new Error(`unknown LADDER_STEP ${step}`);
  const server = createWebSocketServer({ onConnection, serializers: [jsonSerializer] });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return {
    endpoints: { ws: `ws://127.0.0.1:${server.address().port}` },
    close: () => server.close(),
  };
});
