// The project's router as a cluster: a nats-server (JetStream, a temporary
// folder, a free port) and $WAMP_BENCH_NODES router nodes (default 2), each
// its own process (./cluster-node.mjs), as a deployment runs them. To the
// orchestrator it is one server: its endpoints are node 1's (`ws`), node 2's
// (`ws2`) and every node's (`nodes`); its CPU time is the sum of the router
// nodes' (nats-server's is reported apart, as `natsCpu`).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/proc.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

/** CPU time (µs) of a process from /proc (utime + stime, clock ticks of 10 ms). */
function procCpu(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return 0;
  }
}

async function startNats() {
  const dir = mkdtempSync(join(tmpdir(), 'wamp-bench-nats-'));
  const child = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', '-1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  for (let i = 0; i < 400; i++) {
    const m = /Listening for client connections on [^\s]*:(\d+)/.exec(log);
    if (m !== null && /Server is ready/.test(log)) {
      return { url: `nats://127.0.0.1:${m[1]}`, pid: child.pid, stop: () => (child.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })) };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`nats-server did not start (is it installed? apt-get install nats-server):\n${log}`);
}

if (typeof process.send !== 'function') {
  console.error('started by the orchestrator (src/bench.mjs), with an IPC channel');
  process.exit(2);
}

const count = Number(process.env.WAMP_BENCH_NODES ?? '2');
const nats = await startNats().catch((e) => {
  process.send({ type: 'failed', error: String(e.message ?? e) });
  process.exit(1);
});
const nodes = [];
const stopAll = async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  nats.stop();
};
process.on('disconnect', () => {
  void stopAll().finally(() => process.exit(0));
});
try {
  for (let i = 1; i <= count; i++) {
    nodes.push(startServer(join(here, 'cluster-node.mjs'), { env: { WAMP_BENCH_NATS: nats.url, WAMP_BENCH_NODE: `bench${i}`, WAMP_BENCH_NODES: String(count) } }));
  }
  nodes.splice(0, nodes.length, ...(await Promise.all(nodes)));
} catch (e) {
  process.send({ type: 'failed', error: String(e.message ?? e) });
  await stopAll();
  process.exit(1);
}

process.on('message', async (req) => {
  try {
    if (req.cmd === 'cpu') {
      const each = await Promise.all(nodes.map((n) => n.request('cpu')));
      process.send({ id: req.id, cpu: each.reduce((s, r) => s + r.cpu, 0), natsCpu: procCpu(nats.pid) });
    } else if (req.cmd === 'mem') {
      const each = await Promise.all(nodes.map((n) => n.request('mem', 30_000)));
      process.send({ id: req.id, mem: each[0].mem });
    } else if (req.cmd === 'close') {
      await stopAll();
      process.send({ id: req.id }, () => process.exit(0));
    }
  } catch (err) {
    process.send({ id: req.id, error: String(err?.stack ?? err) });
  }
});
process.send({ type: 'ready', endpoints: { ws: nodes[0].endpoints.ws, ws2: nodes[1 % count].endpoints.ws, nodes: nodes.map((n) => n.endpoints.ws) } });
