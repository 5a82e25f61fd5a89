/**
 * RawSocket framing as a fuzzer needs it (advanced profile, "RawSocket
 * Transport"): building handshakes and frames byte by byte, including the
 * ones the specification forbids, and reading a router's replies strictly.
 *
 * This is not a transport: it lets a test put any octets on a TCP stream and
 * check what comes back. Handshake: `0x7F`, `LLLL SSSS` (maximum length
 * exponent, serializer id), two reserved zero octets. Frame: `RRRR XTTT` and a
 * 24-bit big-endian length, then the payload; `TTT` is 0 message, 1 PING,
 * 2 PONG; `X` is set only for a payload of exactly 2^24 octets.
 */

import fc from 'fast-check';
import { concat } from './bytes.js';

/** The first octet of a RawSocket handshake. */
export const RAWSOCKET_MAGIC = 0x7f;

/** RawSocket frame types. */
export const RawFrameType = { MESSAGE: 0, PING: 1, PONG: 2 } as const;

/** A client handshake: serializer id (1 JSON, 2 MessagePack, 3 CBOR), max length 2^(9 + exponent). */
export function handshake(serializerId: number, maxLengthExponent = 15, reserved = 0, magic = RAWSOCKET_MAGIC): Uint8Array {
  return Uint8Array.of(magic, ((maxLengthExponent & 0xf) << 4) | (serializerId & 0xf), (reserved >>> 8) & 0xff, reserved & 0xff);
}

/** A frame header and payload; `reservedBits` fills `RRRR`, `lengthOverride` lies about the length. */
export function frame(type: number, payload: Uint8Array, opts: { reservedBits?: number; lengthOverride?: number } = {}): Uint8Array {
  const len = opts.lengthOverride ?? payload.length;
  const x = len === 1 << 24 ? 0x08 : 0;
  const l = len & 0xffffff;
  const head = Uint8Array.of((((opts.reservedBits ?? 0) & 0xf) << 4) | x | (type & 0x7), (l >>> 16) & 0xff, (l >>> 8) & 0xff, l & 0xff);
  return concat(head, payload);
}

/** A router's handshake reply: accepted, refused with an error code, or malformed. */
export type HandshakeReply =
  | { readonly kind: 'accepted'; readonly serializerId: number; readonly maxLength: number }
  | { readonly kind: 'refused'; readonly errorCode: number }
  | { readonly kind: 'malformed'; readonly reason: string };

/** Read a router's 4-octet handshake reply, strictly. */
export function parseHandshakeReply(b: Uint8Array, requestedSerializer: number): HandshakeReply {
  if (b.length !== 4) return { kind: 'malformed', reason: `handshake reply of ${b.length} octets` };
  if (b[0] !== RAWSOCKET_MAGIC) return { kind: 'malformed', reason: `handshake reply magic 0x${b[0]!.toString(16)}` };
  if (b[2] !== 0 || b[3] !== 0) return { kind: 'malformed', reason: 'handshake reply reserved octets are not zero' };
  const ser = b[1]! & 0xf;
  const hi = b[1]! >>> 4;
  if (ser === 0) {
    if (hi === 0) return { kind: 'malformed', reason: 'handshake error code 0, which "MUST NOT be used"' };
    return { kind: 'refused', errorCode: hi };
  }
  if (ser !== requestedSerializer) {
    return { kind: 'malformed', reason: `router answered serializer ${ser}, not the requested ${requestedSerializer} (it "MUST echo" it)` };
  }
  return { kind: 'accepted', serializerId: ser, maxLength: 2 ** (hi + 9) };
}

/** A RawSocket frame: type and payload. */
export interface RawFrame {
  readonly type: number;
  readonly payload: Uint8Array;
}

/**
 * Incremental reader of a router's byte stream: first the handshake reply,
 * then frames. `maxLength` is what this side announced: a router frame larger
 * than it is a violation ("a Router MUST NOT send messages larger than this size").
 */
export class RawSocketReader {
  private buf: Uint8Array = new Uint8Array(0);
  private reply: HandshakeReply | undefined;

  constructor(
    private readonly requestedSerializer: number,
    private readonly maxLength: number,
  ) {}

  /** Feed bytes; returns the handshake reply (once), the complete frames, and any framing violation. */
  push(chunk: Uint8Array): { handshake?: HandshakeReply; frames: RawFrame[]; violation?: string } {
    this.buf = this.buf.length === 0 ? chunk : concat(this.buf, chunk);
    const out: { handshake?: HandshakeReply; frames: RawFrame[]; violation?: string } = { frames: [] };
    if (this.reply === undefined) {
      if (this.buf.length < 4) return out;
      this.reply = parseHandshakeReply(this.buf.subarray(0, 4), this.requestedSerializer);
      out.handshake = this.reply;
      this.buf = this.buf.subarray(4);
      if (this.reply.kind !== 'accepted') {
        if (this.buf.length > 0) out.violation = 'bytes after a refused handshake';
        return out;
      }
    }
    while (this.buf.length >= 4) {
      const b0 = this.buf[0]!;
      if (b0 >>> 4 !== 0) return { ...out, violation: `router frame with reserved bits 0x${(b0 >>> 4).toString(16)} set` };
      const type = b0 & 0x7;
      if (type > 2) return { ...out, violation: `router frame of reserved type ${type}` };
      let len = (this.buf[1]! << 16) | (this.buf[2]! << 8) | this.buf[3]!;
      if (b0 & 0x08) {
        if (len !== 0) return { ...out, violation: 'router frame with the 25th length bit and a non-zero length' };
        len = 1 << 24;
      }
      if (type === RawFrameType.MESSAGE && len > this.maxLength) {
        return { ...out, violation: `router sent a message of ${len} octets, more than the ${this.maxLength} this client announced` };
      }
      if (this.buf.length < 4 + len) break;
      out.frames.push({ type, payload: this.buf.slice(4, 4 + len) });
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }
}

/**
 * What a router may do with a damaged RawSocket stream:
 * - `fail`: fail the connection (close it; a handshake error reply first is fine);
 * - `refuse`: reply with the handshake error code `errorCode`, then close;
 * - `accept`: go on as if nothing were wrong (where the profile defines no reaction);
 * - `pong`: answer with exactly one PONG echoing the PING payload;
 * - `abort`: ABORT `wamp.error.protocol_violation` (the connection may close after it).
 */
export type FramingReaction = 'fail' | 'refuse' | 'accept' | 'pong' | 'abort';

/** A damaged handshake or frame, and what the router must do with it. */
export interface FramingCase {
  readonly name: string;
  /** Sent instead of the valid handshake, when the case is about the handshake. */
  readonly handshake?: Uint8Array;
  /** Sent after a valid handshake and a joined session, when the case is about frames. */
  readonly afterJoin?: Uint8Array;
  readonly reactions: readonly FramingReaction[];
  readonly errorCode?: number;
  /** The PING payload a `pong` reaction must echo. */
  readonly ping?: Uint8Array;
  /** A frame length announced in the header: a router whose limit is lower "MUST fail the connection". */
  readonly declaredLength?: number;
}

/**
 * Damaged handshakes and frames, each with the reactions the specification
 * allows. `serializerId` is the one the session otherwise uses; `routerMax`
 * the maximum length the router announced (for the oversize frame).
 */
export function framingCaseArb(serializerId: number): fc.Arbitrary<FramingCase> {
  const bytes = (max: number) => fc.uint8Array({ maxLength: max });
  return fc.oneof(
    // "If the first octet differs from 0x7F ... the Router MUST fail the connection."
    fc.integer({ min: 0, max: 255 }).filter((m) => m !== RAWSOCKET_MAGIC && m !== 0x47 /* 'G': may be HTTP on a shared port */).map((magic) => ({
      name: `handshake magic 0x${magic.toString(16)}`,
      handshake: handshake(serializerId, 15, 0, magic),
      reactions: ['fail'] as const,
    })),
    // Serializer 0 is illegal: "fail the connection: illegal serializer value".
    fc.integer({ min: 0, max: 15 }).map((len) => ({
      name: `handshake serializer 0 (max length exponent ${len})`,
      handshake: handshake(0, len),
      reactions: ['fail', 'refuse'] as const,
      errorCode: 1,
    })),
    // Unknown serializers: refused with error 1 (or accepted by a router that speaks them).
    fc.integer({ min: 6, max: 15 }).map((ser) => ({
      name: `handshake serializer ${ser}`,
      handshake: handshake(ser),
      reactions: ['refuse'] as const,
      errorCode: 1,
    })),
    // The reserved octets "MUST be all zeros"; a router may refuse (error 3), fail, or ignore them.
    fc.integer({ min: 1, max: 0xffff }).map((r) => ({
      name: `handshake reserved octets 0x${r.toString(16)}`,
      handshake: handshake(serializerId, 15, r),
      reactions: ['refuse', 'fail', 'accept'] as const,
      errorCode: 3,
    })),
    // "A Peer MUST reply to each PING by sending exactly one PONG immediately ... echo back the payload."
    bytes(64).map((p) => ({ name: `PING of ${p.length} octets`, afterJoin: frame(RawFrameType.PING, p), reactions: ['pong'] as const, ping: p })),
    // An unsolicited PONG carries nothing to answer.
    bytes(16).map((p) => ({ name: `unsolicited PONG of ${p.length} octets`, afterJoin: frame(RawFrameType.PONG, p), reactions: ['accept'] as const })),
    // Reserved frame types 3-7 and reserved bits: no reaction is defined; the router must survive them.
    fc.tuple(fc.integer({ min: 3, max: 7 }), bytes(16)).map(([t, p]) => ({
      name: `frame of reserved type ${t}`,
      afterJoin: frame(t, p),
      reactions: ['fail', 'accept'] as const,
    })),
    fc.tuple(fc.integer({ min: 1, max: 15 }), bytes(8)).map(([r, p]) => ({
      name: `message frame with reserved bits 0x${r.toString(16)}`,
      afterJoin: frame(RawFrameType.MESSAGE, p, { reservedBits: r }),
      reactions: ['fail', 'accept'] as const,
    })),
    // "If a message received during a connection exceeds the limit requested, a Peer MUST fail the connection."
    // The suite narrows this to `fail` when the router announced a smaller limit.
    fc.constant({
      name: 'message frame announcing 2^24 - 1 octets, none following',
      afterJoin: frame(RawFrameType.MESSAGE, new Uint8Array(0), { lengthOverride: (1 << 24) - 1 }),
      reactions: ['fail', 'accept'] as const,
      declaredLength: (1 << 24) - 1,
    }),
    // An empty message cannot be deserialized: "Catching error during message
    // encoding/decoding" is a protocol error, answered with ABORT.
    fc.constant({ name: 'empty message frame', afterJoin: frame(RawFrameType.MESSAGE, new Uint8Array(0)), reactions: ['abort'] as const }),
  );
}
