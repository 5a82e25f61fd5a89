// The latency ladder: where a sequential call's server CPU goes, between the raw
// `ws` relay and the project's router, one rung at a time, measured side by side.
//
//   node src/ladder.mjs [--rounds 5] [--duration 1500] [--warmup 300] [--warmup-ops 3000]
//                       (the warm-up lasts the time and at least that many calls: see
//                        load/drive.mjs; 0 for the time alone, as before 2026-12-07)
//                       [--steps relay,conn,mini,host,router,router+client]
//                       (a rung named twice, as `relay~2`, runs a second instance: a noise control;
//                        `router@--max-semi-space-size=1` gives its server more node options;
//                        `router%base` runs the server of the checkout at $LADDER_BASE: before/after)
//                       [--profile]  (V8 CPU profiles of the servers, at 50 µs,
//                                     and of every load process, to
//                                     results/profiles/ladder-*.cpuprofile)
//                       [--inflight N]  (calls in flight; default 1, the ladder's purpose)
//                       [--server-args=--perf-basic-prof]  (more node options of the servers,
//                                     e.g. for `perf record -p PID`: the pids are printed)
//
// Rungs (every one but the last driven by the same load, load/raw-wamp.mjs: a
// caller and a callee on plain `ws` doing the same JSON work per message, so the
// rungs differ only on the server side):
//   relay          servers/raw-ws.mjs: `ws` forwarding frames, no WAMP
//   conn           servers/ladder.mjs: the same relay over @wamp/ws's server connection
//   mini           servers/ladder.mjs: a minimal hand-written dealer on those connections
//   host           servers/ladder.mjs: the @wamp/core Router behind RouterHost
//   router         servers/router.mjs: createRouter, as in `pnpm bench`
//   router+client  servers/router.mjs with @wamp/client on both ends (the bench row)
// One call at a time. Every round measures every rung once, in turn, so that a noisy
// moment hits all alike; the table gives medians over rounds of the server's CPU per
// call (process.cpuUsage), the p50 round trip, and each one's ratio to the relay's
// (the median of the per-round ratios, with their min–max as the noise).

import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, runMain, startServer } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: v } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '1500' },
    warmup: { type: 'string', default: '300' },
    'warmup-ops': { type: 'string', default: '3000' },
    steps: { type: 'string', default: 'relay,conn,mini,host,router,router+client' },
    profile: { type: 'boolean', default: false },
    'server-args': { type: 'string', default: '' },
    inflight: { type: 'string', default: '1' },
  },
});

const STEPS = {
  relay: { server: 'servers/raw-ws.mjs', load: 'load/raw-wamp.mjs', mode: 'relay' },
  conn: { server: 'servers/ladder.mjs', env: { LADDER_STEP: 'conn' }, load: 'load/raw-wamp.mjs', mode: 'relay' },
  mini: { server: 'servers/ladder.mjs', env: { LADDER_STEP: 'mini' }, load: 'load/raw-wamp.mjs', mode: 'wamp' },
  host: { server: 'servers/ladder.mjs', env: { LADDER_STEP: 'host' }, load: 'load/raw-wamp.mjs', mode: 'wamp' },
  router: { server: 'servers/router.mjs', load: 'load/raw-wamp.mjs', mode: 'wamp', path: '/ws' },
  'router+client': { server: 'servers/router.mjs', load: 'load/wamp-client.mjs', path: '/ws', spec: { serializer: 'json', transport: 'ws' } },
};
const names = v.steps.split(',');
// `relay~2`: a second, separate instance of a rung (a control for the noise).
// `router@--max-semi-space-size=1`: a rung with more node options for its server (space-separated after @).
const stepOf = (n) => STEPS[n.replace(/[~@%].*$/, '')];
// `router%base`: the rung's server from another checkout of the repository ($LADDER_BASE, built), for before/after.
const serverDir = (n) => (/%base/.test(n) ? join(process.env.LADDER_BASE ?? '', 'packages/bench/src') : here);
const argsOf = (n) => (n.includes('@') ? n.slice(n.indexOf('@') + 1).replace(/%base/, '').split(' ').filter(Boolean) : []);
for (const n of names) if (stepOf(n) === undefined) throw new Error(`unknown step ${n} (known: ${Object.keys(STEPS).join(', ')})`);

const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);
const profileDir = join(here, '..', 'results', 'profiles');

async function main() {
  const servers = new Map();
  for (const n of names) {
    const s = stepOf(n);
    const execArgv = v.profile ? ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `ladder-${n}-${Date.now()}.cpuprofile`] : [];
    const extra = v['server-args'].split(' ').filter(Boolean);
    const server = await startServer(join(serverDir(n), s.server), { env: { WAMP_BENCH_REALM: 'realm1', ...s.env }, execArgv: [...execArgv, ...extra, ...argsOf(n)] });
    log(`${n}: server pid ${server.pid}`);
    servers.set(n, server);
  }
  const runs = new Map(names.map((n) => [n, []]));
  const calls = new Map();
  for (let round = 1; round <= Number(v.rounds); round++) {
    for (const n of names) {
      const s = stepOf(n);
      const server = servers.get(n);
      const spec = {
        shape: 'rpc',
        inflight: Number(v.inflight),
        payloadBytes: 32,
        realm: 'realm1',
        mode: s.mode,
        ...s.spec,
        url: server.endpoints.ws.replace(/\/ws$/, '') + (s.path ?? ''),
        durationMs: Number(v.duration),
        warmupMs: Number(v.warmup),
        warmupOps: Number(v['warmup-ops']),
      };
      let cpu0;
      let faults0;
      let gc0;
      const loadArgv = v.profile ? ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `ladder-load-${n}-${round}-${Date.now()}.cpuprofile`] : [];
      const r = await runLoad(join(here, s.load), spec, {
        onStart: async () => {
          ({ cpu: cpu0, faults: faults0, scavenges: gc0 } = await server.request('cpu'));
        },
        onEnd: async () => {
          const c = await server.request('cpu');
          return { cpu: c.cpu - cpu0, faults: c.faults - faults0, scavenges: c.scavenges - gc0 };
        },
      }, { execArgv: loadArgv });
      const m = { usPerCall: r.end.cpu / r.ops, faults: r.end.faults / r.ops, callsPerGc: r.ops / Math.max(1, r.end.scavenges), p50: r.latencyMs.p50 * 1000, loadUs: (r.loadCpu * 1e3 * r.elapsedMs) / r.ops, rate: r.rate };
      runs.get(n).push(m);
      // For the profiles: calls over the whole run, warm-up included (at the window's rate).
      calls.set(n, (calls.get(n) ?? 0) + Math.round((r.rate * (r.elapsedMs + spec.warmupMs)) / 1000) + (spec.warmupOps ?? 0));
      log(`[${round}] ${n.padEnd(14)} server ${m.usPerCall.toFixed(1).padStart(6)} µs/call  p50 ${m.p50.toFixed(0).padStart(4)} µs  load ${m.loadUs.toFixed(1)} µs/call  ${Math.round(m.rate)}/s  faults ${m.faults.toFixed(3)}/call  ${Math.round(m.callsPerGc)} calls/scavenge`);
    }
  }
  await Promise.all([...servers.values()].map((s) => s.stop()));

  const base = runs.get(names[0]);
  const fmt = (x, d = 1) => x.toFixed(d);
  const ratio = (n, key) => {
    const rs = runs.get(n).map((m, i) => m[key] / base[i][key]);
    return `${fmt(median(rs), 2)} (${fmt(Math.min(...rs), 2)}–${fmt(Math.max(...rs), 2)})`;
  };
  console.log(`\n${v.rounds} rounds × ${v.duration} ms per rung, one call at a time; ratios to ${names[0]} (median of per-round ratios, min–max)\n`);
  console.log('| rung | server CPU µs/call | ÷ base | p50 µs | ÷ base | load CPU µs/call | server page faults/call | calls/scavenge |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const n of names) {
    const rs = runs.get(n);
    const med = (k) => median(rs.map((m) => m[k]));
    console.log(`| ${n} | ${fmt(med('usPerCall'))} | ${ratio(n, 'usPerCall')} | ${fmt(med('p50'), 0)} | ${ratio(n, 'p50')} | ${fmt(med('loadUs'))} | ${fmt(med('faults'), 3)} | ${fmt(med('callsPerGc'), 0)} |`);
  }
  // Before/after: each rung beside its `%base` twin, as the median of per-round ratios.
  for (const n of names) {
    const b = `${n}%base`;
    if (!runs.has(b) || n.includes('%base')) continue;
    const pair = (key) => {
      const rs = runs.get(n).map((m, i) => m[key] / runs.get(b)[i][key]);
      return `${fmt(median(rs), 3)} (${fmt(Math.min(...rs), 2)}–${fmt(Math.max(...rs), 2)})`;
    };
    console.log(`\n${n} ÷ ${b}, per round: server CPU per call ${pair('usPerCall')}, p50 ${pair('p50')}`);
  }
  if (v.profile) {
    console.log('\nabout this many calls per server profile (for `node src/profile-summary.mjs FILE 30 --calls N`):');
    for (const n of names) console.log(`  ${n}: ${calls.get(n)}`);
  }
}

runMain(main);
