// Codec benchmark: our encodeMessage/decodeMessage (which add toWire/fromWire,
// limits and `sanitize`) beside the raw codecs on the same wire arrays, in the
// same run. Run with `pnpm bench:codec` (builds first; imports packages/core/dist).
//
// Each cell is a time-boxed loop (BENCH_MS, default 150 ms) repeated 3 times;
// the median ops/s is reported. "ratio" is time per op, ours / raw: 1.20 means
// validation adds 20% to the raw codec.

import { Decoder as MsgpackDecoder, Encoder as MsgpackEncoder } from '@msgpack/msgpack';
import { Decoder as CborDecoder, Encoder as CborEncoder } from 'cbor-x';
import {
  base64Encode,
  call,
  cborSerializer,
  decodeMessage,
  encodeMessage,
  event,
  jsonSerializer,
  msgpackSerializer,
  toWire,
} from '../dist/index.js';

const BENCH_MS = Number(process.env.BENCH_MS ?? 150);
// BENCH_ONLY=json (or msgpack, cbor) measures one serializer alone, so that the
// JIT sees a single serializer as a connection would (the default mixes all
// three, as a router serving mixed clients does).
const ONLY = process.env.BENCH_ONLY;
const REPEATS = 3;

/** Median ops/s of `fn` over REPEATS time-boxed runs. */
function measure(fn) {
  // Warm up so that the JIT has settled before the clock starts.
  const warmEnd = performance.now() + BENCH_MS / 2;
  while (performance.now() < warmEnd) for (let i = 0; i < 100; i++) fn();
  const rates = [];
  for (let r = 0; r < REPEATS; r++) {
    let ops = 0;
    const start = performance.now();
    let now = start;
    const end = start + BENCH_MS;
    while (now < end) {
      for (let i = 0; i < 50; i++) fn();
      ops += 50;
      now = performance.now();
    }
    rates.push((ops * 1000) / (now - start));
  }
  rates.sort((a, b) => a - b);
  return rates[1];
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
  for (const ser of [jsonSerializer, msgpackSerializer, cborSerializer].filter((s) => ONLY === undefined || s.name === ONLY)) {
    const raw = RAW[ser.name];
    const wire = raw.prepare(toWire(msg));
    const frame = encodeMessage(ser, msg);
    const rawFrame = raw.encode(wire);
    const encOurs = measure(() => {
      sink ^= encodeMessage(ser, msg).length;
    });
    const encRaw = measure(() => {
      sink ^= raw.encode(wire).length;
    });
    const decOurs = measure(() => {
      sink ^= decodeMessage(ser, frame).type;
    });
    const decRaw = measure(() => {
      sink ^= raw.decode(rawFrame).length;
    });
    rows.push({
      message: label,
      serializer: ser.name,
      bytes: frame.length,
      encOurs,
      encRaw,
      decOurs,
      decRaw,
    });
  }
}

const header = ['message', 'serializer', 'bytes', 'encode ours/s', 'encode raw/s', 'enc ratio', 'decode ours/s', 'decode raw/s', 'dec ratio'];
const table = rows.map((r) => [
  r.message,
  r.serializer,
  String(r.bytes),
  fmt(r.encOurs),
  fmt(r.encRaw),
  (r.encRaw / r.encOurs).toFixed(2),
  fmt(r.decOurs),
  fmt(r.decRaw),
  (r.decRaw / r.decOurs).toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
console.log(`node ${process.version}, ${BENCH_MS} ms x ${REPEATS} per cell (median); ratio = time per op, ours / raw`);
console.log(line(header));
console.log('|' + widths.map((w, i) => (i < 2 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|');
for (const row of table) console.log(line(row));
if (sink === 0.5) console.log(sink);
