// Load A/B: the CPU per sequential call of the *load* process, for several load
// variants against one router (servers/router.mjs), alternated round by round so
// that a noisy moment hits all alike. Medians over rounds, and each variant's
// per-round ratio to the first.
//
//   node src/loadab.mjs [--rounds 7] [--duration 1500] [--warmup 500]
//        --variant 'name=load/wamp-client.mjs' --variant 'name2=load/raw-wamp.mjs|ENV=1|--node-flag'
// A variant: name=LOADFILE, then optional `|KEY=VALUE` environment entries for the
// load process (`|WARMUP=MS`: the variant's own warm-up; `|OPS=N`: also N calls of it) and `|--flag` node options.
// One router for the whole run (its warm-up is shared); a fresh load process per
// measurement, as in `pnpm bench` and src/ladder.mjs.

import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, runMain, startServer } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: v } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    duration: { type: 'string', default: '1500' },
    warmup: { type: 'string', default: '500' },
    variant: { type: 'string', multiple: true, default: ['client=load/wamp-client.mjs', 'raw=load/raw-wamp.mjs'] },
    inflight: { type: 'string', default: '1' },
  },
});
const variants = v.variant.map((s) => {
  const [head, ...rest] = s.split('|');
  const [name, load] = head.split('=');
  const env = Object.fromEntries(rest.filter((r) => !r.startsWith('--')).map((r) => r.split('=')));
  // `|WARMUP=3000`: this variant's warm-up (ms), instead of --warmup.
  const warmup = env.WARMUP === undefined ? undefined : Number(env.WARMUP);
  // `|OPS=5000`: also warm up for that many calls (spec.warmupOps, see load/drive.mjs).
  const warmupOps = env.OPS === undefined ? undefined : Number(env.OPS);
  delete env.WARMUP;
  delete env.OPS;
  const execArgv = rest.filter((r) => r.startsWith('--'));
  return { name, load, env, execArgv, warmup, warmupOps };
});
const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);

async function main() {
  const server = await startServer(join(here, 'servers/router.mjs'), { env: { WAMP_BENCH_REALM: 'realm1' } });
  const runs = new Map(variants.map((x) => [x.name, []]));
  for (let round = 1; round <= Number(v.rounds); round++) {
    for (const x of variants) {
      const spec = {
        shape: 'rpc', inflight: Number(v.inflight), payloadBytes: 32, realm: 'realm1',
        serializer: 'json', transport: 'ws', mode: 'wamp',
        url: server.endpoints.ws.replace(/\/ws$/, '') + '/ws',
        durationMs: Number(v.duration), warmupMs: x.warmup ?? Number(v.warmup), warmupOps: x.warmupOps,
      };
      let cpu0;
      const r = await runLoad(join(here, x.load), spec, {
        onStart: async () => { ({ cpu: cpu0 } = await server.request('cpu')); },
        onEnd: async () => ({ cpu: (await server.request('cpu')).cpu - cpu0 }),
      }, { env: x.env, execArgv: x.execArgv });
      const m = { load: (r.loadCpu * 1e3 * r.elapsedMs) / r.ops, server: r.end.cpu / r.ops, p50: r.latencyMs.p50 * 1000, rate: r.rate };
      runs.get(x.name).push(m);
      log(`[${round}] ${x.name.padEnd(16)} load ${m.load.toFixed(1).padStart(6)} µs/call  server ${m.server.toFixed(1).padStart(6)} µs/call  p50 ${m.p50.toFixed(0).padStart(4)} µs  ${Math.round(m.rate)}/s`);
    }
  }
  await server.stop();
  const base = runs.get(variants[0].name);
  const f = (x, d = 1) => x.toFixed(d);
  const ratio = (n, k) => {
    const rs = runs.get(n).map((m, i) => m[k] / base[i][k]);
    return `${f(median(rs), 2)} (${f(Math.min(...rs), 2)}–${f(Math.max(...rs), 2)})`;
  };
  console.log(`\n${v.rounds} rounds × ${v.duration} ms, one call at a time; ratios to ${variants[0].name}: median of per-round ratios (min–max)\n`);
  console.log('| load | load CPU µs/call | ÷ base | server CPU µs/call | ÷ base | p50 µs | ÷ base | calls/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const x of variants) {
    const rs = runs.get(x.name);
    const med = (k) => median(rs.map((m) => m[k]));
    console.log(`| ${x.name} | ${f(med('load'))} | ${ratio(x.name, 'load')} | ${f(med('server'))} | ${ratio(x.name, 'server')} | ${f(med('p50'), 0)} | ${ratio(x.name, 'p50')} | ${f(med('rate'), 0)} |`);
  }
}

runMain(main);
