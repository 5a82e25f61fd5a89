/**
 * Arbitraries for every WAMP message, valid by construction: URIs follow the
 * chosen rule, IDs are in [1, 2^53], Options/Details use the keys the
 * specification defines with the types it gives them (the schemas `fromWire`
 * in @wamp/core checks), and payloads stay inside the shared data model of
 * the serializers, so that `decode(encode(m))` gives `m` back for each of them.
 *
 * This is the one set of message arbitraries of the project: the fuzzer
 * drives routers with the default set, and the codec's property tests in
 * @wamp/core use the `exhaustive` set (every Options/Details key of the
 * specification, unknown keys, ID edges of the integer encodings, both
 * passthru markers), which a codec must carry but a router need not accept.
 */

import fc from 'fast-check';
import {
  ERROR_REQUEST_TYPES,
  MessageType,
  abort,
  authenticate,
  call,
  cancel,
  challenge,
  error,
  event,
  eventReceived,
  goodbye,
  hello,
  interrupt,
  invocation,
  publish,
  published,
  register,
  registered,
  result,
  subscribe,
  subscribed,
  unregister,
  unregistered,
  unsubscribe,
  unsubscribed,
  welcome,
  yield_,
  type Dict,
  type Message,
  type MessageTypeCode,
  type PayloadInit,
  type UriRule,
} from '@wamp/core';
import { argsArb, idArb, kwargsArb, stringValueArb, uriArb, valueArb, wildcardPatternArb, type ValueOptions } from './values.js';

/** Options of the message arbitraries. */
export interface MessageArbOptions extends ValueOptions {
  /** URI rule the generated URIs satisfy. Default `strict`, valid for every router. */
  readonly uriRule?: UriRule;
  /** Generate Payload Passthru Mode payloads (`ppt_scheme` + opaque binary) too. Default true. */
  readonly passthru?: boolean;
  /**
   * Every Options/Details key the specification gives each message (identities,
   * `forward_for`, `transaction_hash`, ...), unknown keys beside them, IDs at
   * the edges of 32-bit integers, and E2EE (`enc_algo`) as well as passthru
   * payloads, binary or text; payloads in the form a decoder gives back (no
   * empty tail). Valid on the wire, for codec round trips; more than a router
   * is bound to accept from a client. Default false, which generates exactly
   * what earlier versions did, so that a recorded seed replays.
   */
  readonly exhaustive?: boolean;
}

/** Message types a client sends to a router. */
export const CLIENT_TO_ROUTER: readonly MessageTypeCode[] = [
  MessageType.HELLO,
  MessageType.AUTHENTICATE,
  MessageType.ABORT,
  MessageType.GOODBYE,
  MessageType.ERROR,
  MessageType.PUBLISH,
  MessageType.SUBSCRIBE,
  MessageType.UNSUBSCRIBE,
  MessageType.CALL,
  MessageType.CANCEL,
  MessageType.REGISTER,
  MessageType.UNREGISTER,
  MessageType.YIELD,
  MessageType.EVENT_RECEIVED,
];

/** Message types only a router sends; a router receiving one faces a peer in the wrong role. */
export const ROUTER_TO_CLIENT: readonly MessageTypeCode[] = [
  MessageType.WELCOME,
  MessageType.CHALLENGE,
  MessageType.PUBLISHED,
  MessageType.SUBSCRIBED,
  MessageType.UNSUBSCRIBED,
  MessageType.EVENT,
  MessageType.RESULT,
  MessageType.REGISTERED,
  MessageType.UNREGISTERED,
  MessageType.INVOCATION,
  MessageType.INTERRUPT,
];

/** Every message type code of the basic and advanced profiles. */
export const ALL_MESSAGE_TYPES: readonly MessageTypeCode[] = Object.values(MessageType);

function recordOf<T extends Record<string, fc.Arbitrary<unknown>>>(model: T): fc.Arbitrary<Dict> {
  return fc.record(model, { requiredKeys: [], noNullPrototype: true }) as fc.Arbitrary<Dict>;
}

const bool = () => fc.boolean();
const str = () => stringValueArb(12);
const ids = () => fc.array(idArb(), { maxLength: 4 });
const strs = () => fc.array(str(), { maxLength: 3 });
const nonNegInt = () => fc.nat({ max: 600_000 });
const featuresArb = () => recordOf({ features: fc.dictionary(fc.constantFrom('call_canceling', 'progressive_call_results', 'publisher_exclusion', 'subscriber_blackwhite_listing', 'shared_registration', 'pattern_based_subscription'), fc.boolean(), { noNullPrototype: true }) });

function rolesArb(side: 'client' | 'router'): fc.Arbitrary<Dict> {
  const names = side === 'client' ? ['caller', 'callee', 'publisher', 'subscriber'] : ['broker', 'dealer'];
  return fc
    .subarray(names, { minLength: 1 })
    .chain((chosen) => fc.tuple(...chosen.map((n) => featuresArb().map((f) => [n, f] as const))))
    .map((pairs) => Object.fromEntries(pairs) as Dict);
}

/**
 * Arguments and ArgumentsKw as a decoder gives them back: the encoder omits
 * an empty tail, so empty ArgumentsKw is absent, and so are empty Arguments
 * without ArgumentsKw (the same frames on the wire either way).
 */
function canonicalPayload(args: unknown[] | undefined, kwargs: Record<string, unknown> | undefined): PayloadInit | undefined {
  const kw = kwargs !== undefined && Object.keys(kwargs).length > 0 ? kwargs : undefined;
  if (kw !== undefined) return { args: args ?? [], kwargs: kw };
  return args !== undefined && args.length > 0 ? { args } : undefined;
}

/** Arguments/ArgumentsKw, sometimes absent, sometimes an opaque passthru payload (with its marker). */
function payloadArb(o: MessageArbOptions): fc.Arbitrary<{ p: PayloadInit | undefined; ppt: Dict }> {
  const plain = fc
    .tuple(fc.option(argsArb(o), { nil: undefined }), fc.option(kwargsArb(o), { nil: undefined }))
    .map(([args, kwargs]) => ({
      p: o.exhaustive === true ? canonicalPayload(args, kwargs) : args === undefined && kwargs === undefined ? undefined : { args, kwargs },
      ppt: {} as Dict,
    }));
  if (o.passthru === false) return plain;
  const passthru = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 32 }), fc.constantFrom('x_fuzz', 'mqtt', 'wamp')).map(([bytes, scheme]) => ({
    p: { payload: bytes } as PayloadInit,
    ppt: { ppt_scheme: scheme } as Dict,
  }));
  if (o.exhaustive !== true) return fc.oneof({ weight: 5, arbitrary: plain }, { weight: 1, arbitrary: passthru });
  // Either marker, the keys that go with it, and an opaque payload in binary or text.
  const serializerName = fc.constantFrom('json', 'msgpack', 'cbor', 'ubjson', 'flatbuffers', 'native');
  const opaque = fc
    .tuple(
      fc.oneof(fc.uint8Array({ maxLength: 48 }), stringValueArb(24)),
      fc.constantFrom('enc_algo', 'ppt_scheme'),
      recordOf({ enc_serializer: serializerName, enc_key: str(), ppt_serializer: serializerName, ppt_cipher: str(), ppt_keyid: str() }),
    )
    .map(([payload, marker, keys]) => ({
      p: { payload } as PayloadInit,
      ppt: { ...keys, [marker]: marker === 'enc_algo' ? 'cryptobox' : 'x_fuzz' } as Dict,
    }));
  return fc.oneof({ weight: 5, arbitrary: plain }, { weight: 1, arbitrary: opaque });
}

const merge = (a: Dict, b: Dict): Dict => ({ ...a, ...b });

/** IDs with the word-size edges of the integer encodings (MessagePack, CBOR) favoured. */
function edgeIdArb(): fc.Arbitrary<number> {
  return fc.oneof({ weight: 1, arbitrary: fc.constantFrom(2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1) }, { weight: 4, arbitrary: idArb() });
}

const forwardForArb = () =>
  fc.array(fc.record({ session: idArb(), authid: str(), authrole: str() }, { requiredKeys: ['session'], noNullPrototype: true }), { maxLength: 2 });

/** Keys of the specification beyond the default set, per message type (exhaustive mode). */
function moreKeys(type: MessageTypeCode, o: MessageArbOptions): Record<string, fc.Arbitrary<unknown>> {
  const ff = { forward_for: forwardForArb() };
  switch (type) {
    case MessageType.HELLO:
      return { authrole: str(), resumable: bool() };
    case MessageType.WELCOME:
      return { authprovider: str(), authextra: kwargsArb(o) };
    case MessageType.ERROR:
    case MessageType.SUBSCRIBE:
    case MessageType.CANCEL:
    case MessageType.RESULT:
    case MessageType.YIELD:
    case MessageType.INTERRUPT:
      return ff;
    case MessageType.PUBLISH:
      return { ...ff, exclude_authrole: strs(), eligible_authid: strs(), transaction_hash: str() };
    case MessageType.EVENT:
      return { ...ff, publisher_authid: str(), publisher_authrole: str(), transaction_hash: str(), x_acknowledged_delivery: bool() };
    case MessageType.CALL:
      return { ...ff, progress: bool(), transaction_hash: str() };
    case MessageType.REGISTER:
      return { ...ff, force_reregister: bool() };
    case MessageType.INVOCATION:
      return { ...ff, caller_authid: str(), caller_authrole: str(), progress: bool(), transaction_hash: str() };
    default:
      return {};
  }
}

/** An arbitrary for one message type. */
export function messageArb(type: MessageTypeCode, o: MessageArbOptions = {}): fc.Arbitrary<Message> {
  const rule = o.uriRule ?? 'strict';
  const uri = () => uriArb(rule);
  const id = o.exhaustive === true ? edgeIdArb : idArb;
  // Options/Details: the default keys, and in exhaustive mode the others and unknown ones.
  const record = (model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Dict> =>
    o.exhaustive === true
      ? fc.tuple(recordOf({ ...model, ...moreKeys(type, o) }), fc.option(unknownOptionsArb(), { nil: undefined })).map(([d, extra]) => ({ ...extra, ...d }))
      : recordOf(model);
  switch (type) {
    case MessageType.HELLO:
      return fc
        .tuple(uri(), rolesArb('client'), record({ authid: str(), authmethods: fc.array(fc.constantFrom('anonymous', 'ticket', 'wampcra', 'cryptosign'), { maxLength: 2 }), agent: str(), authextra: kwargsArb(o) }))
        .map(([realm, roles, rest]) => hello(realm, { ...rest, roles }));
    case MessageType.WELCOME:
      return fc
        .tuple(id(), rolesArb('router'), record({ authid: str(), authrole: str(), authmethod: str(), agent: str(), realm: uri() }))
        .map(([s, roles, rest]) => welcome(s, { ...rest, roles }));
    case MessageType.ABORT:
      return fc.tuple(uri(), record({ message: str() })).map(([r, d]) => abort(r, d));
    case MessageType.GOODBYE:
      return fc.tuple(uri(), record({ message: str() })).map(([r, d]) => goodbye(r, d));
    case MessageType.CHALLENGE:
      return fc.tuple(fc.constantFrom('ticket', 'wampcra', 'cryptosign', 'scram'), kwargsArb(o)).map(([m, e]) => challenge(m, e));
    case MessageType.AUTHENTICATE:
      return fc.tuple(str(), kwargsArb(o)).map(([s, e]) => authenticate(s, e));
    case MessageType.ERROR:
      if (o.exhaustive !== true) {
        return fc
          .tuple(fc.constantFrom(...ERROR_REQUEST_TYPES), id(), uri(), payloadArb(o))
          .map(([rt, r, u, { p, ppt }]) => error(rt, r, u, p, ppt));
      }
      return fc
        .tuple(fc.constantFrom(...ERROR_REQUEST_TYPES), id(), uri(), payloadArb(o), record({}))
        .map(([rt, r, u, { p, ppt }, d]) => error(rt, r, u, p, merge(d, ppt)));
    case MessageType.PUBLISH:
      return fc
        .tuple(
          id(),
          uri(),
          payloadArb(o),
          record({ acknowledge: bool(), exclude_me: bool(), exclude: ids(), eligible: ids(), exclude_authid: strs(), eligible_authrole: strs(), disclose_me: bool(), retain: bool() }),
        )
        .map(([r, t, { p, ppt }, opts]) => publish(r, t, p, merge(opts, ppt)));
    case MessageType.PUBLISHED:
      return fc.tuple(id(), id()).map(([r, p]) => published(r, p));
    case MessageType.SUBSCRIBE:
      return fc
        .oneof(
          fc.tuple(uri(), fc.constantFrom<Dict>({}, { match: 'exact' }, { match: 'prefix' }, { get_retained: true })),
          wildcardPatternArb().map((p) => [p, { match: 'wildcard' }] as const),
        )
        .chain(([t, opts]) =>
          o.exhaustive === true
            ? fc.tuple(id(), record({ get_retained: bool() })).map(([r, more]) => subscribe(r, t, merge(more, opts)))
            : id().map((r) => subscribe(r, t, opts)),
        );
    case MessageType.SUBSCRIBED:
      return fc.tuple(id(), id()).map(([r, s]) => subscribed(r, s));
    case MessageType.UNSUBSCRIBE:
      return fc.tuple(id(), id()).map(([r, s]) => unsubscribe(r, s));
    case MessageType.UNSUBSCRIBED:
      return fc.oneof(
        id().map((r) => unsubscribed(r)),
        fc.tuple(id(), str()).map(([s, reason]) => unsubscribed(0, { subscription: s, reason })),
      );
    case MessageType.EVENT:
      return fc
        .tuple(id(), id(), payloadArb(o), record({ publisher: id(), topic: uri(), retained: bool() }))
        .map(([s, p, { p: pl, ppt }, d]) => event(s, p, pl, merge(d, ppt)));
    case MessageType.CALL:
      return fc
        .tuple(id(), uri(), payloadArb(o), record({ timeout: nonNegInt(), receive_progress: bool(), disclose_me: bool() }))
        .map(([r, proc, { p, ppt }, opts]) => call(r, proc, p, merge(opts, ppt)));
    case MessageType.CANCEL:
      return fc
        .tuple(id(), record({ mode: fc.constantFrom('skip', 'kill', 'killnowait') }))
        .map(([r, opts]) => cancel(r, opts));
    case MessageType.RESULT:
      return fc
        .tuple(id(), payloadArb(o), record({ progress: bool() }))
        .map(([r, { p, ppt }, d]) => result(r, p, merge(d, ppt)));
    case MessageType.REGISTER:
      return fc
        .oneof(
          fc.tuple(uri(), record({ match: fc.constantFrom('exact', 'prefix'), invoke: fc.constantFrom('single', 'roundrobin', 'random', 'first', 'last'), disclose_caller: bool() })),
          wildcardPatternArb().map((p) => [p, { match: 'wildcard' } as Dict] as const),
        )
        .chain(([proc, opts]) => id().map((r) => register(r, proc, opts)));
    case MessageType.REGISTERED:
      return fc.tuple(id(), id()).map(([r, g]) => registered(r, g));
    case MessageType.UNREGISTER:
      return fc.tuple(id(), id()).map(([r, g]) => unregister(r, g));
    case MessageType.UNREGISTERED:
      return fc.oneof(
        id().map((r) => unregistered(r)),
        fc.tuple(id(), str()).map(([g, reason]) => unregistered(0, { registration: g, reason })),
      );
    case MessageType.INVOCATION:
      return fc
        .tuple(id(), id(), payloadArb(o), record({ caller: id(), procedure: uri(), receive_progress: bool(), timeout: nonNegInt() }))
        .map(([r, g, { p, ppt }, d]) => invocation(r, g, p, merge(d, ppt)));
    case MessageType.INTERRUPT:
      return fc
        .tuple(id(), record({ mode: fc.constantFrom('kill', 'killnowait'), reason: str() }))
        .map(([r, opts]) => interrupt(r, opts));
    case MessageType.YIELD:
      return fc
        .tuple(id(), payloadArb(o), record({ progress: bool() }))
        .map(([r, { p, ppt }, opts]) => yield_(r, p, merge(opts, ppt)));
    case MessageType.EVENT_RECEIVED:
      return fc.oneof(
        id().map((p) => eventReceived(p)),
        fc.tuple(id(), payloadArb(o)).map(([pub, { p, ppt }]) => eventReceived(pub, p, ppt)),
      );
  }
}

/** Any valid message of the given types (default: all of them). */
export function anyMessageArb(o: MessageArbOptions = {}, types: readonly MessageTypeCode[] = ALL_MESSAGE_TYPES): fc.Arbitrary<Message> {
  return fc.oneof(...types.map((t) => messageArb(t, o)));
}

/** Options a router must ignore (keys no profile defines); merged into any Options dictionary. */
export function unknownOptionsArb(): fc.Arbitrary<Dict> {
  return fc.dictionary(
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'.split('')), minLength: 1, maxLength: 10 }).map((k) => `x_fuzz_${k}`),
    valueArb({ maxDepth: 1, maxLength: 2 }),
    { minKeys: 1, maxKeys: 2, noNullPrototype: true },
  );
}
