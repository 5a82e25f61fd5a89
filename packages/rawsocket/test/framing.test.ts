import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameType,
  HandshakeErrorCode,
  MAX_MAX_LENGTH,
  RawSocketError,
  RawSocketProtocol,
  encodeFrame,
  encodeHandshake,
  exponentLength,
  lengthExponent,
  type RawSocketEvent,
} from '@wamp/rawsocket';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function openServer(maxMessageSize = MAX_MAX_LENGTH): RawSocketProtocol {
  const p = new RawSocketProtocol({ role: 'server', serializerIds: [1, 2, 3], maxMessageSize });
  const ev = p.receiveData(encodeHandshake(1, 15));
  expect(ev.map((e) => e.type)).toEqual(['open']);
  p.dataToSend();
  return p;
}

function errorOf(events: readonly RawSocketEvent[]): RawSocketError {
  const last = events.at(-1);
  if (last?.type !== 'error') throw new Error(`expected an error event, got ${JSON.stringify(events)}`);
  return last.error;
}

describe('max length exponent', () => {
  it('maps lengths to the 4-bit field, never rounding a limit up', () => {
    expect(lengthExponent(512)).toBe(0);
    expect(lengthExponent(100)).toBe(0);
    expect(lengthExponent(1023)).toBe(0);
    expect(lengthExponent(1024)).toBe(1);
    expect(lengthExponent(2 ** 24 - 1)).toBe(14);
    expect(lengthExponent(2 ** 24)).toBe(15);
    expect(lengthExponent(Infinity)).toBe(15);
    expect(exponentLength(0)).toBe(512);
    expect(exponentLength(15)).toBe(2 ** 24);
  });
});

describe('client handshake', () => {
  it('sends 0x7F, LLLL SSSS and two reserved zero octets', () => {
    const c = new RawSocketProtocol({ role: 'client', serializerId: 2, maxMessageSize: 2 ** 16 });
    expect(concat(c.dataToSend())).toEqual(bytes(0x7f, 0x72, 0, 0));
    expect(c.status).toBe('handshaking');
  });

  it('opens on a matching reply, taking the router limit as its send limit', () => {
    const c = new RawSocketProtocol({ role: 'client', serializerId: 3 });
    c.dataToSend();
    const ev = c.receiveData(bytes(0x7f, 0x13, 0, 0));
    expect(ev).toEqual([{ type: 'open', serializerId: 3, sendLimit: 1024, receiveLimit: 2 ** 24 }]);
    expect(() => c.sendMessage(new Uint8Array(1025))).toThrow(RawSocketError);
    c.sendMessage(new Uint8Array(1024));
    expect(concat(c.dataToSend()).subarray(0, 4)).toEqual(bytes(0, 0, 4, 0));
  });

  it.each([
    [1, 'serializer unsupported'],
    [2, 'maximum message length unacceptable'],
    [3, 'use of reserved bits'],
    [4, 'maximum connection count reached'],
  ])('reports error reply %i as handshake-refused', (code, text) => {
    const c = new RawSocketProtocol({ role: 'client', serializerId: 1 });
    const err = errorOf(c.receiveData(bytes(0x7f, code << 4, 0, 0)));
    expect(err.kind).toBe('handshake-refused');
    expect(err.handshakeError).toBe(code);
    expect(err.message).toContain(text);
    expect(c.status).toBe('failed');
  });

  it('fails on a reply with another serializer, reserved octets, error code 0, or a bad magic', () => {
    for (const reply of [bytes(0x7f, 0xf2, 0, 0), bytes(0x7f, 0xf1, 0, 1), bytes(0x7f, 0, 0, 0), bytes(0x48, 0x54, 0x54, 0x50)]) {
      const c = new RawSocketProtocol({ role: 'client', serializerId: 1 });
      const err = errorOf(c.receiveData(reply));
      expect(['bad-handshake-reply', 'bad-magic']).toContain(err.kind);
    }
  });

  it('refuses to send before the handshake', () => {
    const c = new RawSocketProtocol({ role: 'client', serializerId: 1 });
    expect(() => c.sendMessage(bytes(1))).toThrow(/handshaking/);
  });
});

describe('server handshake', () => {
  const server = (extra: Partial<{ minClientMaxLength: number; full: boolean }> = {}): RawSocketProtocol =>
    new RawSocketProtocol({
      role: 'server',
      serializerIds: [1, 2],
      maxMessageSize: 2 ** 20,
      minClientMaxLength: extra.minClientMaxLength,
      admit: () => (extra.full === true ? HandshakeErrorCode.MAX_CONNECTIONS : undefined),
    });

  it('echoes the serializer and announces its own limit', () => {
    const s = server();
    expect(s.receiveData(encodeHandshake(2, 3))).toEqual([
      { type: 'open', serializerId: 2, sendLimit: 4096, receiveLimit: 2 ** 20 },
    ]);
    expect(concat(s.dataToSend())).toEqual(bytes(0x7f, 0xb2, 0, 0));
  });

  it.each([
    ['an unsupported serializer', encodeHandshake(3, 15), {}, 1],
    ['the illegal serializer 0', encodeHandshake(0, 15), {}, 1],
    ['a too small client maximum', encodeHandshake(1, 0), { minClientMaxLength: 4096 }, 2],
    ['reserved bits', bytes(0x7f, 0xf1, 0x80, 0), {}, 3],
    ['a full router', encodeHandshake(1, 15), { full: true }, 4],
  ] as const)('refuses %s with error reply %i', (_name, request, extra, code) => {
    const s = server(extra);
    const err = errorOf(s.receiveData(request));
    expect(err.kind).toBe('handshake-refused');
    expect(err.handshakeError).toBe(code);
    expect(concat(s.dataToSend())).toEqual(bytes(0x7f, code << 4, 0, 0));
    expect(s.receiveData(encodeFrame(FrameType.MESSAGE, bytes(1)))).toEqual([]);
  });

  it('fails without a reply when the first octet is not the magic', () => {
    const s = server();
    const err = errorOf(s.receiveData(new TextEncoder().encode('GET / HTTP/1.1\r\n')));
    expect(err.kind).toBe('bad-magic');
    expect(s.dataToSend()).toEqual([]);
  });
});

describe('frames', () => {
  it('encodes the 24-bit length, and 2^24 with the X bit', () => {
    expect(encodeFrame(FrameType.PING, bytes(9, 9)).subarray(0, 4)).toEqual(bytes(1, 0, 0, 2));
    expect(encodeFrame(FrameType.MESSAGE, new Uint8Array(2 ** 24 - 1)).subarray(0, 4)).toEqual(
      bytes(0x00, 0xff, 0xff, 0xff),
    );
    const max = encodeFrame(FrameType.MESSAGE, new Uint8Array(2 ** 24));
    expect(max.subarray(0, 4)).toEqual(bytes(0x08, 0, 0, 0));
    const s = openServer();
    const ev = s.receiveData(max);
    expect(ev).toHaveLength(1);
    expect(ev[0]?.type === 'message' && ev[0].payload.length).toBe(2 ** 24);
  });

  it('answers a PING with a PONG echoing its payload', () => {
    const s = openServer();
    const ev = s.receiveData(encodeFrame(FrameType.PING, bytes(1, 2, 3)));
    expect(ev).toEqual([{ type: 'ping', payload: bytes(1, 2, 3) }]);
    expect(concat(s.dataToSend())).toEqual(bytes(2, 0, 0, 3, 1, 2, 3));
  });

  it('refuses a frame over the announced maximum as soon as its prefix arrives', () => {
    const s = openServer(1024);
    expect(s.receiveData(encodeFrame(FrameType.MESSAGE, new Uint8Array(1024)))).toHaveLength(1);
    const err = errorOf(s.receiveData(bytes(0, 0, 4, 1)));
    expect(err.kind).toBe('frame-too-large');
    expect(s.status).toBe('failed');
  });

  it('refuses reserved bits, reserved frame types and a malformed X length', () => {
    for (const [prefix, kind] of [
      [bytes(0x10, 0, 0, 1), 'reserved-bits'],
      [bytes(0x80, 0, 0, 1), 'reserved-bits'],
      [bytes(0x03, 0, 0, 1), 'unknown-frame-type'],
      [bytes(0x07, 0, 0, 1), 'unknown-frame-type'],
      [bytes(0x08, 0, 0, 1), 'bad-length'],
    ] as const) {
      const err = errorOf(openServer().receiveData(prefix));
      expect(err.kind).toBe(kind);
    }
  });
});

/** One item of a generated stream: a frame, or a fault that ends it. */
type Item =
  | { readonly kind: 'frame'; readonly type: FrameType; readonly payload: Uint8Array }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

const frameItem = fc.record({
  kind: fc.constant('frame' as const),
  type: fc.constantFrom(FrameType.MESSAGE, FrameType.MESSAGE, FrameType.PING, FrameType.PONG),
  payload: fc.uint8Array({ maxLength: 700 }),
});
// Arbitrary prefixes: most are faults (reserved bits, types 3-7, lengths over 1024).
const rawItem = fc.record({ kind: fc.constant('raw' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) });

function serialize(items: readonly Item[]): Uint8Array {
  return concat(items.map((i) => (i.kind === 'frame' ? encodeFrame(i.type, i.payload) : i.bytes)));
}

/** Cut `data` at the given (sorted, deduplicated) offsets. */
function cut(data: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, data.length]) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  return out;
}

function run(role: 'client' | 'server', chunks: readonly Uint8Array[]): { events: unknown[]; sent: number[] } {
  const p =
    role === 'client'
      ? new RawSocketProtocol({ role: 'client', serializerId: 2, maxMessageSize: 1024 })
      : new RawSocketProtocol({ role: 'server', serializerIds: [1, 2, 3], maxMessageSize: 1024 });
  const events: unknown[] = [];
  const sent: number[] = [];
  for (const c of chunks) {
    // Copy: the protocol may hand out views of its input.
    for (const e of p.receiveData(c.slice())) {
      events.push(
        e.type === 'error'
          ? { type: 'error', kind: e.error.kind, message: e.error.message }
          : 'payload' in e
            ? { type: e.type, payload: Array.from(e.payload) }
            : e,
      );
    }
    for (const o of p.dataToSend()) sent.push(...o);
  }
  return { events, sent };
}

describe('split delivery (property)', () => {
  it('gives the same events and the same output whole or cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('client' as const, 'server' as const),
        fc.array(fc.oneof({ arbitrary: frameItem, weight: 6 }, { arbitrary: rawItem, weight: 1 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (role, items, offsets) => {
          const hello = role === 'client' ? bytes(0x7f, 0x12, 0, 0) : encodeHandshake(2, 1);
          const stream = concat([hello, serialize(items)]);
          const whole = run(role, [stream]);
          const split = run(role, cut(stream, offsets));
          const byteByByte = run(role, Array.from(stream, (b) => bytes(b)));
          expect(split).toEqual(whole);
          expect(byteByByte).toEqual(whole);
          // Every frame before the first fault comes out, in order.
          const expected: unknown[] = [];
          for (const i of items) {
            if (i.kind === 'raw') break;
            expected.push({ type: ['message', 'ping', 'pong'][i.type], payload: Array.from(i.payload) });
          }
          expect(whole.events.slice(1, 1 + expected.length)).toEqual(expected);
        },
      ),
      { seed: 0x5eed, numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes, and fails at most once', () => {
    fc.assert(
      fc.property(fc.constantFrom('client' as const, 'server' as const), fc.uint8Array({ maxLength: 300 }), (role, data) => {
        const { events } = run(role, [data]);
        const errors = events.filter((e) => (e as { type: string }).type === 'error');
        expect(errors.length).toBeLessThanOrEqual(1);
        if (errors.length === 1) expect(events.at(-1)).toBe(errors[0]);
      }),
      { seed: 0xb17e5, numRuns: 500 },
    );
  });
});
