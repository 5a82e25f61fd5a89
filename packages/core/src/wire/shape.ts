/**
 * The edge between the positional wire form (`[48, 7814135, {}, "com.x", [..]]`)
 * and the typed {@link Message} union.
 *
 * {@link fromWire} is the only place that reads positions. It checks arity,
 * the type of every field, ID ranges, URIs (strict or loose rule), and the
 * types of the Options/Details keys the specification defines; unknown keys
 * are kept and ignored, as the spec requires. Any fault is a
 * {@link ProtocolViolation} whose reason names the message and the field.
 *
 * The decoder is in two halves: the messages routers send (ABORT, GOODBYE
 * and ERROR go both ways) and those only clients send. `fromWire` runs both;
 * a client session runs the first alone ({@link fromRouterWire}), so that a
 * client's bundle leaves out the checks of CALL, PUBLISH, HELLO... that it
 * never decodes. Schemas are built per message, marked pure, for the same
 * reason.
 */

import { InvalidUriViolation, ProtocolViolation } from '../errors.js';
import { isId, isIdOrZero } from '../ids.js';
import {
  ERROR_REQUEST_TYPES,
  MessageType,
  messageTypeName,
  type ErrorRequestType,
  type Message,
  type Payloaded,
} from './messages.js';
import type { Args, Dict, KwArgs, Payload } from '../types.js';
import { isValidUri, type UriRule } from '../uri.js';
import { checkJsonNumbers, noteLargeNumber, sanitize, type Limits } from './limits.js';

/** Options of the conversion between messages and their wire arrays. */
export interface WireOptions {
  /** URI rule for topics, procedures, realms and error URIs. Default `loose`. */
  readonly uriRule?: UriRule;
}

// ---------------------------------------------------------------------------
// Encoding

/** The positional wire array of a message; the empty Args/KwArgs tail is omitted. */
export function toWire(m: Message): unknown[] {
  switch (m.type) {
    case MessageType.HELLO:
      return [m.type, m.realm, m.details];
    case MessageType.WELCOME:
      return [m.type, m.session, m.details];
    case MessageType.ABORT:
    case MessageType.GOODBYE:
      return [m.type, m.details, m.reason];
    case MessageType.CHALLENGE:
      return [m.type, m.authMethod, m.extra];
    case MessageType.AUTHENTICATE:
      return [m.type, m.signature, m.extra];
    case MessageType.ERROR:
      return tail([m.type, m.requestType, m.request, m.details, m.error], m);
    case MessageType.PUBLISH:
      return tail([m.type, m.request, m.options, m.topic], m);
    case MessageType.PUBLISHED:
      return [m.type, m.request, m.publication];
    case MessageType.SUBSCRIBE:
      return [m.type, m.request, m.options, m.topic];
    case MessageType.SUBSCRIBED:
      return [m.type, m.request, m.subscription];
    case MessageType.UNSUBSCRIBE:
      return [m.type, m.request, m.subscription];
    case MessageType.UNSUBSCRIBED:
      return m.details === undefined ? [m.type, m.request] : [m.type, m.request, m.details];
    case MessageType.EVENT:
      return tail([m.type, m.subscription, m.publication, m.details], m);
    case MessageType.CALL:
      return tail([m.type, m.request, m.options, m.procedure], m);
    case MessageType.CANCEL:
    case MessageType.INTERRUPT:
      return [m.type, m.request, m.options];
    case MessageType.RESULT:
      return tail([m.type, m.request, m.details], m);
    case MessageType.REGISTER:
      return [m.type, m.request, m.options, m.procedure];
    case MessageType.REGISTERED:
      return [m.type, m.request, m.registration];
    case MessageType.UNREGISTER:
      return [m.type, m.request, m.registration];
    case MessageType.UNREGISTERED:
      return m.details === undefined ? [m.type, m.request] : [m.type, m.request, m.details];
    case MessageType.INVOCATION:
      return tail([m.type, m.request, m.registration, m.details], m);
    case MessageType.YIELD:
      return tail([m.type, m.request, m.options], m);
    case MessageType.EVENT_RECEIVED: {
      if (m.details === undefined && m.args === undefined && m.kwargs === undefined && m.payload === undefined) {
        return [m.type, m.publication];
      }
      return tail([m.type, m.publication, m.details ?? {}], m);
    }
  }
}

function tail(head: unknown[], p: Payloaded): unknown[] {
  if (p.payload !== undefined) {
    head.push(p.payload);
    return head;
  }
  const hasKw = p.kwargs !== undefined && !isEmptyDict(p.kwargs);
  if (hasKw) {
    head.push(p.args ?? [], p.kwargs);
  } else if (p.args !== undefined && p.args.length > 0) {
    head.push(p.args);
  }
  return head;
}

function isEmptyDict(d: Dict): boolean {
  for (const k in d) if (Object.prototype.hasOwnProperty.call(d, k)) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Field checks for Options / Details

type Check = (v: unknown) => boolean;

const isBool: Check = (v) => typeof v === 'boolean';
const isStr: Check = (v) => typeof v === 'string';
const isDict = (v: unknown): v is Dict =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const isNonNegInt: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const listOf =
  (c: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(c);
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);
const isForwardFor: Check = /* @__PURE__ */ listOf(
  (e) =>
    isDict(e) &&
    (e['session'] === undefined || isId(e['session'])) &&
    (e['authid'] === undefined || isStr(e['authid'])) &&
    (e['authrole'] === undefined || isStr(e['authrole'])),
);

/** A key's check, its wording in a fault, and (for the commonest) a kind that `dict` checks inline. */
type Entry = readonly [Check, string, number?];
type Schema = Readonly<Record<string, Entry>>;

const K_BOOL = 1;
const K_STR = 2;
const K_ID = 3;
const BOOL = [isBool, 'a boolean', K_BOOL] as const;
const STR = [isStr, 'a string', K_STR] as const;
const ID = [isId, 'an ID in [1, 2^53]', K_ID] as const;
const IDS = [/* @__PURE__ */ listOf(isId), 'a list of session IDs'] as const;
const STRS = [/* @__PURE__ */ listOf(isStr), 'a list of strings'] as const;
const DICT = [isDict, 'a dictionary'] as const;
const FORWARD_FOR = [isForwardFor, 'a list of {session, authid, authrole}'] as const;
const MATCH = [/* @__PURE__ */ oneOf('exact', 'prefix', 'wildcard'), 'one of exact, prefix, wildcard'] as const;
const ENC_ALGO = [/* @__PURE__ */ oneOf('cryptobox', 'mqtt', 'xbr'), 'one of cryptobox, mqtt, xbr'] as const;
const ENC_SERIALIZER = [
  /* @__PURE__ */ oneOf('json', 'msgpack', 'cbor', 'ubjson', 'flatbuffers', 'native'),
  'a known serializer name',
] as const;

/** Payload passthru / E2EE keys, shared by every payload-carrying message. */
const PPT: Schema = {
  enc_algo: ENC_ALGO,
  enc_serializer: ENC_SERIALIZER,
  enc_key: STR,
  ppt_scheme: STR,
  ppt_serializer: ENC_SERIALIZER,
  ppt_cipher: STR,
  ppt_keyid: STR,
};

type SchemaMap = ReadonlyMap<string, Entry>;

/**
 * A schema as a Map (a key such as `constructor` must not find
 * Object.prototype's), from its parts: parts rather than an object spread,
 * which a bundler keeps even where the schema is unused.
 */
const schema = (...parts: Schema[]): SchemaMap => new Map(parts.flatMap((p) => Object.entries(p)));
const NO_SCHEMA: SchemaMap = new Map();

// What routers send (every peer decodes these).
const S_WELCOME = /* @__PURE__ */ schema({
  roles: DICT,
  authid: STR,
  authrole: STR,
  authmethod: STR,
  authprovider: STR,
  authextra: DICT,
  agent: STR,
  realm: STR,
});
const S_ABORT = /* @__PURE__ */ schema({ message: STR });
const S_GOODBYE = /* @__PURE__ */ schema({ message: STR });
const S_ERROR = /* @__PURE__ */ schema({ forward_for: FORWARD_FOR }, PPT);
const S_UNSUBSCRIBED = /* @__PURE__ */ schema({ subscription: ID, reason: STR });
const S_EVENT = /* @__PURE__ */ schema({
  publisher: ID,
  publisher_authid: STR,
  publisher_authrole: STR,
  topic: STR,
  retained: BOOL,
  transaction_hash: STR,
  x_acknowledged_delivery: BOOL,
  forward_for: FORWARD_FOR,
}, PPT);
const S_RESULT = /* @__PURE__ */ schema({ progress: BOOL, forward_for: FORWARD_FOR }, PPT);
const S_UNREGISTERED = /* @__PURE__ */ schema({ registration: ID, reason: STR });
const S_INVOCATION = /* @__PURE__ */ schema({
  caller: ID,
  caller_authid: STR,
  caller_authrole: STR,
  procedure: STR,
  receive_progress: BOOL,
  progress: BOOL,
  timeout: [isNonNegInt, 'a non-negative integer (milliseconds)'],
  transaction_hash: STR,
  forward_for: FORWARD_FOR,
}, PPT);
const S_INTERRUPT = /* @__PURE__ */ schema({
  mode: [/* @__PURE__ */ oneOf('kill', 'killnowait'), 'one of kill, killnowait'],
  reason: STR,
  forward_for: FORWARD_FOR,
});

// What only clients send (only a router decodes these).
const S_HELLO = /* @__PURE__ */ schema({
  roles: DICT,
  authmethods: STRS,
  authid: STR,
  authrole: STR,
  authextra: DICT,
  agent: STR,
  resumable: BOOL,
});
const S_PUBLISH = /* @__PURE__ */ schema({
  acknowledge: BOOL,
  exclude_me: BOOL,
  exclude: IDS,
  exclude_authid: STRS,
  exclude_authrole: STRS,
  eligible: IDS,
  eligible_authid: STRS,
  eligible_authrole: STRS,
  disclose_me: BOOL,
  retain: BOOL,
  transaction_hash: STR,
  forward_for: FORWARD_FOR,
}, PPT);
const S_SUBSCRIBE = /* @__PURE__ */ schema({
  match: MATCH,
  get_retained: BOOL,
  forward_for: FORWARD_FOR,
});
const S_CALL = /* @__PURE__ */ schema({
  timeout: [isNonNegInt, 'a non-negative integer (milliseconds)'],
  receive_progress: BOOL,
  progress: BOOL,
  disclose_me: BOOL,
  transaction_hash: STR,
  forward_for: FORWARD_FOR,
}, PPT);
const S_CANCEL = /* @__PURE__ */ schema({
  mode: [/* @__PURE__ */ oneOf('skip', 'kill', 'killnowait'), 'one of skip, kill, killnowait'],
  forward_for: FORWARD_FOR,
});
const S_REGISTER = /* @__PURE__ */ schema({
  match: MATCH,
  invoke: [/* @__PURE__ */ oneOf('single', 'roundrobin', 'random', 'first', 'last'), 'one of single, roundrobin, random, first, last'],
  disclose_caller: BOOL,
  force_reregister: BOOL,
  forward_for: FORWARD_FOR,
});
const S_YIELD = /* @__PURE__ */ schema({ progress: BOOL, forward_for: FORWARD_FOR }, PPT);

// ---------------------------------------------------------------------------
// Decoding
//
// fromWire runs on every received message; it is written to allocate only
// the message itself (readonly by type, not frozen: Object.freeze would cost
// about as much as the whole shape check of a small message): checks read
// positions in place, a dictionary's keys are walked once (checking the
// schema and noting Payload Passthru markers), and the message name is looked
// up only to word a fault. One Reader serves every message (decoding is
// synchronous and never re-entered).
//
// With `deep` limits (decodeMessage on a serializer that does not check them
// itself, JSON above all), the reader also does what `sanitize` does, in the
// same pass: header fields are checked by their own rules (an ID is a number
// in range, a URI a string within the length limit), and every dictionary
// and payload is walked once by `sanitize` before its keys are looked at. The
// values are then in the state `sanitize` leaves them in (JSON binary strings
// turned into bytes).
//
// With `lean` instead (JSON text whose length and characters proved that no
// limit can bite and that no string is binary: see `jsonTextNeedsWalk` in
// index.ts), the walk is `checkJsonNumbers`: numbers and `__proto__` keys.

/**
 * URIs lately found valid, one table per rule. Peers send the same few
 * topics, procedures and error URIs again and again: a URI equal to the one
 * in its slot (picked by its length and first and last code units, so that
 * finding it reads no more of the string) is known valid, for the cost of a
 * string comparison instead of the character loop of `isValidUri`. Only
 * valid URIs enter, so the cache can only spare work, never change an
 * answer; URIs longer than {@link URI_CACHE_MAX} are not kept (nor held on
 * to).
 */
const URI_SLOTS = 256; // a power of two
const URI_CACHE_MAX = 128;
const LOOSE_URIS: unknown[] = /* @__PURE__ */ new Array<unknown>(URI_SLOTS).fill(null);
const STRICT_URIS: unknown[] = /* @__PURE__ */ new Array<unknown>(URI_SLOTS).fill(null);

/** 2^53: the one valid ID where a double stops being exact, so that JSON text is re-read. */
const TWO_53 = 2 ** 53;

class Reader {
  /** Set by {@link dict}: the last dictionary read announces Payload Passthru Mode. */
  passthru = false;
  /** The message being read. */
  a: unknown[] = [];
  /** Its type code. */
  code = 0;
  rule: UriRule = 'loose';
  /** Limits to enforce on every value read (see above), or undefined when they were enforced already. */
  deep: Limits | undefined = undefined;
  /** Whether `"\u0000" + base64` strings are binary (JSON). */
  jsonBinary = false;
  /** JSON whose text proved the limits (see above): values are walked for their numbers only. */
  lean = false;

  /** A value of the payload or of a dictionary at top-level position `i`, checked and converted when `deep`. */
  private value(i: number): unknown {
    const v = this.a[i];
    if (this.lean) {
      checkJsonNumbers(v);
      return v;
    }
    const deep = this.deep;
    if (deep === undefined) return v;
    const out = sanitize(v, deep, this.jsonBinary, 2);
    if (out !== v) this.a[i] = out;
    return out;
  }

  /** A string field under `deep`: within the length limit, and not a JSON binary string. */
  private text(v: string, field: string): void {
    if (v.length > this.deep!.maxStringLength) this.fail(`${field}: string exceeds the length limit`);
    if (this.jsonBinary && v.length > 0 && v.charCodeAt(0) === 0) this.fail(`${field} must be a string, got binary`);
  }

  fail(reason: string): never {
    throw new ProtocolViolation(`${messageTypeName(this.code) ?? this.code}: ${reason}`);
  }

  arity(min: number, max: number): void {
    const n = this.a.length;
    if (n < min || n > max) {
      this.fail(
        min === max
          ? `expected ${min} elements, got ${n}`
          : `expected ${min} to ${max} elements, got ${n}`,
      );
    }
  }

  id(i: number, field: string): number {
    const v = this.a[i];
    if (!isId(v)) this.fail(`${field} must be an integer in [1, 2^53], got ${show(v)}`);
    if (v === TWO_53 && (this.deep !== undefined || this.lean)) noteLargeNumber();
    return v;
  }

  idOrZero(i: number, field: string): number {
    const v = this.a[i];
    if (!isIdOrZero(v)) this.fail(`${field} must be 0 or an integer in [1, 2^53], got ${show(v)}`);
    if (v === TWO_53 && (this.deep !== undefined || this.lean)) noteLargeNumber();
    return v;
  }

  uri(i: number, field: string, allowEmpty = false): string {
    const v = this.a[i];
    if (typeof v !== 'string') this.fail(`${field} must be a URI string, got ${show(v)}`);
    if (this.deep !== undefined) this.text(v, field);
    const n = v.length;
    // A valid URI is valid with empty components allowed too: the cache
    // serves both, and learns from the rule without them alone.
    const cache = n > 0 && n <= URI_CACHE_MAX ? (this.rule === 'strict' ? STRICT_URIS : LOOSE_URIS) : undefined;
    const slot = cache === undefined ? 0 : (n * 31 + v.charCodeAt(0) * 7 + v.charCodeAt(n - 1)) & (URI_SLOTS - 1);
    if (cache !== undefined && cache[slot] === v) return v;
    if (!isValidUri(v, this.rule, allowEmpty)) {
      const request = this.a[1];
      throw new InvalidUriViolation(
        `${messageTypeName(this.code) ?? this.code}: ${field} is not a valid URI: ${show(v)}`,
        this.code,
        isId(request) && i > 1 ? request : undefined,
        v,
      );
    }
    if (cache !== undefined && !allowEmpty) cache[slot] = v;
    return v;
  }

  str(i: number, field: string): string {
    const v = this.a[i];
    if (typeof v !== 'string') this.fail(`${field} must be a string, got ${show(v)}`);
    if (this.deep !== undefined) this.text(v, field);
    return v;
  }

  dict(i: number, field: string, schema: SchemaMap): Dict {
    const lean = this.lean;
    // Lean, the numbers are checked in the same loop as the keys (below).
    const v = lean ? this.a[i] : this.value(i);
    if (!isDict(v)) {
      if (lean) checkJsonNumbers(v);
      this.fail(`${field} must be a dictionary, got ${show(v)}`);
    }
    let passthru = false;
    // Walk the keys present (usually none or few) rather than the schema;
    // keys the schema does not know are kept and ignored, as the spec requires.
    for (const key in v) {
      const val = v[key];
      if (val === undefined) continue;
      if (lean) {
        // What `sanitize` does to the dictionary, here rather than in a walk of its own.
        if (key === '__proto__') Object.setPrototypeOf(v, null);
        checkJsonNumbers(val);
      }
      if (key === 'enc_algo' || key === 'ppt_scheme') passthru = true;
      const entry = schema.get(key);
      if (entry === undefined) continue;
      // The commonest checks inline; the others by their function.
      const kind = entry[2];
      if (kind === K_BOOL ? typeof val === 'boolean' : kind === K_STR ? typeof val === 'string' : kind === K_ID ? isId(val) : entry[0](val)) {
        continue;
      }
      // The walk of the whole value came before any key check: a number it
      // would have refused is the fault to report.
      if (lean) checkJsonNumbers(v);
      this.fail(`${field}.${key} must be ${entry[1]}, got ${show(val)}`);
    }
    this.passthru = passthru;
    return v;
  }

  /**
   * Add Arguments/ArgumentsKw at `i` to `m`, or the opaque payload when the
   * dictionary read last announced Payload Passthru Mode.
   */
  tail<T extends object>(m: T, i: number): T {
    const a = this.a;
    const out = m as T & { args?: Args; kwargs?: KwArgs; payload?: Payload };
    if (this.passthru) {
      if (a.length > i + 1) this.fail('a passthru payload must be the last element');
      if (a.length > i) {
        const p = this.value(i);
        if (typeof p !== 'string' && !(p instanceof Uint8Array)) {
          this.fail(`the passthru payload must be binary, got ${show(p)}`);
        }
        out.payload = p;
      }
      return out;
    }
    if (a.length > i) {
      const args = this.value(i);
      if (!Array.isArray(args)) this.fail(`Arguments must be a list, got ${show(args)}`);
      out.args = args;
      if (a.length > i + 1) {
        const kw = this.value(i + 1);
        if (!isDict(kw)) this.fail(`ArgumentsKw must be a dictionary, got ${show(kw)}`);
        out.kwargs = kw;
      }
    }
    return out;
  }
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'binary';
  if (typeof v === 'object') return 'a dictionary';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return String(v);
}

/** The header every message starts with: a non-empty list whose first element is an integer type code. */
function reader(a: unknown, opts: WireOptions, deep: Limits | undefined, jsonBinary: boolean, lean: boolean): Reader {
  if (!Array.isArray(a)) throw new ProtocolViolation('a message must be a list');
  if (a.length === 0) throw new ProtocolViolation('empty message');
  if (deep !== undefined && !lean) {
    if (deep.maxDepth < 1) throw new ProtocolViolation('nesting exceeds the depth limit');
    if (a.length > deep.maxContainerLength) throw new ProtocolViolation('list exceeds the length limit');
  }
  const code: unknown = a[0];
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    throw new ProtocolViolation(`message type must be an integer, got ${show(code)}`);
  }
  const r = READER;
  r.a = a;
  r.code = code;
  r.rule = opts.uriRule ?? 'loose';
  r.deep = lean ? undefined : deep;
  r.jsonBinary = jsonBinary;
  r.lean = lean;
  r.passthru = false;
  return r;
}

const READER = new Reader();
const NO_MESSAGE: unknown[] = [];

/**
 * The one pass of `decodeMessage`: {@link fromWire} that also enforces
 * `deep` limits on every value, as {@link sanitize} would, when the
 * serializer has not enforced them. `a` is fresh from the serializer: values
 * may be replaced in place. `lean`: `a` is from `JSON.parse` of a text that
 * proved `deep` cannot bite (see `decode` in index.ts); only numbers are
 * checked.
 */
export function readMessage(
  a: unknown,
  opts: WireOptions,
  deep: Limits | undefined,
  jsonBinary: boolean,
  lean = false,
): Message {
  const r = reader(a, opts, deep, jsonBinary, lean);
  const code = r.code;
  const table = (allReads ??= allReadsTable());
  const read = code >= 0 && code < TYPE_CODES ? table[code] : undefined;
  if (read === undefined) return unknownType(code);
  try {
    return read(r);
  } finally {
    r.a = NO_MESSAGE;
  }
}

/**
 * {@link readMessage} for a client: {@link fromRouterWire} with the same
 * checks. A separate function, so that a client's bundle, which calls only
 * this one, leaves out the checks of what only clients send.
 */
export function readRouterMessage(
  a: unknown,
  opts: WireOptions,
  deep: Limits | undefined,
  jsonBinary: boolean,
  lean = false,
): Message {
  const r = reader(a, opts, deep, jsonBinary, lean);
  try {
    return routerMessage(r);
  } finally {
    r.a = NO_MESSAGE;
  }
}

/**
 * Decode a wire array into a typed message. Throws {@link ProtocolViolation}
 * (never anything else) when the array is not a valid WAMP message.
 */
export function fromWire(a: unknown, opts: WireOptions = {}): Message {
  return readMessage(a, opts, undefined, false);
}

/**
 * {@link fromWire} for a client: decodes what routers send, with the same
 * checks, and refuses a message only clients send (HELLO, CALL, PUBLISH...)
 * unread, with {@link ClientOnlyMessage}. Other faults as `fromWire`.
 */
export function fromRouterWire(a: unknown, opts: WireOptions = {}): Message {
  return readRouterMessage(a, opts, undefined, false);
}

function routerMessage(r: Reader): Message {
  const code = r.code;
  const read = code >= 0 && code < TYPE_CODES ? ROUTER_READS[code] : undefined;
  if (read !== undefined) return read(r);
  if (messageTypeName(code) !== undefined) throw new ClientOnlyMessage(code);
  return unknownType(code);
}

/** A message type only clients send, received by a client ({@link fromRouterWire}); its fields are not read. */
export class ClientOnlyMessage extends ProtocolViolation {
  constructor(readonly code: number) {
    super(`${messageTypeName(code) ?? code} is a message only clients send`);
    this.name = 'ClientOnlyMessage';
  }
}

function unknownType(code: number): never {
  throw new ProtocolViolation(`unknown message type ${code}`);
}


// ---------------------------------------------------------------------------
// One reader per message type, found by its type code in a table: one
// indexed load instead of a chain of switches, and each reader a short,
// straight function that sees one message shape.

/** A reader of one message type: checks `r.a` (whose type code is `r.code`) and builds the message. */
type Read = (r: Reader) => Message;

/** Type codes run from 1 (HELLO) to 70 (YIELD), and the provisional EVENT_RECEIVED is 337. */
const TYPE_CODES = 338;

/** The table of the readers of `parts` by type code. */
function readTable(...parts: (readonly (readonly [number, Read])[])[]): (Read | undefined)[] {
  const t = new Array<Read | undefined>(TYPE_CODES).fill(undefined);
  for (const entries of parts) for (const [code, read] of entries) t[code] = read;
  return t;
}

/** What routers send (every peer decodes these). */
const ROUTER_ENTRIES: readonly (readonly [number, Read])[] = [
  [MessageType.WELCOME, readWelcome],
  [MessageType.ABORT, readAbortOrGoodbye],
  [MessageType.GOODBYE, readAbortOrGoodbye],
  [MessageType.CHALLENGE, readChallenge],
  [MessageType.ERROR, readError],
  [MessageType.PUBLISHED, readPublished],
  [MessageType.SUBSCRIBED, readSubscribed],
  [MessageType.UNSUBSCRIBED, readUnsubscribedOrUnregistered],
  [MessageType.UNREGISTERED, readUnsubscribedOrUnregistered],
  [MessageType.EVENT, readEvent],
  [MessageType.INTERRUPT, readInterrupt],
  [MessageType.RESULT, readResult],
  [MessageType.REGISTERED, readRegistered],
  [MessageType.INVOCATION, readInvocation],
];

/** The readers of what routers send: all a client needs ({@link readRouterMessage}). */
const ROUTER_READS = /* @__PURE__ */ readTable(ROUTER_ENTRIES);

/**
 * The readers of every message type, for a router or any peer
 * ({@link readMessage}), built on first use: only `readMessage` refers to
 * the function that builds it, so that a client's bundle, which never calls
 * `readMessage`, leaves out the readers of what only clients send.
 */
let allReads: (Read | undefined)[] | undefined;

function allReadsTable(): (Read | undefined)[] {
  return readTable(ROUTER_ENTRIES, [
  [MessageType.HELLO, readHello],
  [MessageType.AUTHENTICATE, readAuthenticate],
  [MessageType.PUBLISH, readPublish],
  [MessageType.SUBSCRIBE, readSubscribe],
  [MessageType.REGISTER, readRegister],
  [MessageType.UNSUBSCRIBE, readUnsubscribe],
  [MessageType.CALL, readCall],
  [MessageType.CANCEL, readCancel],
  [MessageType.UNREGISTER, readUnregister],
  [MessageType.YIELD, readYield],
  [MessageType.EVENT_RECEIVED, readEventReceived],
  ]);
}

// What routers send.

function readWelcome(r: Reader): Message {
  r.arity(3, 3);
  return { type: MessageType.WELCOME, session: r.id(1, 'Session'), details: r.dict(2, 'Details', S_WELCOME) };
}

function readAbortOrGoodbye(r: Reader): Message {
  const code = r.code as typeof MessageType.ABORT | typeof MessageType.GOODBYE;
  r.arity(3, 3);
  const details = r.dict(1, 'Details', code === MessageType.ABORT ? S_ABORT : S_GOODBYE);
  return { type: code, details, reason: r.uri(2, 'Reason') };
}

function readChallenge(r: Reader): Message {
  r.arity(3, 3);
  return { type: MessageType.CHALLENGE, authMethod: r.str(1, 'AuthMethod'), extra: r.dict(2, 'Extra', NO_SCHEMA) };
}

function readError(r: Reader): Message {
  const a = r.a;
  r.arity(5, 7);
  const rt: unknown = a[1];
  if (!(ERROR_REQUEST_TYPES as readonly unknown[]).includes(rt)) {
    r.fail(`REQUEST.Type ${show(rt)} is not a request that can fail`);
  }
  const request = r.id(2, 'Request');
  const details = r.dict(3, 'Details', S_ERROR);
  const error = r.uri(4, 'Error');
  return r.tail({ type: MessageType.ERROR, requestType: rt as ErrorRequestType, request, details, error }, 5);
}

function readPublished(r: Reader): Message {
  r.arity(3, 3);
  return { type: MessageType.PUBLISHED, request: r.id(1, 'Request'), publication: r.id(2, 'Publication') };
}

function readSubscribed(r: Reader): Message {
  r.arity(3, 3);
  return { type: MessageType.SUBSCRIBED, request: r.id(1, 'Request'), subscription: r.id(2, 'Subscription') };
}

function readUnsubscribedOrUnregistered(r: Reader): Message {
  const a = r.a;
  const code = r.code as typeof MessageType.UNSUBSCRIBED | typeof MessageType.UNREGISTERED;
  r.arity(2, 3);
  const request = r.idOrZero(1, 'Request');
  if (a.length === 2) {
    if (request === 0) r.fail('Request 0 (a revocation) needs Details');
    return { type: code, request };
  }
  const unsubscribed = code === MessageType.UNSUBSCRIBED;
  const details = r.dict(2, 'Details', unsubscribed ? S_UNSUBSCRIBED : S_UNREGISTERED);
  if (request === 0) {
    const key = unsubscribed ? 'subscription' : 'registration';
    if (details[key] === undefined) r.fail(`a revocation needs Details.${key}`);
  }
  return { type: code, request, details };
}

function readEvent(r: Reader): Message {
  r.arity(4, 6);
  const subscription = r.id(1, 'Subscription');
  const publication = r.id(2, 'Publication');
  const details = r.dict(3, 'Details', S_EVENT);
  return r.tail({ type: MessageType.EVENT, subscription, publication, details }, 4);
}

function readInterrupt(r: Reader): Message {
  r.arity(3, 3);
  const request = r.id(1, 'Request');
  return { type: MessageType.INTERRUPT, request, options: r.dict(2, 'Options', S_INTERRUPT) };
}

function readResult(r: Reader): Message {
  r.arity(3, 5);
  const request = r.id(1, 'Request');
  const details = r.dict(2, 'Details', S_RESULT);
  return r.tail({ type: MessageType.RESULT, request, details }, 3);
}

function readRegistered(r: Reader): Message {
  r.arity(3, 3);
  return { type: MessageType.REGISTERED, request: r.id(1, 'Request'), registration: r.id(2, 'Registration') };
}

function readInvocation(r: Reader): Message {
  r.arity(4, 6);
  const request = r.id(1, 'Request');
  const registration = r.id(2, 'Registration');
  const details = r.dict(3, 'Details', S_INVOCATION);
  return r.tail({ type: MessageType.INVOCATION, request, registration, details }, 4);
}

// What only clients send (only a router decodes these).

function readHello(r: Reader): Message {
  r.arity(3, 3);
  const realm = r.uri(1, 'Realm');
  const details = r.dict(2, 'Details', S_HELLO);
  if (!isDict(details['roles'])) r.fail('Details.roles must be a dictionary');
  return { type: MessageType.HELLO, realm, details };
}

function readAuthenticate(r: Reader): Message {
  r.arity(3, 3);
  return { type: MessageType.AUTHENTICATE, signature: r.str(1, 'Signature'), extra: r.dict(2, 'Extra', NO_SCHEMA) };
}

function readPublish(r: Reader): Message {
  r.arity(4, 6);
  const request = r.id(1, 'Request');
  const options = r.dict(2, 'Options', S_PUBLISH);
  const topic = r.uri(3, 'Topic');
  return r.tail({ type: MessageType.PUBLISH, request, options, topic }, 4);
}

function readSubscribe(r: Reader): Message {
  r.arity(4, 4);
  const request = r.id(1, 'Request');
  const options = r.dict(2, 'Options', S_SUBSCRIBE);
  const topic = r.uri(3, 'Topic', options['match'] === 'wildcard');
  return { type: MessageType.SUBSCRIBE, request, options, topic };
}

function readRegister(r: Reader): Message {
  r.arity(4, 4);
  const request = r.id(1, 'Request');
  const options = r.dict(2, 'Options', S_REGISTER);
  const procedure = r.uri(3, 'Procedure', options['match'] === 'wildcard');
  return { type: MessageType.REGISTER, request, options, procedure };
}

function readUnsubscribe(r: Reader): Message {
  r.arity(3, 3);
  return { type: MessageType.UNSUBSCRIBE, request: r.id(1, 'Request'), subscription: r.id(2, 'Subscription') };
}

function readCall(r: Reader): Message {
  r.arity(4, 6);
  const request = r.id(1, 'Request');
  const options = r.dict(2, 'Options', S_CALL);
  const procedure = r.uri(3, 'Procedure');
  return r.tail({ type: MessageType.CALL, request, options, procedure }, 4);
}

function readCancel(r: Reader): Message {
  r.arity(3, 3);
  const request = r.id(1, 'Request');
  return { type: MessageType.CANCEL, request, options: r.dict(2, 'Options', S_CANCEL) };
}

function readUnregister(r: Reader): Message {
  r.arity(3, 3);
  return { type: MessageType.UNREGISTER, request: r.id(1, 'Request'), registration: r.id(2, 'Registration') };
}

function readYield(r: Reader): Message {
  r.arity(3, 5);
  const request = r.id(1, 'Request');
  const options = r.dict(2, 'Options', S_YIELD);
  return r.tail({ type: MessageType.YIELD, request, options }, 3);
}

function readEventReceived(r: Reader): Message {
  const a = r.a;
  r.arity(2, 5);
  const publication = r.id(1, 'Publication');
  if (a.length === 2) return { type: MessageType.EVENT_RECEIVED, publication };
  const details = r.dict(2, 'Details', NO_SCHEMA);
  return r.tail({ type: MessageType.EVENT_RECEIVED, publication, details }, 3);
}
