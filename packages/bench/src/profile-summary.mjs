// Where the time goes in one V8 CPU profile (from `pnpm bench --profile`):
//   node src/profile-summary.mjs results/profiles/server-ours-....cpuprofile [top] [--calls N]
// Prints self time by function and by origin (our packages, ws, Node internals,
// garbage collection, idle); with --calls N (the operations the process served,
// as src/ladder.mjs prints them), also in µs per operation.

import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const callsAt = argv.indexOf('--calls');
const calls = callsAt === -1 ? undefined : Number(argv.splice(callsAt, 2)[1]);
const [path, topArg] = argv;
if (path === undefined) {
  console.error('usage: node src/profile-summary.mjs FILE.cpuprofile [top]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(path, 'utf8'));

// Self time per node: the sum of the time deltas of the samples that landed on it.
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

function origin(url, name) {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native (program)';
  if (url === '') return 'native';
  const pkg = url.match(/packages\/([^/]+)\/(dist|src)\//);
  if (pkg) return `@wamp/${pkg[1]}`;
  const dep = url.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//);
  if (dep) return dep[1];
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('packages/bench/')) return 'bench harness';
  return url;
}

const byFunction = new Map();
const byOrigin = new Map();
const byFile = new Map();
let total = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  total += us;
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  const where = url ? `${url.replace(/^file:\/\/.*?\/(packages|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
  const key = `${name} ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const o = origin(url, name);
  byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
  const file = url ? url.replace(/^file:\/\/.*?\/(packages|node_modules)\//, '$1/').replace(/^node_modules\/\.pnpm\/[^/]+\//, '') : name;
  byFile.set(file, (byFile.get(file) ?? 0) + us);
}

const perCall = (us) => (calls === undefined ? '' : `  ${(us / calls).toFixed(2).padStart(7)} µs/op`);
const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%${perCall(us)}`;
const busy = total - (byOrigin.get('idle') ?? 0);
console.log(`${path}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle${perCall(busy)}\n`);
console.log('by origin (self time):');
for (const [o, us] of [...byOrigin].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${o}`);
const busyPct = (us) => `${((us / busy) * 100).toFixed(1).padStart(5)}%${perCall(us)}`;
console.log(`\ntop ${top} files (self time, share of the time not idle):`);
for (const [f, us] of [...byFile].filter(([f]) => f !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${busyPct(us)}  ${f}`);
}
console.log(`\ntop ${top} functions (self time):`);
for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);
