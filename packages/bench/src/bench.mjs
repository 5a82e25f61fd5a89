// `pnpm bench` / `pnpm bench --quick`: the end-to-end benchmark.
//
// Everything runs on 127.0.0.1. Each server (plain ws, the project's router,
// fox-wamp) is its own process; each measurement is one load process driving one
// traffic shape for a fixed time (src/load/*.mjs). Rows are measured round-robin
// (every row once, then every row again, ...) so that a noisy moment hits all rows
// alike, and each figure is the median of the runs; the ratios are taken between
// rows of the same run. Results: a Markdown table on stdout, JSON under results/.
//
// Options:
//   --quick              one run per row, short windows, no fox-wamp scale rows
//                        (under a minute)
//   --runs N             runs per row (default 3; 1 with --quick)
//   --duration MS        measured window per run (default 2000; 400 with --quick)
//   --warmup MS          warm-up before the window, same process (default 500; 200)
//   --warmup-ops N       and at least N operations of it (default 3000; at most 8 s more):
//                        at one call at a time, a time alone leaves a client library
//                        half-compiled by V8 when the window opens
//   --sessions A,B       idle sessions for the scale rows (default 1000,10000)
//   --only REGEX         only the rows whose key matches (keys are in the JSON)
//   --no-scale           skip the idle-session rows
//   --out FILE           JSON output (default results/bench-<time>.json and results/latest.json)
//   --profile            write V8 CPU profiles of every server and load process
//                        to results/profiles/ (best with --only)
//                        (summarise one with `node src/profile-summary.mjs FILE`)
//   --md / --no-md       replace the generated table in BENCHMARKS.md (default: only
//                        for a full run of every row)
//   --cluster-nodes N    router nodes of the cluster rows (default 2; sessions are
//                        spread over them, nats-server runs beside them)
//   --no-cluster         skip the cluster rows

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, fdLimit } from './lib/machine.mjs';
import { runLoad, runMain, startHolder, startServer } from './lib/proc.mjs';
import { machineLine, ratioTable, scaleTable, throughputTable } from './lib/report.mjs';
import { median } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkgRoot = join(here, '..');
const file = (p) => join(here, p);

// --- options ------------------------------------------------------------------

const OPTIONS = {
  quick: { type: 'boolean' },
  runs: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  'warmup-ops': { type: 'string' },
  sessions: { type: 'string' },
  only: { type: 'string' },
  'no-scale': { type: 'boolean' },
  out: { type: 'string' },
  profile: { type: 'boolean' },
  md: { type: 'boolean' },
  'no-md': { type: 'boolean' },
  'cluster-nodes': { type: 'string' },
  'no-cluster': { type: 'boolean' },
};

function parseBenchArgs(argv) {
  let parsed;
  try {
    // `pnpm bench -- --quick` passes the separator through: it carries no meaning here.
    parsed = parseArgs({ args: argv.filter((a) => a !== '--'), options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch (e) {
    throw new Error(`${e.message} (see the head of src/bench.mjs)`);
  }
  const { values: v, tokens } = parsed;
  const quick = v.quick === true;
  const runs = v.runs === undefined ? (quick ? 1 : 3) : Math.max(1, Number(v.runs));
  // --md and --no-md: the last one given counts.
  const mdFlag = tokens.filter((t) => t.kind === 'option' && (t.name === 'md' || t.name === 'no-md')).at(-1);
  return {
    quick,
    runs,
    durationMs: v.duration === undefined ? (quick ? 400 : 2000) : Number(v.duration),
    warmupMs: v.warmup === undefined ? (quick ? 200 : 500) : Number(v.warmup),
    warmupOps: v['warmup-ops'] === undefined ? 3000 : Number(v['warmup-ops']),
    sessions: v.sessions === undefined ? [1000, 10000] : v.sessions.split(',').map(Number),
    scaleRuns: v.runs === undefined ? (quick ? 1 : 3) : runs,
    only: v.only === undefined ? undefined : new RegExp(v.only),
    scale: v['no-scale'] !== true,
    out: v.out,
    md: mdFlag === undefined ? undefined : mdFlag.name === 'md',
    profile: v.profile === true,
    clusterNodes: v['cluster-nodes'] === undefined ? 2 : Math.max(2, Number(v['cluster-nodes'])),
    cluster: v['no-cluster'] !== true,
  };
}

// --- what is measured ------------------------------------------------------------

const REALM = 'realm1';
const RPC_PAYLOAD = 32; // characters of the string argument of each call
const SMALL = 40; // event args [seq, 40 characters] ≈ 50 bytes of payload
const KIB = 1024;
const FAN = [1, 10, 100];

/**
 * Events in flight end to end for a pubsub run: 100 for 1 and 10 subscribers,
 * fewer for 100 so that the router holds about 2,000 deliveries at a time.
 */
const windowFor = (subscribers) => Math.max(20, Math.min(100, Math.ceil(2000 / subscribers)));

const SERVERS = {
  raw: { file: 'servers/raw-ws.mjs', label: 'plain ws server' },
  ours: { file: 'servers/router.mjs', label: 'project router' },
  fox: { file: 'servers/fox.mjs', label: 'fox-wamp' },
  cluster: { file: 'servers/cluster.mjs', label: 'project router, a cluster of nodes on nats-server' },
};
const LOADS = {
  raw: 'load/raw-ws.mjs',
  wamp: 'load/wamp-client.mjs',
  autobahn: 'load/autobahn.mjs',
};

const rpcRows = (prefix, base) => [
  { key: `${prefix}.seq`, label: 'sequential', ...base, spec: { ...base.spec, shape: 'rpc', inflight: 1, payloadBytes: RPC_PAYLOAD } },
  { key: `${prefix}.100`, label: '100 in flight', ...base, spec: { ...base.spec, shape: 'rpc', inflight: 100, payloadBytes: RPC_PAYLOAD } },
];

const pubsubRows = (prefix, base) =>
  [SMALL, KIB].flatMap((bytes) =>
    FAN.map((n) => ({
      key: `${prefix}.${n}.${bytes === KIB ? '1k' : 'small'}`,
      label: `${n} subscriber${n === 1 ? '' : 's'}, ${bytes === KIB ? '1 KiB' : '~50 B'}`,
      ...base,
      spec: { ...base.spec, shape: 'pubsub', subscribers: n, payloadBytes: bytes, window: windowFor(n) },
    })),
  );

const withLabel = (prefix, rows) => rows.map((r) => ({ ...r, label: `${prefix}${r.label}` }));

function sections(opts) {
  const raw = { server: 'raw', load: 'raw', endpoint: 'ws' };
  const ourWs = (serializer) => ({ server: 'ours', load: 'wamp', endpoint: 'ws', spec: { serializer, transport: 'ws' } });
  const ourRs = (endpoint) => ({ server: 'ours', load: 'wamp', endpoint, spec: { serializer: 'msgpack', transport: 'rawsocket' } });
  const ab = (server) => ({ server, load: 'autobahn', endpoint: 'ws', spec: { serializer: 'json' } });
  // Cross-node: the caller (and the publisher) on node 1, the callee on node 2, subscribers spread over every node.
  const cross = { server: 'cluster', load: 'wamp', endpoint: 'ws', spec: { serializer: 'json', transport: 'ws', cross: true } };
  return [
    {
      id: 'raw',
      title: '1. Physical limit: plain ws, no WAMP (frames shaped like WAMP messages, JSON)',
      unit: 'round trips/s · msgs delivered/s',
      rows: [
        ...withLabel('echo (1 hop), ', rpcRows('raw.echo', { ...raw, spec: { mode: 'echo' } })),
        ...withLabel('relay A→B→A (2 hops), ', rpcRows('raw.relay', { ...raw, spec: { mode: 'relay' } })),
        ...withLabel('broadcast to ', pubsubRows('raw.bcast', { ...raw, spec: {} })),
      ],
    },
    {
      id: 'rpc',
      title: '2. RPC through the project router, @wamp/client on both ends',
      unit: 'calls/s',
      rows: [
        ...withLabel('WebSocket JSON, ', rpcRows('ours.rpc.ws-json', ourWs('json'))),
        ...withLabel('WebSocket MessagePack, ', rpcRows('ours.rpc.ws-msgpack', ourWs('msgpack'))),
        ...withLabel('RawSocket TCP MessagePack, ', rpcRows('ours.rpc.rs-tcp', ourRs('tcp'))),
        ...withLabel('RawSocket Unix MessagePack, ', rpcRows('ours.rpc.rs-unix', ourRs('unix'))),
      ],
    },
    {
      id: 'pubsub',
      title: '3. PubSub through the project router, @wamp/client, WebSocket JSON (one publisher)',
      unit: 'events delivered/s',
      note: 'p50/p99: from publish to delivery to the last subscriber.',
      rows: pubsubRows('ours.pubsub', ourWs('json')),
    },
    {
      id: 'clients',
      title: '4. Clients: Autobahn|JS against the project router, WebSocket JSON (compare with 2. and 3.)',
      unit: 'calls/s · events delivered/s',
      rows: [
        ...withLabel('RPC, ', rpcRows('ab.ours.rpc', ab('ours'))),
        ...withLabel('PubSub, ', pubsubRows('ab.ours.pubsub', ab('ours'))),
      ],
    },
    {
      id: 'peers',
      title: '5. Peers: the same Autobahn|JS load against fox-wamp',
      unit: 'calls/s · events delivered/s',
      rows: [
        ...withLabel('RPC, ', rpcRows('ab.fox.rpc', ab('fox'))),
        ...withLabel('PubSub, ', pubsubRows('ab.fox.pubsub', ab('fox'))),
      ],
    },
    ...(opts?.cluster === false
      ? []
      : [
          {
            id: 'cluster',
            title: `7. Cluster: ${opts?.clusterNodes ?? 2} router nodes on one nats-server, @wamp/client, WebSocket JSON (compare with 2. and 3.)`,
            unit: 'calls/s · events delivered/s',
            note: 'RPC: caller on node 1, callee on node 2. PubSub: publisher on node 1, subscribers spread over the nodes. Server CPU: the router nodes together (nats-server apart, in the JSON).',
            rows: [
              ...withLabel('cross-node RPC, ', rpcRows('cluster.rpc', cross)),
              ...withLabel('PubSub across nodes, ', pubsubRows('cluster.pubsub', cross).filter((r) => r.spec.subscribers === 10)),
            ],
          },
        ]),
  ];
}

/** Goals from the issue, as ratios of medians of rows of this run. */
const GOALS = [
  { label: 'routed RPC, 100 in flight, @wamp/client WS JSON ÷ raw ws relay', num: 'ours.rpc.ws-json.100', den: 'raw.relay.100', min: 0.85 },
  { label: 'sequential p50 latency, routed ÷ raw ws relay', num: 'ours.rpc.ws-json.seq', den: 'raw.relay.seq', metric: 'p50', max: 1.15 },
  { label: 'router CPU per sequential call ÷ raw ws relay', num: 'ours.rpc.ws-json.seq', den: 'raw.relay.seq', metric: 'serverUsPerOp', max: 1.2 },
  { label: 'PubSub to 100 ÷ to 10 subscribers, ~50 B, @wamp/client', num: 'ours.pubsub.100.small', den: 'ours.pubsub.10.small', min: 0.9 },
  ...[10, 100].flatMap((n) =>
    ['small', '1k'].map((size) => ({
      label: `PubSub to ${n}, ${size === '1k' ? '1 KiB' : '~50 B'}, ÷ raw ws broadcast`,
      num: `ours.pubsub.${n}.${size}`,
      den: `raw.bcast.${n}.${size}`,
      min: 0.85,
    })),
  ),
  { label: 'project router ÷ fox-wamp, Autobahn|JS RPC 100 in flight', num: 'ab.ours.rpc.100', den: 'ab.fox.rpc.100', min: 1.3 },
  { label: 'project router ÷ fox-wamp, Autobahn|JS RPC sequential', num: 'ab.ours.rpc.seq', den: 'ab.fox.rpc.seq', min: 1.3 },
  { label: 'project router ÷ fox-wamp, Autobahn|JS PubSub to 10, ~50 B', num: 'ab.ours.pubsub.10.small', den: 'ab.fox.pubsub.10.small', min: 1.3 },
  { label: '@wamp/client ÷ Autobahn|JS, our router, RPC 100 in flight', num: 'ours.rpc.ws-json.100', den: 'ab.ours.rpc.100', min: 1.5 },
  { label: '@wamp/client ÷ Autobahn|JS, our router, RPC sequential', num: 'ours.rpc.ws-json.seq', den: 'ab.ours.rpc.seq', min: 1.5 },
  { label: '@wamp/client ÷ Autobahn|JS, our router, PubSub to 10, ~50 B', num: 'ours.pubsub.10.small', den: 'ab.ours.pubsub.10.small', min: 1.5 },
  { label: 'cluster: cross-node ÷ single-node, RPC 100 in flight', num: 'cluster.rpc.100', den: 'ours.rpc.ws-json.100', min: 0.6 },
  { label: 'cluster: cross-node ÷ single-node, RPC sequential', num: 'cluster.rpc.seq', den: 'ours.rpc.ws-json.seq', min: 0.6 },
  { label: 'cluster: across nodes ÷ single node, PubSub to 10, ~50 B', num: 'cluster.pubsub.10.small', den: 'ours.pubsub.10.small', min: 0.6 },
  { label: 'cluster: latency crossing adds, sequential RPC p50', num: 'cluster.rpc.seq', den: 'ours.rpc.ws-json.seq', metric: 'p50', delta: true, max: 150 },
];

/**
 * Context: ratios without a goal that help read the table. On two cores one
 * load process and the server share the machine, so whichever side costs more
 * per message sets the rate; the CPU time per operation of each side shows what
 * the other side would allow.
 */
const CONTEXT = [
  { label: 'server CPU per call, fox-wamp ÷ project router (Autobahn|JS, RPC 100 in flight)', num: 'ab.fox.rpc.100', den: 'ab.ours.rpc.100', metric: 'serverUsPerOp' },
  { label: 'server CPU per delivery, fox-wamp ÷ project router (Autobahn|JS, PubSub to 10, ~50 B)', num: 'ab.fox.pubsub.10.small', den: 'ab.ours.pubsub.10.small', metric: 'serverUsPerOp' },
  { label: 'client CPU per call, Autobahn|JS ÷ @wamp/client (RPC 100 in flight)', num: 'ab.ours.rpc.100', den: 'ours.rpc.ws-json.100', metric: 'loadUsPerOp' },
  { label: 'client CPU per delivery, Autobahn|JS ÷ @wamp/client (PubSub to 10, ~50 B)', num: 'ab.ours.pubsub.10.small', den: 'ours.pubsub.10.small', metric: 'loadUsPerOp' },
  { label: 'server CPU per call, project router ÷ raw ws relay (100 in flight)', num: 'ours.rpc.ws-json.100', den: 'raw.relay.100', metric: 'serverUsPerOp' },
  { label: 'server CPU per delivery, project router ÷ raw ws broadcast (to 100, ~50 B)', num: 'ours.pubsub.100.small', den: 'raw.bcast.100.small', metric: 'serverUsPerOp' },
  // Ceilings of the two sequential goals against Autobahn|JS: the raw relay is the same `ws` server with
  // clients that only echo, so no router (on `ws`) and no client can answer one call at a time faster.
  { label: 'ceiling of router ÷ fox-wamp, RPC sequential: raw ws relay ÷ fox-wamp (Autobahn|JS)', num: 'raw.relay.seq', den: 'ab.fox.rpc.seq' },
  { label: 'ceiling of @wamp/client ÷ Autobahn|JS, RPC sequential: raw ws relay ÷ Autobahn|JS on our router', num: 'raw.relay.seq', den: 'ab.ours.rpc.seq' },
  { label: 'raw ws relay ÷ raw ws echo, 100 in flight (cost of the second hop)', num: 'raw.relay.100', den: 'raw.echo.100' },
  { label: 'fox-wamp (Autobahn|JS) ÷ raw ws relay, 100 in flight', num: 'ab.fox.rpc.100', den: 'raw.relay.100' },
  { label: 'project router (Autobahn|JS) ÷ raw ws relay, 100 in flight', num: 'ab.ours.rpc.100', den: 'raw.relay.100' },
  { label: 'WS MessagePack ÷ WS JSON, RPC 100 in flight', num: 'ours.rpc.ws-msgpack.100', den: 'ours.rpc.ws-json.100' },
  { label: 'RawSocket TCP ÷ WS MessagePack, RPC 100 in flight', num: 'ours.rpc.rs-tcp.100', den: 'ours.rpc.ws-msgpack.100' },
  { label: 'RawSocket Unix ÷ RawSocket TCP, RPC 100 in flight', num: 'ours.rpc.rs-unix.100', den: 'ours.rpc.rs-tcp.100' },
  { label: 'cluster: node CPU per call, cross-node ÷ single node (100 in flight)', num: 'cluster.rpc.100', den: 'ours.rpc.ws-json.100', metric: 'serverUsPerOp' },
  { label: 'cluster: node CPU per delivery, across nodes ÷ single node (PubSub to 10)', num: 'cluster.pubsub.10.small', den: 'ours.pubsub.10.small', metric: 'serverUsPerOp' },
];

// --- availability of the project's packages --------------------------------------

/** Why a load or server cannot run yet (the packages are written in parallel), or undefined. */
async function missingPieces() {
  const missing = {};
  const { spawnSync } = await import('node:child_process');
  if (spawnSync('nats-server', ['--version']).status !== 0) missing.cluster = 'nats-server is not installed (apt-get install nats-server)';
  try {
    const router = await import('@wamp/node-router');
    if (typeof router.createRouter !== 'function') missing.ours = '@wamp/node-router does not export createRouter yet';
  } catch (e) {
    missing.ours = `@wamp/node-router not importable: ${e.message.split('\n')[0]}`;
  }
  try {
    const client = await import('@wamp/client');
    if (typeof client.Session !== 'function') missing.wamp = '@wamp/client does not export Session yet';
    await import('@wamp/ws/node');
    await import('@wamp/rawsocket');
  } catch (e) {
    missing.wamp = `client packages not importable: ${e.message.split('\n')[0]}`;
  }
  return missing;
}

// --- running ----------------------------------------------------------------------

const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measureRow(row, server, opts) {
  const e = server.endpoints;
  const spec = {
    ...row.spec,
    url: e[row.endpoint],
    ...(row.spec?.cross ? { calleeUrl: e.ws2, subscriberUrls: e.nodes } : {}),
    realm: REALM,
    durationMs: opts.durationMs,
    warmupMs: opts.warmupMs,
    warmupOps: opts.warmupOps,
  };
  let cpu0;
  let t0;
  let nats0;
  let natsUs;
  const sample = async () => {
    const r = await server.request('cpu');
    return { cpu: r.cpu, nats: r.natsCpu, t: performance.now() };
  };
  const result = await runLoad(file(LOADS[row.load]), spec, {
    onStart: async () => {
      ({ cpu: cpu0, nats: nats0, t: t0 } = await sample());
    },
    onEnd: async () => {
      const { cpu, nats, t } = await sample();
      if (nats !== undefined) natsUs = nats - nats0;
      return (cpu - cpu0) / 1000 / (t - t0);
    },
  }, { execArgv: opts.profile ? profileArgs(`load-${row.key}`) : [] });
  return {
    rate: result.rate,
    ops: result.ops,
    p50: result.latencyMs.p50,
    p90: result.latencyMs.p90,
    p99: result.latencyMs.p99,
    serverCpu: result.end,
    loadCpu: result.loadCpu,
    // CPU time per operation (µs): what each side costs even when the other side is the bottleneck.
    serverUsPerOp: (result.end * 1e6) / result.rate,
    loadUsPerOp: (result.loadCpu * 1e6) / result.rate,
    ...(natsUs !== undefined ? { natsUsPerOp: natsUs / result.ops } : {}),
    elapsedMs: result.elapsedMs,
    ...(result.eventRate !== undefined ? { eventRate: result.eventRate } : {}),
  };
}

function medianOf(runs) {
  if (runs.length === 0) return undefined;
  const keys = Object.keys(runs[0]);
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))]));
}

const profileDir = join(pkgRoot, 'results', 'profiles');
const profileArgs = (name) => ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`];

/** The servers of the throughput rows, started on first use and restarted if one died. */
class Servers {
  constructor(env, opts) {
    this.env = env;
    this.opts = opts;
    this.running = new Map();
  }
  async get(kind) {
    const s = this.running.get(kind);
    if (s !== undefined && s.alive()) return s;
    if (s !== undefined) log(`  ${SERVERS[kind].label} died; restarting. Its last output:\n${s.describe()}`);
    const execArgv = this.opts.profile ? profileArgs(`server-${kind}`) : [];
    const started = await startServer(file(SERVERS[kind].file), { env: this.env, execArgv });
    this.running.set(kind, started);
    return started;
  }
  async stopAll() {
    await Promise.all([...this.running.values()].map((s) => s.stop()));
    this.running.clear();
  }
}

async function runThroughput(opts, missing, results, unixPath) {
  const all = sections(opts).flatMap((s) => s.rows).filter((r) => opts.only === undefined || opts.only.test(r.key));
  const runnable = [];
  for (const row of all) {
    const why = missing[row.server] ?? missing[row.load];
    results.set(row.key, { key: row.key, label: row.label, runs: [], errors: [], ...(why ? { skipped: `not run: ${why}` } : {}) });
    if (why === undefined) runnable.push(row);
  }
  const servers = new Servers({ WAMP_BENCH_UNIX: unixPath, WAMP_BENCH_REALM: REALM, WAMP_BENCH_NODES: String(opts.clusterNodes) }, opts);
  try {
    for (let run = 1; run <= opts.runs; run++) {
      for (const row of runnable) {
        const r = results.get(row.key);
        try {
          const server = await servers.get(row.server);
          const m = await measureRow(row, server, opts);
          r.runs.push(m);
          log(`[${run}/${opts.runs}] ${row.key.padEnd(26)} ${Math.round(m.rate).toString().padStart(8)}/s  p50 ${(m.p50 * 1000).toFixed(0)} µs  server CPU ${Math.round(m.serverCpu * 100)}%`);
        } catch (e) {
          r.errors.push(String(e.message ?? e));
          log(`[${run}/${opts.runs}] ${row.key.padEnd(26)} FAILED: ${String(e.message ?? e).split('\n').slice(0, 4).join(' | ')}`);
        }
      }
    }
  } finally {
    await servers.stopAll();
  }
  for (const r of results.values()) r.median = medianOf(r.runs);
}

/** Idle joined sessions: memory of a fresh router before and after, and the time to join them all. */
async function runScale(opts, missing, unixPath) {
  const limit = fdLimit();
  const rows = [];
  const routers = [
    { kind: 'ours', label: 'project router' },
    // Not a goal, only a reference: left out of --quick to keep it under a minute.
    ...(opts.quick ? [] : [{ kind: 'fox', label: 'fox-wamp (for comparison)' }]),
  ];
  for (const { kind, label } of routers) {
    for (const wanted of opts.sessions) {
      const key = `scale.${kind}.${wanted}`;
      if (opts.only !== undefined && !opts.only.test(key)) continue;
      // Each side holds one socket per session, plus headroom for everything else.
      // Node raises its soft open-files limit to the hard one at startup, so the
      // hard limit (inherited by every child) is what bounds the session count.
      const sessions = limit === undefined ? wanted : Math.min(wanted, limit.hard - 256);
      const row = { key, label, sessions, wanted, runs: [], errors: [] };
      if (sessions < wanted) row.note = `capped at ${sessions} sessions by the open-files limit (${limit.hard})`;
      rows.push(row);
      if (missing[kind] !== undefined) {
        row.skipped = `not run: ${missing[kind]}`;
        continue;
      }
      for (let run = 1; run <= opts.scaleRuns; run++) {
        let server;
        let holder;
        try {
          server = await startServer(file(SERVERS[kind].file), { env: { WAMP_BENCH_UNIX: unixPath, WAMP_BENCH_REALM: REALM } });
          await sleep(200);
          const before = (await server.request('mem', 30_000)).mem;
          holder = await startHolder(file('load/join.mjs'), {
            url: server.endpoints.ws,
            realm: REALM,
            sessions,
            concurrency: 200,
          });
          await sleep(200);
          const after = (await server.request('mem', 30_000)).mem;
          const m = {
            joinMs: holder.ms,
            joinRate: holder.rate,
            rss: after.rss,
            heapUsed: after.heapUsed,
            rssPerSession: (after.rss - before.rss) / sessions,
            heapPerSession: (after.heapUsed - before.heapUsed) / sessions,
            externalPerSession: (after.external - before.external) / sessions,
          };
          row.runs.push(m);
          log(`[${run}/${opts.scaleRuns}] ${key.padEnd(26)} joined in ${Math.round(m.joinMs)} ms, RSS ${Math.round(m.rssPerSession)} B/session`);
        } catch (e) {
          row.errors.push(String(e.message ?? e));
          log(`[${run}/${opts.scaleRuns}] ${key.padEnd(26)} FAILED: ${String(e.message ?? e).split('\n').slice(0, 4).join(' | ')}`);
        } finally {
          await holder?.finish();
          await server?.stop();
        }
      }
      row.median = medianOf(row.runs);
    }
  }
  return rows;
}

function ratios(results, scale) {
  const value = (key, metric) => results.get(key)?.median?.[metric] ?? Number.NaN;
  const make = (g) => {
    const metric = g.metric ?? 'rate';
    // `delta`: a difference of latencies (ms) shown in µs, not a ratio.
    const v = g.delta ? (value(g.num, metric) - value(g.den, metric)) * 1000 : value(g.num, metric) / value(g.den, metric);
    const goal = g.min !== undefined ? `≥ ${g.min}` : g.max !== undefined ? `≤ ${g.max}` : undefined;
    const pass = g.min !== undefined ? v >= g.min : g.max !== undefined ? v <= g.max : undefined;
    return { label: g.label, num: g.num, den: g.den, metric, value: v, goal: g.delta && goal ? `${goal} µs` : goal, pass, ...(g.delta ? { format: 'us' } : {}) };
  };
  const goals = GOALS.map(make);
  const big = scale.find((s) => s.key === 'scale.ours.10000') ?? scale.filter((s) => s.key.startsWith('scale.ours.')).at(-1);
  if (big !== undefined) {
    const v = big.median?.rssPerSession ?? Number.NaN;
    goals.push({
      label: `router RSS per idle session at ${big.sessions} sessions`,
      value: v,
      format: 'bytes',
      goal: '< 40 KiB',
      pass: v < 40 * 1024,
    });
  }
  return { goals, context: CONTEXT.map(make) };
}

// --- main -------------------------------------------------------------------------

async function main() {
  const opts = parseBenchArgs(process.argv.slice(2));
  const startedAt = new Date();
  const machine = describeMachine();
  const missing = await missingPieces();
  const unixPath = join(tmpdir(), `wamp-bench-${process.pid}.sock`);
  const command = `pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  log(`wamp bench: ${opts.runs} run(s) per row, ${opts.warmupMs} ms (and ${opts.warmupOps} operations) warm-up + ${opts.durationMs} ms measured`);
  log(`machine: ${machineLine(machine)}`);
  for (const [what, why] of Object.entries(missing)) log(`not available (${what}): ${why}`);

  const results = new Map();
  let scale = [];
  try {
    await runThroughput(opts, missing, results, unixPath);
    if (opts.scale) scale = await runScale(opts, missing, unixPath);
  } finally {
    // The router removes its socket file on close, but not when it was killed.
    rmSync(unixPath, { force: true });
  }
  const { goals, context } = ratios(results, scale);
  const finishedAt = new Date();
  machine.loadAverageAtEnd = (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100);

  const secs = sections(opts);
  const text = [
    `## WAMP benchmark — ${startedAt.toISOString()}`,
    '',
    `Command: \`${command}\` (${opts.runs} run(s) per row, median; ${opts.warmupMs} ms and ≥ ${opts.warmupOps} operations warm-up + ${opts.durationMs} ms measured per run; ` +
      `${Math.round((finishedAt - startedAt) / 1000)} s in all).`,
    '',
    `Machine: ${machineLine(machine)}; load average at end ${machine.loadAverageAtEnd.join(' ')}.`,
    '',
    'Server CPU: the server process, in % of one core, over the measured window; µs/op: its CPU time per round trip or delivery. ' +
      'Load: the same for the load process (all its sessions).',
    throughputTable(secs, results),
    '',
    '**6. Scale: idle joined WebSocket sessions (fresh router each run; per session = growth over the empty router)**',
    '',
    scale.length ? scaleTable(scale) : '(not run)',
    ...scale.filter((s) => s.note).map((s) => `\n${s.label}: ${s.note}.`),
    '',
    '**Goals (ratios of medians, same run)**',
    '',
    ratioTable(goals),
    '',
    '**Context**',
    '',
    ratioTable(context),
    '',
  ].join('\n');
  process.stdout.write(`${text}\n`);

  const json = {
    command,
    options: { ...opts, only: opts.only?.source },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine,
    missing,
    rows: [...results.values()],
    scale,
    goals,
    context,
    table: text,
  };
  const resultsDir = join(pkgRoot, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const out = opts.out ?? join(resultsDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}${opts.quick ? '-quick' : ''}.json`);
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  log(`wrote ${out}`);

  // BENCHMARKS.md and results/latest.json (kept in git) always describe the same run.
  if (opts.md ?? (!opts.quick && opts.only === undefined)) {
    updateMarkdown(join(pkgRoot, 'BENCHMARKS.md'), text);
    writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
    log(`wrote ${join(resultsDir, 'latest.json')}`);
  }
}

/** Replaces what lies between the two markers of BENCHMARKS.md; the prose around them is written by hand. */
function updateMarkdown(path, text) {
  const begin = '<!-- bench:begin (generated by pnpm bench; edit outside these markers) -->';
  const end = '<!-- bench:end -->';
  let doc;
  try {
    doc = readFileSync(path, 'utf8');
  } catch {
    doc = `# Benchmarks\n\n${begin}\n${end}\n`;
  }
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) {
    log(`${path}: markers not found; not updated`);
    return;
  }
  // The table's own heading is one level below the document's "Latest run" section.
  const body = text.replace(/^## /, '### ');
  writeFileSync(path, `${doc.slice(0, a + begin.length)}\n${body}\n${doc.slice(b)}`);
  log(`updated ${path}`);
}

runMain(main);
