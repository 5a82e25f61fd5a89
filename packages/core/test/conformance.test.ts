/**
 * The WAMP conformance vectors (../shared/wamp-testsuite/singlemessage), read
 * as data for every serializer we implement, so that adding a vector needs no
 * code here.
 *
 * - Serialization samples: every listed representation of every variant
 *   (bytes, bytes_hex, bytes_base64) decodes to `expected_attributes`, and
 *   encoding the decoded message gives one of the listed variants byte for
 *   byte (MessagePack, CBOR) or, for JSON, either a listed text or the same
 *   text once the vector's optional whitespace is removed; in every case the
 *   encoding decodes back to the same message.
 * - Validation samples: `wmsg` goes through `fromWire` directly and, encoded
 *   with each raw codec, through `decodeMessage`; it is refused as a
 *   ProtocolViolation whose reason contains `expected_error.contains`, or
 *   accepted when no error is expected.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Encoder as RawMsgpackEncoder } from '@msgpack/msgpack';
import { Encoder as RawCborEncoder } from 'cbor-x';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MessageType,
  ProtocolViolation,
  base64Decode,
  cborSerializer,
  decodeMessage,
  encodeMessage,
  fromWire,
  hexDecode,
  hexEncode,
  jsonSerializer,
  msgpackSerializer,
  type Message,
  type Serializer,
  type SerializerName,
} from '@wamp/core';

const ROOT = fileURLToPath(new URL('../../../../shared/wamp-testsuite/singlemessage/', import.meta.url));

interface Variant {
  bytes?: string;
  bytes_hex?: string;
  bytes_base64?: string;
  note?: string;
}
interface SerializationSample {
  description: string;
  serializers: Record<string, Variant[]>;
  expected_attributes: Record<string, unknown>;
}
interface ValidationSample {
  description: string;
  wmsg: unknown[];
  expected_error?: { type?: string; contains?: string };
}
type Sample = SerializationSample | ValidationSample;
interface VectorFile {
  description: string;
  wamp_message_type: string;
  wamp_message_code: number;
  samples: Sample[];
}

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listJson(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

const FILES = listJson(ROOT).map((path) => ({
  name: path.slice(ROOT.length),
  vector: JSON.parse(readFileSync(path, 'utf8')) as VectorFile,
}));

const SERIALIZERS: readonly Serializer[] = [jsonSerializer, msgpackSerializer, cborSerializer];

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Every representation a variant lists, as bytes, after checking that they agree. */
function representations(v: Variant): { label: string; bytes: Uint8Array }[] {
  const out: { label: string; bytes: Uint8Array }[] = [];
  if (v.bytes !== undefined) out.push({ label: 'bytes', bytes: utf8.encode(v.bytes) });
  if (v.bytes_hex !== undefined) {
    const b = hexDecode(v.bytes_hex);
    if (b === undefined) throw new Error(`malformed bytes_hex in vector: ${v.bytes_hex}`);
    out.push({ label: 'bytes_hex', bytes: b });
  }
  if (v.bytes_base64 !== undefined) {
    const b = base64Decode(v.bytes_base64);
    if (b === undefined) throw new Error(`malformed bytes_base64 in vector: ${v.bytes_base64}`);
    out.push({ label: 'bytes_base64', bytes: b });
  }
  if (out.length === 0) throw new Error('a variant without any representation');
  return out;
}

/** Our field for each attribute name the vectors use. */
const ATTRIBUTE_FIELDS: Readonly<Record<string, string>> = {
  message_type: 'type',
  request_id: 'request',
  request_type: 'requestType',
  session_id: 'session',
  subscription: 'subscription',
  subscription_id: 'subscription',
  publication: 'publication',
  publication_id: 'publication',
  registration: 'registration',
  registration_id: 'registration',
  method: 'authMethod',
  options: 'options',
  details: 'details',
  procedure: 'procedure',
  topic: 'topic',
  realm: 'realm',
  reason: 'reason',
  error: 'error',
  signature: 'signature',
  extra: 'extra',
  args: 'args',
  kwargs: 'kwargs',
};

/** Compare a decoded message with a sample's `expected_attributes`. */
function expectAttributes(msg: Message, attrs: Record<string, unknown>): void {
  const m = msg as unknown as Record<string, unknown>;
  for (const [name, expected] of Object.entries(attrs)) {
    switch (name) {
      case 'roles':
        // HELLO/WELCOME: the roles live in Details.
        expect((m['details'] as Record<string, unknown> | undefined)?.['roles'], name).toEqual(expected);
        break;
      case 'payload': {
        const p = m['payload'];
        if (expected === null) {
          expect(p, name).toBeUndefined();
        } else {
          expect(p, name).toBeInstanceOf(Uint8Array);
          expect(hexEncode(p as Uint8Array), name).toBe(expected);
        }
        break;
      }
      default: {
        const field = ATTRIBUTE_FIELDS[name];
        if (field === undefined) throw new Error(`vector attribute "${name}" has no mapping onto our message fields`);
        // A null Arguments/ArgumentsKw in the vectors means "absent".
        expect(m[field], name).toEqual(expected === null ? undefined : expected);
      }
    }
  }
}

const asHex = (f: string | Uint8Array): string => hexEncode(typeof f === 'string' ? utf8.encode(f) : f);

interface Counts {
  files: Set<string>;
  samples: number;
  decoded: number;
  encoded: number;
  byteEqual: number;
  validation: number;
}
const counts = new Map<string, Counts>(
  ['fromWire', ...SERIALIZERS.map((s) => s.name)].map((n) => [
    n,
    { files: new Set(), samples: 0, decoded: 0, encoded: 0, byteEqual: 0, validation: 0 },
  ]),
);
const count = (name: string): Counts => counts.get(name)!;

// Raw codecs for the validation samples: plain encoders, without our checks.
const rawMsgpack = new RawMsgpackEncoder();
const rawCbor = new RawCborEncoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const RAW_ENCODE: Record<SerializerName, (wire: unknown[]) => string | Uint8Array> = {
  json: (w) => JSON.stringify(w),
  msgpack: (w) => rawMsgpack.encode(w),
  cbor: (w) => rawCbor.encode(w),
};

function expectRefused(run: () => unknown, contains: string | undefined): void {
  let thrown: unknown;
  try {
    run();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a ProtocolViolation').toBeInstanceOf(ProtocolViolation);
  if (contains !== undefined) expect((thrown as ProtocolViolation).reason).toContain(contains);
}

it('finds the conformance vectors', () => {
  expect(FILES.length).toBeGreaterThan(20);
});

for (const { name: file, vector } of FILES) {
  describe(file, () => {
    it('is a single-message vector whose code matches its type', () => {
      expect(Array.isArray(vector.samples)).toBe(true);
      expect(vector.samples.length).toBeGreaterThan(0);
      expect(MessageType[vector.wamp_message_type as keyof typeof MessageType]).toBe(vector.wamp_message_code);
    });

    vector.samples.forEach((sample, index) => {
      const title = `#${index} ${sample.description}`;

      if ('wmsg' in sample) {
        const contains = sample.expected_error?.contains;
        const refused = sample.expected_error !== undefined;
        it(`${title}: fromWire ${refused ? 'refuses' : 'accepts'} it`, () => {
          if (refused) {
            expectRefused(() => fromWire(structuredClone(sample.wmsg)), contains);
          } else {
            expect(fromWire(structuredClone(sample.wmsg)).type).toBe(vector.wamp_message_code);
          }
          count('fromWire').validation++;
          count('fromWire').files.add(file);
        });
        for (const ser of SERIALIZERS) {
          it(`${title}: ${ser.name} ${refused ? 'refuses' : 'accepts'} it`, () => {
            const frame = RAW_ENCODE[ser.name](sample.wmsg);
            if (refused) {
              expectRefused(() => decodeMessage(ser, frame), contains);
            } else {
              expect(decodeMessage(ser, frame)).toEqual(fromWire(structuredClone(sample.wmsg)));
            }
            count(ser.name).validation++;
            count(ser.name).files.add(file);
          });
        }
        return;
      }

      for (const ser of SERIALIZERS) {
        const variants = sample.serializers[ser.name];
        if (variants === undefined) continue;
        it(`${title}: ${ser.name} decodes every variant and encodes one of them`, () => {
          const c = count(ser.name);
          c.samples++;
          c.files.add(file);
          let decoded: Message | undefined;
          for (const variant of variants) {
            const reps = representations(variant);
            // The representations of one variant are the same bytes.
            for (const r of reps) expect(hexEncode(r.bytes), `${r.label} of ${variant.note ?? 'variant'}`).toBe(hexEncode(reps[0]!.bytes));
            for (const r of reps) {
              // JSON arrives as a text frame (WebSocket) or as bytes (RawSocket).
              const frames = ser.binary ? [r.bytes] : [utf8Decoder.decode(r.bytes), r.bytes];
              for (const frame of frames) {
                const msg = decodeMessage(ser, frame);
                expect(msg.type).toBe(vector.wamp_message_code);
                expectAttributes(msg, sample.expected_attributes);
                if (decoded === undefined) decoded = msg;
                else expect(msg).toEqual(decoded);
                c.decoded++;
              }
            }
          }
          const ours = encodeMessage(ser, decoded!);
          expect(typeof ours === 'string').toBe(!ser.binary);
          const listed = variants.map((v) => hexEncode(representations(v)[0]!.bytes));
          const exact = listed.includes(asHex(ours));
          if (ser.binary) {
            expect(listed, 'our encoding is one of the listed variants').toContain(asHex(ours));
          } else if (!exact) {
            // Another legal JSON text (the vector's spaces after , and :):
            // the same text once whitespace outside strings is dropped.
            const compact = variants.map((v) => JSON.stringify(JSON.parse(utf8Decoder.decode(representations(v)[0]!.bytes))));
            expect(compact).toContain(ours);
          }
          expect(decodeMessage(ser, ours)).toEqual(decoded);
          c.encoded++;
          if (exact) c.byteEqual++;
        });
      }
    });
  });
}

afterAll(() => {
  const lines = [...counts].map(
    ([name, c]) =>
      `  ${name.padEnd(8)} files ${String(c.files.size).padStart(2)}, serialization samples ${String(c.samples).padStart(3)} ` +
      `(${c.decoded} decodes, ${c.encoded} encodes, ${c.byteEqual} byte-equal), validation samples ${c.validation}`,
  );
  console.log(`conformance vectors run (${ROOT}):\n${lines.join('\n')}`);
});
