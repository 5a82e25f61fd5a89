#!/usr/bin/env node
// `pnpm cluster`: try the cluster on one machine. Starts a local nats-server
// (JetStream on, a temporary folder, a free port) and three `wamp-router`
// nodes that meet through it, then waits for Ctrl-C and stops them all.
//
//   node 1: ws://127.0.0.1:8080/ws  rs://127.0.0.1:8081  http://127.0.0.1:8090/metrics
//   node 2: ws://127.0.0.1:8082/ws  rs://127.0.0.1:8083  http://127.0.0.1:8091/metrics
//   node 3: ws://127.0.0.1:8084/ws  rs://127.0.0.1:8085  http://127.0.0.1:8092/metrics
//
// Options: --nodes N (default 3), --base-port P (default 8080), --nats URL
// (use a running NATS instead of starting one).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    'base-port': { type: 'string', default: '8080' },
    nats: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write('Usage: pnpm cluster [--nodes N] [--base-port P] [--nats nats://HOST:PORT]\n');
  process.exit(0);
}
const count = Number(values.nodes);
const base = Number(values['base-port']);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const children = [];
let dir;

function stopAll(code) {
  for (const c of children.reverse()) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  }, 500);
}
process.once('SIGINT', () => stopAll(0));
process.once('SIGTERM', () => stopAll(0));

async function startNats() {
  if (spawnSync('nats-server', ['--version']).status !== 0) {
    process.stderr.write('pnpm cluster: nats-server is not installed. On Debian/Ubuntu: sudo apt-get install nats-server\n(or pass --nats nats://HOST:PORT of a NATS with JetStream)\n');
    process.exit(1);
  }
  dir = mkdtempSync(join(tmpdir(), 'wamp-cluster-'));
  const nats = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', '-1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(nats);
  let log = '';
  nats.stderr.on('data', (d) => (log += d));
  nats.stdout.on('data', (d) => (log += d));
  for (let i = 0; i < 200; i++) {
    const m = /Listening for client connections on [^\s]*:(\d+)/.exec(log);
    if (m !== null && /Server is ready/.test(log)) return `nats://127.0.0.1:${m[1]}`;
    await new Promise((r) => setTimeout(r, 25));
  }
  process.stderr.write(`pnpm cluster: nats-server did not start:\n${log}\n`);
  stopAll(1);
  return new Promise(() => undefined);
}

const natsUrl = values.nats ?? (await startNats());
process.stdout.write(`NATS (JetStream): ${natsUrl}\n`);
for (let i = 1; i <= count; i++) {
  const ws = base + 2 * (i - 1);
  const admin = base + 10 + (i - 1);
  const args = [CLI, '--ws', `127.0.0.1:${ws}`, '--rawsocket', `127.0.0.1:${ws + 1}`, '--admin', `127.0.0.1:${admin}`, '--cluster', natsUrl, '--node', `node${i}`, '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  child.stdout.on('data', (d) => process.stdout.write(`[node${i}] ${d}`));
  child.on('exit', (code) => {
    process.stderr.write(`pnpm cluster: node${i} exited (${code})\n`);
  });
}
process.stdout.write(`${count} nodes starting; connect to any of them (realm1). Ctrl-C stops everything.\n`);
