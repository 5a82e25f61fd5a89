// Codec benchmark: our encodeMessage/decodeMessage (which add toWire/fromWire,
// the limits and the data-model checks) beside the raw codecs on the same wire
// arrays, in the same run. Run with `pnpm bench:codec` (builds first; imports
// packages/core/dist, or the build named by CODEC_BENCH_CORE, e.g. an older
// one to compare against).
//
// The machine this runs on is shared, so each pair (ours, raw) is measured
// interleaved: ROUNDS alternating batches of each, about BENCH_MS in all
// (default 600 ms), timed by the process's CPU time rather than the wall
// clock, so that time spent waiting for a core counts for neither side; the
// figures are medians over the rounds. "ratio" is time per op, ours / raw:
// 1.20 means validation adds 20% to the raw codec.

import { Decoder as MsgpackDecoder, Encoder as MsgpackEncoder } from '@msgpack/msgpack';
import { Decoder as CborDecoder, Encoder as CborEncoder } from 'cbor-x';

const core = await import(process.env.CODEC_BENCH_CORE ?? '../dist/index.js');
const { base64Encode, call, cborSerializer, decodeMessage, encodeMessage, event, jsonSerializer, msgpackSerializer, toWire } =
  core;

const BENCH_MS = Number(process.env.BENCH_MS ?? 600);
// BENCH_ONLY=json (or msgpack, cbor) measures one serializer alone, so that the
// JIT sees a single serializer as a connection would (the default mixes all
// three, as a router serving mixed clients does).
const ONLY = process.env.BENCH_ONLY;
// BENCH_ROWS=REGEX measures only the messages whose label matches (e.g. "small|CALL").
const ROWS = process.env.BENCH_ROWS === undefined ? undefined : new RegExp(process.env.BENCH_ROWS);
const ROUNDS = 20;

// The process's CPU time in µs (getrusage: exact, where the per-thread
// figures Linux offers without a native addon are only updated at the
// scheduler's ticks). It includes the GC's helper threads, which is a cost of
// the decoder that allocates, and the JIT compiler's, which the warm-up of
// each pair leaves behind.
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** How many calls of `fn` take about `ms` of wall time (at least 1). */
function batchFor(fn, ms) {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    fn();
    n++;
  }
  return Math.max(1, n);
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[v.length >> 1];
};

/**
 * ops/s of `ours` and of `raw` (by CPU time) and the ratio of their times per
 * op, measured in alternating batches after a warm-up, so that both see the
 * same load; each is the median over the rounds, so that a round that met a
 * garbage collection or a migration to a busy core does not weigh.
 */
function measurePair(ours, raw) {
  const slice = BENCH_MS / (2 * ROUNDS);
  // Warm-up: the JIT settles, and the batch sizes are calibrated.
  for (let w = 0; w < 4; w++) {
    batchFor(ours, slice * 2);
    batchFor(raw, slice * 2);
  }
  const nOurs = batchFor(ours, slice);
  const nRaw = batchFor(raw, slice);
  const ratesOurs = [];
  const ratesRaw = [];
  const ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t = cpuMicros();
    for (let i = 0; i < nOurs; i++) ours();
    const tOurs = cpuMicros() - t;
    t = cpuMicros();
    for (let i = 0; i < nRaw; i++) raw();
    const tRaw = cpuMicros() - t;
    ratesOurs.push((nOurs * 1e6) / tOurs);
    ratesRaw.push((nRaw * 1e6) / tRaw);
    ratios.push(tOurs / nOurs / (tRaw / nRaw));
  }
  return { ours: median(ratesOurs), raw: median(ratesRaw), ratio: median(ratios) };
}

// --- messages ---------------------------------------------------------------

const record = (i) => ({
  id: 1000 + i,
  name: `sensor-${i}`,
  active: i % 2 === 0,
  reading: 20.5 + i,
  tags: ['temp', 'hall'],
});
const kib = { batch: 7, readings: Array.from({ length: 10 }, (_, i) => record(i)), note: 'x'.repeat(120) };
const binary = new Uint8Array(16 * 1024);
for (let i = 0; i < binary.length; i++) binary[i] = (i * 31 + 7) & 0xff;

const MESSAGES = [
  ['CALL', call(7814135, 'com.myapp.myprocedure1', { args: ['Hello, world!', 42], kwargs: { verbose: true } })],
  ['EVENT small', event(5647382910, 998877665544, { args: ['hello', 1] }, { publisher: 4429313566 })],
  ['EVENT ~1 KiB', event(5647382910, 998877665544, { args: [kib] })],
  ['EVENT 16 KiB bin', event(5647382910, 998877665544, { args: [binary] })],
];

// --- raw codecs ---------------------------------------------------------------

// The JSON wire form carries binary as "\u0000" + base64 (basic profile): the
// raw JSON baseline stringifies that form, so that it does the same text work.
function jsonForm(v) {
  if (v instanceof Uint8Array) return '\u0000' + base64Encode(v);
  if (Array.isArray(v)) return v.map(jsonForm);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, jsonForm(e)]));
  return v;
}

const rawMsgpackEncoder = new MsgpackEncoder();
const rawMsgpackDecoder = new MsgpackDecoder();
const rawCborEncoder = new CborEncoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const rawCborDecoder = new CborDecoder({ useRecords: false, mapsAsObjects: true });

const RAW = {
  json: {
    prepare: (wire) => jsonForm(wire),
    encode: (w) => JSON.stringify(w),
    decode: (f) => JSON.parse(f),
  },
  msgpack: {
    prepare: (wire) => wire,
    encode: (w) => rawMsgpackEncoder.encode(w),
    decode: (f) => rawMsgpackDecoder.decode(f),
  },
  cbor: {
    prepare: (wire) => wire,
    encode: (w) => rawCborEncoder.encode(w),
    decode: (f) => rawCborDecoder.decode(f),
  },
};

// --- run ----------------------------------------------------------------------

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rows = [];
let sink = 0;
for (const [label, msg] of MESSAGES) {
  if (ROWS !== undefined && !ROWS.test(label)) continue;
  for (const ser of [jsonSerializer, msgpackSerializer, cborSerializer].filter((s) => ONLY === undefined || s.name === ONLY)) {
    const raw = RAW[ser.name];
    const wire = raw.prepare(toWire(msg));
    const frame = encodeMessage(ser, msg);
    const rawFrame = raw.encode(wire);
    const enc = measurePair(
      () => {
        sink ^= encodeMessage(ser, msg).length;
      },
      () => {
        sink ^= raw.encode(wire).length;
      },
    );
    const dec = measurePair(
      () => {
        sink ^= decodeMessage(ser, frame).type;
      },
      () => {
        sink ^= raw.decode(rawFrame).length;
      },
    );
    rows.push({ message: label, serializer: ser.name, bytes: frame.length, enc, dec });
  }
}

const header = ['message', 'serializer', 'bytes', 'encode ours/s', 'encode raw/s', 'enc ratio', 'decode ours/s', 'decode raw/s', 'dec ratio'];
const table = rows.map((r) => [
  r.message,
  r.serializer,
  String(r.bytes),
  fmt(r.enc.ours),
  fmt(r.enc.raw),
  r.enc.ratio.toFixed(2),
  fmt(r.dec.ours),
  fmt(r.dec.raw),
  r.dec.ratio.toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
console.log(
  `node ${process.version}, ${BENCH_MS} ms per pair, ${ROUNDS} interleaved rounds, process CPU time, medians; ratio = time per op, ours / raw`,
);
console.log(line(header));
console.log('|' + widths.map((w, i) => (i < 2 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|');
for (const row of table) console.log(line(row));
if (sink === 0.5) console.log(sink);
