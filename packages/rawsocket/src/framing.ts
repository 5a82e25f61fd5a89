/**
 * WAMP-over-RawSocket, sans-IO (advanced profile, "RawSocket Transport").
 *
 * This file does no I/O, owns no timer and imports nothing from Node: bytes go
 * in, bytes and events come out. The Node adapters (`client.ts`, `server.ts`)
 * move the bytes; any other runtime can do the same.
 *
 * Wire format, network byte order:
 * - handshake, both directions: `0x7F`, then `LLLL SSSS` (max length exponent,
 *   serializer id) or `EEEE 0000` (an error reply), then two reserved zero octets;
 * - frame: `RRRR XTTT` + 24-bit length, then the payload. `TTT` is 0 for a WAMP
 *   message, 1 PING, 2 PONG; `X` is the 25th length bit, set only for a payload of
 *   exactly 2^24 octets.
 */

/** The magic first octet of both handshake directions. */
export const RAWSOCKET_MAGIC = 0x7f;

/** Smallest and largest maximum message length a handshake can announce (2^9 and 2^24 octets). */
export const MIN_MAX_LENGTH = 1 << 9;
/** The largest maximum message length a handshake can announce (2^24 octets). */
export const MAX_MAX_LENGTH = 1 << 24;

/** Serializer ids of the handshake (`SSSS`); 0 is illegal. */
export const RawSocketSerializerId = {
  JSON: 1,
  MSGPACK: 2,
  CBOR: 3,
  UBJSON: 4,
  FLATBUFFERS: 5,
} as const;

/**
 * Error codes of a handshake error reply (`EEEE`). Code 0 "MUST NOT be used".
 */
export const HandshakeErrorCode = {
  SERIALIZER_UNSUPPORTED: 1,
  MAX_LENGTH_UNACCEPTABLE: 2,
  RESERVED_BITS: 3,
  MAX_CONNECTIONS: 4,
} as const;
export type HandshakeErrorCode = (typeof HandshakeErrorCode)[keyof typeof HandshakeErrorCode];

const HANDSHAKE_ERROR_TEXT: Record<number, string> = {
  1: 'serializer unsupported',
  2: 'maximum message length unacceptable',
  3: 'use of reserved bits (unsupported feature)',
  4: 'maximum connection count reached',
};

/** The words of a handshake error code, for logs and error messages. */
export function describeHandshakeError(code: number): string {
  return HANDSHAKE_ERROR_TEXT[code] ?? `undefined error ${code}`;
}

/** Transport message types (`TTT`); 3–7 are reserved. */
export const FrameType = {
  MESSAGE: 0,
  PING: 1,
  PONG: 2,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** What went wrong, by kind; the adapter fails the connection on any of the peer faults. */
export type RawSocketErrorKind =
  // Peer faults (arrive as an `error` event; the connection must be failed).
  | 'bad-magic'
  | 'handshake-refused'
  | 'bad-handshake-reply'
  | 'reserved-bits'
  | 'unknown-frame-type'
  | 'bad-length'
  | 'frame-too-large'
  // Local faults (thrown by a command; nothing is sent).
  | 'message-too-large'
  | 'not-open';

/**
 * A RawSocket transport error. `handshakeError` is set for `handshake-refused`:
 * the code this side sent (server) or received (client).
 */
export class RawSocketError extends Error {
  readonly kind: RawSocketErrorKind;
  readonly handshakeError: number | undefined;
  constructor(kind: RawSocketErrorKind, message: string, handshakeError?: number) {
    super(message);
    this.name = 'RawSocketError';
    this.kind = kind;
    this.handshakeError = handshakeError;
  }
}

/**
 * Turn a maximum message length into the handshake's 4-bit exponent: the
 * largest `e` with `2^(e+9) <= maxLength`, clamped to 0..15. A limit is never
 * rounded up, so this side never announces more than it was told to accept.
 */
export function lengthExponent(maxLength: number): number {
  if (!(maxLength >= MIN_MAX_LENGTH)) return 0;
  if (maxLength >= MAX_MAX_LENGTH) return 15;
  return Math.floor(Math.log2(maxLength)) - 9;
}

/** The length a handshake exponent stands for: `2^(e+9)`. */
export function exponentLength(exponent: number): number {
  return 2 ** ((exponent & 0x0f) + 9);
}

/** The client's 4 opening octets. */
export function encodeHandshake(serializerId: number, maxLengthExponent: number): Uint8Array {
  return Uint8Array.of(RAWSOCKET_MAGIC, ((maxLengthExponent & 0x0f) << 4) | (serializerId & 0x0f), 0, 0);
}

/** A router's error reply. */
export function encodeHandshakeError(code: HandshakeErrorCode): Uint8Array {
  return Uint8Array.of(RAWSOCKET_MAGIC, (code & 0x0f) << 4, 0, 0);
}

/**
 * A whole frame: 4-octet prefix and payload, in one buffer so that it is
 * written (and counted against an outbound bound) as one unit.
 */
export function encodeFrame(type: FrameType, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  if (n > MAX_MAX_LENGTH) throw new RawSocketError('message-too-large', `a frame payload is at most 2^24 octets, not ${n}`);
  const out = new Uint8Array(4 + n);
  // The X bit carries 2^24; the 24 L bits are then all zero.
  out[0] = (n === MAX_MAX_LENGTH ? 0x08 : 0) | type;
  out[1] = (n >>> 16) & 0xff;
  out[2] = (n >>> 8) & 0xff;
  out[3] = n & 0xff;
  out.set(payload, 4);
  return out;
}

/** What the byte stream produced, in order. */
export type RawSocketEvent =
  /** The handshake completed; frames may flow. */
  | {
      readonly type: 'open';
      readonly serializerId: number;
      /** Largest payload this side may send (the peer's announced limit). */
      readonly sendLimit: number;
      /** Largest payload this side accepts (its own announced limit). */
      readonly receiveLimit: number;
    }
  /** A regular WAMP message (its serialized octets). */
  | { readonly type: 'message'; readonly payload: Uint8Array }
  /** A PING; its PONG has already been queued in {@link RawSocketProtocol.dataToSend}. */
  | { readonly type: 'ping'; readonly payload: Uint8Array }
  | { readonly type: 'pong'; readonly payload: Uint8Array }
  /**
   * The connection failed (peer fault, or a handshake this server refused, or
   * a refusal the client received). Terminal: write what `dataToSend()` holds
   * (a server's error reply), then close the stream.
   */
  | { readonly type: 'error'; readonly error: RawSocketError };

/** The client's handshake request as the server read it. */
export interface HandshakeRequest {
  readonly serializerId: number;
  /** The maximum message length the client accepts. */
  readonly maxLength: number;
}

/** The client side of the sans-IO RawSocket protocol. */
export interface RawSocketClientConfig {
  readonly role: 'client';
  /** Serializer id to request (1 JSON, 2 MessagePack, 3 CBOR). */
  readonly serializerId: number;
  /** Largest message this client accepts; announced rounded down to a power of two in 2^9..2^24. */
  readonly maxMessageSize?: number;
}

/** The router side of the sans-IO RawSocket protocol. */
export interface RawSocketServerConfig {
  readonly role: 'server';
  /** Serializer ids this router speaks; a request for any other is refused with error 1. */
  readonly serializerIds: readonly number[];
  /** Largest message this router accepts; announced rounded down to a power of two in 2^9..2^24. */
  readonly maxMessageSize?: number;
  /** Refuse (error 2) a client that accepts messages shorter than this. Default: accept every length. */
  readonly minClientMaxLength?: number;
  /**
   * Last word on a well-formed request, e.g. a connection count: return an
   * error code to refuse (typically {@link HandshakeErrorCode.MAX_CONNECTIONS}),
   * `undefined` to accept.
   */
  readonly admit?: (request: HandshakeRequest) => HandshakeErrorCode | undefined;
}

/** A side of the sans-IO RawSocket protocol. */
export type RawSocketConfig = RawSocketClientConfig | RawSocketServerConfig;

/**
 * Protocol state; each state carries what it needs:
 * - `handshaking`: the client has queued its request and waits for 4 octets;
 *   the server waits for the client's 4 octets;
 * - `open`: frames flow both ways within the negotiated limits;
 * - `failed`: an error event was emitted; every further input is ignored.
 */
type State =
  | { readonly tag: 'handshaking'; readonly receiveLimit: number }
  | {
      readonly tag: 'open';
      readonly serializerId: number;
      readonly sendLimit: number;
      readonly receiveLimit: number;
    }
  | { readonly tag: 'failed'; readonly error: RawSocketError };

/**
 * Where the inbound parser stands inside the stream: collecting the 4 octets
 * of a handshake or frame prefix, or the payload of a frame whose prefix was
 * accepted.
 */
type Reading =
  | { readonly tag: 'prefix'; readonly octets: Uint8Array; filled: number }
  /**
   * `buf` grows (doubling) towards `length` as octets arrive, rather than
   * being allocated whole when the prefix is read: a peer announcing 16 MiB
   * and sending a few octets holds a few octets' worth of memory.
   */
  | { readonly tag: 'payload'; readonly frameType: FrameType; readonly length: number; buf: Uint8Array; filled: number };

/** First allocation for a payload that arrives in parts. */
const INITIAL_PAYLOAD_BUFFER = 64 * 1024;

/**
 * One end of a RawSocket connection, client or server, without I/O.
 *
 * Call order:
 * 1. construct (a client queues its handshake request at once);
 * 2. feed every chunk read from the stream to {@link receiveData}, in order —
 *    chunks may be cut anywhere — and act on the returned events;
 * 3. send with {@link sendMessage} / {@link sendPing} once `open`;
 * 4. after **every** call, write {@link dataToSend} to the stream (handshake
 *    replies, automatic PONGs and your frames all come out there).
 *
 * Peer faults never throw: they come out as one terminal `error` event. Local
 * misuse (sending before `open`, a message over the peer's limit) throws a
 * {@link RawSocketError} and sends nothing.
 */
export class RawSocketProtocol {
  readonly role: 'client' | 'server';
  private state: State;
  private reading: Reading = newPrefix();
  private outbound: Uint8Array[] = [];
  private readonly config: RawSocketConfig;
  private readonly requestedSerializer: number;

  constructor(config: RawSocketConfig) {
    this.config = config;
    this.role = config.role;
    const exponent = lengthExponent(config.maxMessageSize ?? MAX_MAX_LENGTH);
    this.state = { tag: 'handshaking', receiveLimit: exponentLength(exponent) };
    if (config.role === 'client') {
      const id = config.serializerId;
      if (!Number.isInteger(id) || id < 1 || id > 15) {
        throw new RawSocketError('not-open', `serializer id must be 1..15, not ${id}`);
      }
      this.requestedSerializer = id;
      this.outbound.push(encodeHandshake(id, exponent));
    } else {
      this.requestedSerializer = 0;
    }
  }

  /** `handshaking`, `open` or `failed`. */
  get status(): State['tag'] {
    return this.state.tag;
  }

  /** Largest payload this side may send, once open. */
  get sendLimit(): number | undefined {
    return this.state.tag === 'open' ? this.state.sendLimit : undefined;
  }

  /** Largest payload this side accepts, once open. */
  get receiveLimit(): number | undefined {
    return this.state.tag === 'open' ? this.state.receiveLimit : undefined;
  }

  /**
   * Whether a frame has begun arriving and is not complete (part of its
   * prefix or payload has been read): what a read timeout watches.
   */
  get inFrame(): boolean {
    const r = this.reading;
    return r.tag === 'payload' || (r.filled > 0 && this.state.tag === 'open');
  }

  /** Octets of memory held for the frame being received (the incomplete message). */
  get bufferedBytes(): number {
    const r = this.reading;
    return r.tag === 'payload' ? r.buf.length : 0;
  }

  /** The negotiated serializer id, once open. */
  get serializerId(): number | undefined {
    return this.state.tag === 'open' ? this.state.serializerId : undefined;
  }

  /** Bytes to write to the stream, in order; the queue is emptied. */
  dataToSend(): Uint8Array[] {
    const out = this.outbound;
    this.outbound = [];
    return out;
  }

  /** Queue a WAMP message (its serialized octets). */
  sendMessage(payload: Uint8Array): void {
    this.sendFrame(FrameType.MESSAGE, payload);
  }

  /** Queue a PING; the peer answers with a PONG carrying the same payload. */
  sendPing(payload: Uint8Array = new Uint8Array(0)): void {
    this.sendFrame(FrameType.PING, payload);
  }

  private sendFrame(type: FrameType, payload: Uint8Array): void {
    const s = this.state;
    if (s.tag !== 'open') throw new RawSocketError('not-open', `cannot send while ${s.tag}`);
    if (payload.length > s.sendLimit) {
      throw new RawSocketError(
        'message-too-large',
        `a message of ${payload.length} octets exceeds the peer's maximum of ${s.sendLimit}`,
      );
    }
    this.outbound.push(encodeFrame(type, payload));
  }

  /**
   * Feed bytes read from the stream. Returns the events they complete, in
   * order; at most one `error`, always last. After an error, input is ignored.
   */
  receiveData(data: Uint8Array): RawSocketEvent[] {
    const events: RawSocketEvent[] = [];
    let pos = 0;
    while (pos < data.length && this.state.tag !== 'failed') {
      const r = this.reading;
      if (r.tag === 'prefix') {
        const take = Math.min(4 - r.filled, data.length - pos);
        r.octets.set(data.subarray(pos, pos + take), r.filled);
        r.filled += take;
        pos += take;
        if (r.filled === 4) {
          if (this.state.tag === 'handshaking') this.onHandshake(r.octets, events);
          else this.onPrefix(r.octets, events);
        }
      } else {
        const want = r.length - r.filled;
        const avail = data.length - pos;
        if (r.filled === 0 && avail >= want) {
          // The whole payload is in this chunk: hand out a view, no copy.
          this.onPayload(r.frameType, data.subarray(pos, pos + want), events);
          pos += want;
        } else {
          const take = Math.min(want, avail);
          if (r.filled + take > r.buf.length) {
            const grown = new Uint8Array(Math.min(r.length, Math.max(r.buf.length * 2, r.filled + take, INITIAL_PAYLOAD_BUFFER)));
            grown.set(r.buf.subarray(0, r.filled));
            r.buf = grown;
          }
          r.buf.set(data.subarray(pos, pos + take), r.filled);
          r.filled += take;
          pos += take;
          if (r.filled === r.length) this.onPayload(r.frameType, r.buf, events);
        }
      }
    }
    return events;
  }

  private fail(events: RawSocketEvent[], error: RawSocketError): void {
    this.state = { tag: 'failed', error };
    events.push({ type: 'error', error });
  }

  private onHandshake(o: Uint8Array, events: RawSocketEvent[]): void {
    this.reading = newPrefix();
    const receiveLimit = this.state.tag === 'handshaking' ? this.state.receiveLimit : MAX_MAX_LENGTH;
    const b0 = o[0] ?? 0;
    const b1 = o[1] ?? 0;
    const reserved = ((o[2] ?? 0) << 8) | (o[3] ?? 0);
    if (b0 !== RAWSOCKET_MAGIC) {
      // "If the first octet differs from 0x7F, it is not a WAMP-over-RawSocket
      // request ... the Router MUST fail the connection" — without a reply.
      this.fail(events, new RawSocketError('bad-magic', `first octet 0x${hex(b0)} is not the RawSocket magic 0x7f`));
      return;
    }
    if (this.config.role === 'client') {
      const serializerId = b1 & 0x0f;
      if (serializerId === 0) {
        const code = b1 >> 4;
        if (code === 0) {
          this.fail(events, new RawSocketError('bad-handshake-reply', 'handshake error code 0, which "MUST NOT be used"'));
          return;
        }
        this.fail(
          events,
          new RawSocketError('handshake-refused', `the router refused the handshake: ${describeHandshakeError(code)}`, code),
        );
        return;
      }
      if (reserved !== 0) {
        this.fail(events, new RawSocketError('bad-handshake-reply', 'reserved octets of the handshake reply are not zero'));
        return;
      }
      if (serializerId !== this.requestedSerializer) {
        this.fail(
          events,
          new RawSocketError(
            'bad-handshake-reply',
            `the router answered serializer ${serializerId}, not the requested ${this.requestedSerializer}`,
          ),
        );
        return;
      }
      this.open(serializerId, exponentLength(b1 >> 4), receiveLimit, events);
      return;
    }
    const cfg = this.config;
    const refuse = (code: HandshakeErrorCode, detail: string): void => {
      this.outbound.push(encodeHandshakeError(code));
      this.fail(events, new RawSocketError('handshake-refused', `handshake refused: ${detail}`, code));
    };
    if (reserved !== 0) {
      refuse(HandshakeErrorCode.RESERVED_BITS, 'reserved octets of the request are not zero');
      return;
    }
    const request: HandshakeRequest = { serializerId: b1 & 0x0f, maxLength: exponentLength(b1 >> 4) };
    if (request.serializerId === 0 || !cfg.serializerIds.includes(request.serializerId)) {
      refuse(HandshakeErrorCode.SERIALIZER_UNSUPPORTED, `serializer ${request.serializerId} is not supported`);
      return;
    }
    if (cfg.minClientMaxLength !== undefined && request.maxLength < cfg.minClientMaxLength) {
      refuse(
        HandshakeErrorCode.MAX_LENGTH_UNACCEPTABLE,
        `the client accepts ${request.maxLength} octets, less than the required ${cfg.minClientMaxLength}`,
      );
      return;
    }
    const verdict = cfg.admit?.(request);
    if (verdict !== undefined) {
      refuse(verdict, describeHandshakeError(verdict));
      return;
    }
    this.outbound.push(encodeHandshake(request.serializerId, lengthExponent(receiveLimit)));
    this.open(request.serializerId, request.maxLength, receiveLimit, events);
  }

  private open(serializerId: number, sendLimit: number, receiveLimit: number, events: RawSocketEvent[]): void {
    this.state = { tag: 'open', serializerId, sendLimit, receiveLimit };
    events.push({ type: 'open', serializerId, sendLimit, receiveLimit });
  }

  private onPrefix(o: Uint8Array, events: RawSocketEvent[]): void {
    const s = this.state;
    if (s.tag !== 'open') return;
    const b0 = o[0] ?? 0;
    const low24 = ((o[1] ?? 0) << 16) | ((o[2] ?? 0) << 8) | (o[3] ?? 0);
    if ((b0 & 0xf0) !== 0) {
      this.fail(events, new RawSocketError('reserved-bits', `reserved bits set in a frame prefix (0x${hex(b0)})`));
      return;
    }
    const frameType = b0 & 0x07;
    if (frameType !== FrameType.MESSAGE && frameType !== FrameType.PING && frameType !== FrameType.PONG) {
      this.fail(events, new RawSocketError('unknown-frame-type', `reserved frame type ${frameType}`));
      return;
    }
    let length = low24;
    if ((b0 & 0x08) !== 0) {
      // The X bit "is only set when the payload length is exactly 16M octets,
      // with the 24 remaining L bits cleared".
      if (low24 !== 0) {
        this.fail(events, new RawSocketError('bad-length', 'length bit X set with non-zero low length bits'));
        return;
      }
      length = MAX_MAX_LENGTH;
    }
    if (length > s.receiveLimit) {
      // "If a message received during a connection exceeds the limit
      // requested, a Peer MUST fail the connection." PINGs are held to the same
      // limit: their payload is buffered and echoed like a message.
      this.fail(
        events,
        new RawSocketError('frame-too-large', `a frame of ${length} octets exceeds the announced maximum of ${s.receiveLimit}`),
      );
      return;
    }
    if (length === 0) {
      this.reading = newPrefix();
      this.onPayload(frameType, new Uint8Array(0), events);
      return;
    }
    this.reading = { tag: 'payload', frameType, length, buf: EMPTY, filled: 0 };
  }

  private onPayload(frameType: FrameType, payload: Uint8Array, events: RawSocketEvent[]): void {
    this.reading = newPrefix();
    switch (frameType) {
      case FrameType.MESSAGE:
        events.push({ type: 'message', payload });
        return;
      case FrameType.PING: {
        // "A Peer MUST reply to each PING by sending exactly one PONG
        // immediately, and the PONG MUST echo back the payload of the PING."
        const s = this.state;
        if (s.tag === 'open') this.outbound.push(encodeFrame(FrameType.PONG, payload));
        events.push({ type: 'ping', payload });
        return;
      }
      case FrameType.PONG:
        events.push({ type: 'pong', payload });
        return;
    }
  }
}

const EMPTY = new Uint8Array(0);

function newPrefix(): Reading {
  return { tag: 'prefix', octets: new Uint8Array(4), filled: 0 };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
