/**
 * fast-check arbitraries for every WAMP message, valid by construction and in
 * canonical form, so that `decode(encode(m))` must give `m` back in every
 * serializer:
 *
 * - IDs in [1, 2^53], with the edges (1, 2^32 ± 1, 2^53) favoured.
 * - URIs valid under the loose rule (strict components mostly, some with
 *   capitals, dashes and non-ASCII), with empty components only for wildcard
 *   patterns.
 * - Options/Details use the keys the specification defines, with the types
 *   it gives them, plus unknown keys (which a peer must ignore).
 * - Values stay in the data model the three serializers share: null,
 *   booleans, finite numbers other than -0, strings (never starting with
 *   U+0000, which JSON reserves for binary), Uint8Array, lists and
 *   dictionaries without the forbidden keys.
 * - Payloads are canonical: no Arguments, non-empty Arguments, or Arguments
 *   (maybe empty) with non-empty ArgumentsKw, as the encoder omits an empty tail.
 */

import fc from 'fast-check';
import {
  ERROR_REQUEST_TYPES,
  MAX_ID,
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
  type PayloadInit,
} from '@wamp/core';

export const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

// --- IDs and URIs -------------------------------------------------------------

export const idArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(1, 2, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, MAX_ID - 1, MAX_ID) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 2 ** 31 - 1 }) },
  { weight: 2, arbitrary: fc.maxSafeNat().map((n) => n + 1) },
);

const strictComponent = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_'),
  minLength: 1,
  maxLength: 8,
});
/** A loose-rule component: anything but whitespace, '.' and '#'. */
const looseComponent = fc.string({
  unit: fc.constantFrom(...'abzAZ09_-:/!?@$', 'é', 'ß', '中', '😀', '\u0001', '\u007f'),
  minLength: 1,
  maxLength: 6,
});
const component = fc.oneof({ weight: 4, arbitrary: strictComponent }, { weight: 1, arbitrary: looseComponent });

export const uriArb: fc.Arbitrary<string> = fc.array(component, { minLength: 1, maxLength: 4 }).map((c) => c.join('.'));
/** A wildcard pattern: some components empty (`com..update`), never the whole URI. */
export const wildcardArb: fc.Arbitrary<string> = fc
  .array(fc.oneof(component, fc.constant('')), { minLength: 2, maxLength: 4 })
  .filter((c) => c.some((x) => x.length > 0))
  .map((c) => c.join('.'));

// --- values ---------------------------------------------------------------------

const stringArb = fc
  .oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 16 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  )
  .filter((s) => s.charCodeAt(0) !== 0);

const keyArb = fc.oneof(fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 6 })).filter((k) => !FORBIDDEN_KEYS.includes(k));

const numberArb = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, MAX_ID, -MAX_ID, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, 2 ** 53 + 2, 1e300, 5e-324, 0.1),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
);

const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  numberArb,
  stringArb,
  fc.uint8Array({ maxLength: 24 }),
);

export function dictOf<T>(value: fc.Arbitrary<T>, maxKeys = 4): fc.Arbitrary<Record<string, T>> {
  return fc.dictionary(keyArb, value, { maxKeys, noNullPrototype: true });
}

/** Any value of the shared data model, nested a few levels. */
export const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('value'), { maxLength: 4 }),
    dictOf(tie('value')),
  ),
})).value;

// --- Options / Details -------------------------------------------------------------

const str = fc.string({ maxLength: 12 });
const strs = fc.array(str, { maxLength: 3 });
const ids = fc.array(idArb, { maxLength: 3 });
const forwardFor = fc.array(
  fc.record({ session: idArb, authid: str, authrole: str }, { requiredKeys: ['session'], noNullPrototype: true }),
  { maxLength: 2 },
);

/** Every key any schema in wire/shape.ts knows: unknown extra keys must avoid them. */
const KNOWN_KEYS = new Set([
  'roles', 'authmethods', 'authid', 'authrole', 'authextra', 'agent', 'resumable', 'authmethod', 'authprovider',
  'realm', 'acknowledge', 'exclude_me', 'exclude', 'exclude_authid', 'exclude_authrole', 'eligible',
  'eligible_authid', 'eligible_authrole', 'disclose_me', 'retain', 'transaction_hash', 'forward_for', 'match',
  'get_retained', 'publisher', 'publisher_authid', 'publisher_authrole', 'topic', 'retained',
  'x_acknowledged_delivery', 'timeout', 'receive_progress', 'progress', 'mode', 'invoke', 'disclose_caller',
  'force_reregister', 'caller', 'caller_authid', 'caller_authrole', 'procedure', 'reason', 'subscription',
  'registration', 'message', 'enc_algo', 'enc_serializer', 'enc_key', 'ppt_scheme', 'ppt_serializer',
  'ppt_cipher', 'ppt_keyid',
]);
const extraArb = fc.dictionary(
  keyArb.filter((k) => !KNOWN_KEYS.has(k)),
  valueArb,
  { maxKeys: 2, noNullPrototype: true },
);

/** Some of `model`'s keys, plus unknown ones. */
function options(model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Dict> {
  return fc
    .tuple(fc.record(model, { requiredKeys: [], noNullPrototype: true }), extraArb)
    .map(([known, extra]) => Object.freeze({ ...extra, ...known }));
}

const serializerName = fc.constantFrom('json', 'msgpack', 'cbor', 'ubjson', 'flatbuffers', 'native');
/** Payload Passthru / E2EE markers (advanced profile); their presence switches the payload mode. */
const passthruModel = {
  enc_algo: fc.constantFrom('cryptobox', 'mqtt', 'xbr'),
  enc_serializer: serializerName,
  enc_key: str,
  ppt_scheme: str,
  ppt_serializer: serializerName,
  ppt_cipher: str,
  ppt_keyid: str,
};
const noMarkers = (d: Dict): boolean => d['enc_algo'] === undefined && d['ppt_scheme'] === undefined;

const argsPayload: fc.Arbitrary<PayloadInit | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.array(valueArb, { minLength: 1, maxLength: 4 }).map((args) => ({ args })),
  fc
    .tuple(fc.array(valueArb, { maxLength: 3 }), dictOf(valueArb).filter((d) => Object.keys(d).length > 0))
    .map(([args, kwargs]) => ({ args, kwargs })),
);
const opaquePayload: fc.Arbitrary<PayloadInit | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 48 }).map((payload) => ({ payload })),
  stringArb.map((payload) => ({ payload })),
);

/**
 * Options or Details of a payload-carrying message and a payload that fits
 * them: opaque when they carry passthru markers, Arguments otherwise.
 */
function payloaded(model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<[Dict, PayloadInit | undefined]> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.tuple(options(model).filter(noMarkers), argsPayload) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc
          .tuple(options(model), fc.record(passthruModel, { requiredKeys: [], noNullPrototype: true }), fc.constantFrom('enc_algo', 'ppt_scheme'))
          .map(([o, ppt, marker]) => ({
            ...o,
            ...ppt,
            [marker]: (ppt as Record<string, unknown>)[marker] ?? (marker === 'enc_algo' ? 'cryptobox' : 'wamp'),
          })),
        opaquePayload,
      ),
    },
  );
}

const featureDict = fc.record(
  { features: fc.dictionary(fc.constantFrom('call_canceling', 'progressive_call_results', 'publisher_exclusion'), fc.boolean(), { noNullPrototype: true }) },
  { requiredKeys: [], noNullPrototype: true },
);
const rolesArb = fc.dictionary(fc.constantFrom('caller', 'callee', 'publisher', 'subscriber', 'broker', 'dealer'), featureDict, {
  noNullPrototype: true,
});
const authextra = dictOf(valueArb, 3);

// --- messages -------------------------------------------------------------------------

const helloArb = fc
  .tuple(uriArb, rolesArb, options({ authmethods: strs, authid: str, authrole: str, authextra, agent: str, resumable: fc.boolean() }))
  .map(([realm, roles, d]) => hello(realm, { ...d, roles }));
const welcomeArb = fc
  .tuple(idArb, options({ roles: rolesArb, authid: str, authrole: str, authmethod: str, authprovider: str, authextra, agent: str, realm: str }))
  .map(([session, d]) => welcome(session, d));
const abortArb = fc.tuple(uriArb, options({ message: str })).map(([reason, d]) => abort(reason, d));
const goodbyeArb = fc.tuple(uriArb, options({ message: str })).map(([reason, d]) => goodbye(reason, d));
const challengeArb = fc.tuple(str, dictOf(valueArb)).map(([method, extra]) => challenge(method, extra));
const authenticateArb = fc.tuple(str, dictOf(valueArb)).map(([sig, extra]) => authenticate(sig, extra));
const errorArb = fc
  .tuple(fc.constantFrom(...ERROR_REQUEST_TYPES), idArb, uriArb, payloaded({ forward_for: forwardFor }))
  .map(([rt, request, uri, [details, p]]) => error(rt, request, uri, p, details));
const publishArb = fc
  .tuple(
    idArb,
    uriArb,
    payloaded({
      acknowledge: fc.boolean(),
      exclude_me: fc.boolean(),
      exclude: ids,
      exclude_authid: strs,
      exclude_authrole: strs,
      eligible: ids,
      eligible_authid: strs,
      eligible_authrole: strs,
      disclose_me: fc.boolean(),
      retain: fc.boolean(),
      transaction_hash: str,
      forward_for: forwardFor,
    }),
  )
  .map(([request, topic, [o, p]]) => publish(request, topic, p, o));
const publishedArb = fc.tuple(idArb, idArb).map(([r, p]) => published(r, p));
const matchArb = fc.constantFrom('exact', 'prefix', 'wildcard');
const subscribeArb = fc
  .tuple(idArb, options({ match: matchArb, get_retained: fc.boolean(), forward_for: forwardFor }), uriArb, wildcardArb)
  .map(([request, o, uri, pattern]) => subscribe(request, o['match'] === 'wildcard' ? pattern : uri, o));
const subscribedArb = fc.tuple(idArb, idArb).map(([r, s]) => subscribed(r, s));
const unsubscribeArb = fc.tuple(idArb, idArb).map(([r, s]) => unsubscribe(r, s));
const unsubscribedArb = fc.oneof(
  idArb.map((r) => unsubscribed(r)),
  fc.tuple(idArb, options({ reason: str })).map(([r, d]) => unsubscribed(r, d)),
  fc.tuple(idArb, options({ reason: str })).map(([s, d]) => unsubscribed(0, { ...d, subscription: s })),
);
const eventArb = fc
  .tuple(
    idArb,
    idArb,
    payloaded({
      publisher: idArb,
      publisher_authid: str,
      publisher_authrole: str,
      topic: str,
      retained: fc.boolean(),
      transaction_hash: str,
      x_acknowledged_delivery: fc.boolean(),
      forward_for: forwardFor,
    }),
  )
  .map(([sub, pub, [d, p]]) => event(sub, pub, p, d));
const callArb = fc
  .tuple(
    idArb,
    uriArb,
    payloaded({
      timeout: fc.nat({ max: 3_600_000 }),
      receive_progress: fc.boolean(),
      progress: fc.boolean(),
      disclose_me: fc.boolean(),
      transaction_hash: str,
      forward_for: forwardFor,
    }),
  )
  .map(([request, procedure, [o, p]]) => call(request, procedure, p, o));
const cancelArb = fc
  .tuple(idArb, options({ mode: fc.constantFrom('skip', 'kill', 'killnowait'), forward_for: forwardFor }))
  .map(([r, o]) => cancel(r, o));
const resultArb = fc
  .tuple(idArb, payloaded({ progress: fc.boolean(), forward_for: forwardFor }))
  .map(([r, [d, p]]) => result(r, p, d));
const registerArb = fc
  .tuple(
    idArb,
    options({
      match: matchArb,
      invoke: fc.constantFrom('single', 'roundrobin', 'random', 'first', 'last'),
      disclose_caller: fc.boolean(),
      force_reregister: fc.boolean(),
      forward_for: forwardFor,
    }),
    uriArb,
    wildcardArb,
  )
  .map(([request, o, uri, pattern]) => register(request, o['match'] === 'wildcard' ? pattern : uri, o));
const registeredArb = fc.tuple(idArb, idArb).map(([r, g]) => registered(r, g));
const unregisterArb = fc.tuple(idArb, idArb).map(([r, g]) => unregister(r, g));
const unregisteredArb = fc.oneof(
  idArb.map((r) => unregistered(r)),
  fc.tuple(idArb, options({ reason: str })).map(([r, d]) => unregistered(r, d)),
  fc.tuple(idArb, options({ reason: str })).map(([g, d]) => unregistered(0, { ...d, registration: g })),
);
const invocationArb = fc
  .tuple(
    idArb,
    idArb,
    payloaded({
      caller: idArb,
      caller_authid: str,
      caller_authrole: str,
      procedure: str,
      receive_progress: fc.boolean(),
      progress: fc.boolean(),
      timeout: fc.nat({ max: 3_600_000 }),
      transaction_hash: str,
      forward_for: forwardFor,
    }),
  )
  .map(([request, reg, [d, p]]) => invocation(request, reg, p, d));
const interruptArb = fc
  .tuple(idArb, options({ mode: fc.constantFrom('kill', 'killnowait'), reason: str, forward_for: forwardFor }))
  .map(([r, o]) => interrupt(r, o));
const yieldArb = fc
  .tuple(idArb, payloaded({ progress: fc.boolean(), forward_for: forwardFor }))
  .map(([r, [o, p]]) => yield_(r, p, o));
const eventReceivedArb = fc.oneof(
  idArb.map((pub) => eventReceived(pub)),
  // With a payload the encoder writes Details, so canonical messages carry them.
  fc.tuple(idArb, payloaded({})).map(([pub, [d, p]]) => eventReceived(pub, p, d)),
);

/** One arbitrary per message type, by name. */
export const MESSAGE_ARBS: Readonly<Record<string, fc.Arbitrary<Message>>> = {
  HELLO: helloArb,
  WELCOME: welcomeArb,
  ABORT: abortArb,
  CHALLENGE: challengeArb,
  AUTHENTICATE: authenticateArb,
  GOODBYE: goodbyeArb,
  ERROR: errorArb,
  PUBLISH: publishArb,
  PUBLISHED: publishedArb,
  SUBSCRIBE: subscribeArb,
  SUBSCRIBED: subscribedArb,
  UNSUBSCRIBE: unsubscribeArb,
  UNSUBSCRIBED: unsubscribedArb,
  EVENT: eventArb,
  CALL: callArb,
  CANCEL: cancelArb,
  RESULT: resultArb,
  REGISTER: registerArb,
  REGISTERED: registeredArb,
  UNREGISTER: unregisterArb,
  UNREGISTERED: unregisteredArb,
  INVOCATION: invocationArb,
  INTERRUPT: interruptArb,
  YIELD: yieldArb,
  EVENT_RECEIVED: eventReceivedArb,
};

export const messageArb: fc.Arbitrary<Message> = fc.oneof(...Object.values(MESSAGE_ARBS));
