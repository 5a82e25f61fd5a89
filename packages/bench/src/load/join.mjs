// The scale rows: opens `spec.sessions` WebSocket connections to a router, joins
// each with a minimal HELLO (JSON), keeps them idle, and prints
//   {"event":"joined", sessions, ms, rate, loadCpu}
// once every session has its WELCOME. It then holds them until its stdin closes.
// The client is deliberately bare (no client library) so that the time measured is
// the router's accept and join work plus the unavoidable WebSocket handshake.

import WebSocket from 'ws';
import { emit, readSpec } from '../lib/args.mjs';

const spec = readSpec();
const sockets = [];
const hello = JSON.stringify([
  1,
  spec.realm,
  { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} }, agent: 'wamp-bench-join' },
]);

function joinOne() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(spec.url, ['wamp.2.json'], { perMessageDeflate: false });
    sockets.push(ws);
    let joined = false;
    ws.once('open', () => ws.send(hello));
    ws.on('message', (data) => {
      if (joined) return;
      const msg = JSON.parse(data);
      if (msg[0] === 2) {
        joined = true;
        resolve();
      } else reject(new Error(`expected WELCOME, got ${String(data).slice(0, 200)}`));
    });
    ws.once('error', (err) => reject(err));
    ws.once('close', (code, reason) => {
      if (!joined) reject(new Error(`closed before WELCOME: ${code} ${reason}`));
    });
  });
}

async function main() {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  // A bounded number of handshakes in flight, as a crowd of real clients would be.
  const worker = async () => {
    while (next < spec.sessions) {
      next++;
      await joinOne();
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.sessions) }, worker));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  emit({ event: 'joined', ok: true, sessions: done, ms, rate: (done * 1000) / ms, loadCpu: (cpu.user + cpu.system) / 1000 / ms });
}

// Closing stdin is the orchestrator's "done measuring".
process.stdin.resume();
process.stdin.on('end', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});

main().catch((err) => {
  emit({ event: 'result', ok: false, error: String(err?.stack ?? err) });
  process.exit(1);
});
