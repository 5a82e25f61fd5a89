/**
 * Near-valid messages: a valid message with exactly one thing wrong, at the
 * level of the positional wire array (before serialization), each tagged
 * with the reactions the specification allows a router.
 *
 * Basic profile, "Protocol Errors": receiving a protocol-incompatible message
 * (empty array, invalid message type, ...) or failing to decode one is a
 * protocol error, and the router "MUST send an ABORT message to the offending
 * peer, having reason `wamp.error.protocol_violation`" and dispose of the
 * session. "Incorrect URIs": a peer that provides an incorrect URI "MUST" be
 * answered with ERROR `wamp.error.invalid_uri`, so a request that gets an
 * answer must get that ERROR and keep its session; a PUBLISH without
 * `acknowledge` (a request that never gets an answer) may go unanswered or
 * be aborted.
 */

import fc from 'fast-check';
import { MessageType, isValidUri, messageTypeName, toWire, type Message, type MessageTypeCode } from '@wamp/core';
import { badUriArb, outOfRangeIdArb } from './values.js';

/** What kind of damage a mutant carries. */
export type MutantKind =
  /** One field holds a value of the wrong type (a string for an ID, a list for a dictionary...). */
  | 'wrong-type'
  /** An ID outside [1, 2^53] or not an integer. */
  | 'out-of-range-id'
  /** A URI field that is no URI under any rule. */
  | 'bad-uri'
  /** Too few or too many elements. */
  | 'wrong-arity'
  /** A message type code no profile defines, or a code that is not an integer. */
  | 'unknown-type'
  /** ERROR naming a request type that cannot fail. */
  | 'bad-request-type'
  /** Not a list, or an empty list. */
  | 'not-a-message'
  /** HELLO without `Details.roles`. */
  | 'missing-roles'
  /** An option key no profile defines: the router must ignore it. */
  | 'unknown-option'
  /** A defined option key with a value of the wrong type. */
  | 'bad-option-value'
  /** A payload larger than routers commonly accept. */
  | 'oversized';

/**
 * How a router may react to a mutant sent on an established session:
 * - `abort`: ABORT `wamp.error.protocol_violation` (the transport may close after it);
 * - `error`: an ERROR answering the request (`errorUri` when set), the session going on;
 * - `silent`: nothing (only where the request never gets an answer);
 * - `normal`: whatever the unmutated message would have caused;
 * - `any-close`: ABORT with any reason, or the transport closing without one.
 */
export type Reaction = 'abort' | 'error' | 'silent' | 'normal' | 'any-close';

/** A near-valid message and the reactions the specification allows to it. */
export interface Mutant {
  readonly kind: MutantKind;
  /** The valid message this mutant was made from. */
  readonly base: Message;
  /** The damaged wire value (usually an array), ready for `serializer.encode` when it is one. */
  readonly wire: unknown;
  /** Which field was damaged and how, for the report. */
  readonly description: string;
  /** The reactions the specification allows (see {@link Reaction}). */
  readonly reactions: readonly Reaction[];
  /** For `error`: the error URI the router must use. */
  readonly errorUri?: string;
}

type FieldKind = 'id' | 'idOrZero' | 'dict' | 'uri' | 'str' | 'reqType' | 'args' | 'kwargs';

interface Shape {
  /** Field kinds after the type code, in wire order; the payload tail (args, kwargs) included. */
  readonly fields: readonly FieldKind[];
  readonly min: number;
  readonly max: number;
}

const P: readonly FieldKind[] = ['args', 'kwargs'];

/** The wire shapes that `fromWire` in @wamp/core checks (arity counts the type code). */
export const SHAPES: Readonly<Record<MessageTypeCode, Shape>> = {
  [MessageType.HELLO]: { fields: ['uri', 'dict'], min: 3, max: 3 },
  [MessageType.WELCOME]: { fields: ['id', 'dict'], min: 3, max: 3 },
  [MessageType.ABORT]: { fields: ['dict', 'uri'], min: 3, max: 3 },
  [MessageType.CHALLENGE]: { fields: ['str', 'dict'], min: 3, max: 3 },
  [MessageType.AUTHENTICATE]: { fields: ['str', 'dict'], min: 3, max: 3 },
  [MessageType.GOODBYE]: { fields: ['dict', 'uri'], min: 3, max: 3 },
  [MessageType.ERROR]: { fields: ['reqType', 'id', 'dict', 'uri', ...P], min: 5, max: 7 },
  [MessageType.PUBLISH]: { fields: ['id', 'dict', 'uri', ...P], min: 4, max: 6 },
  [MessageType.PUBLISHED]: { fields: ['id', 'id'], min: 3, max: 3 },
  [MessageType.SUBSCRIBE]: { fields: ['id', 'dict', 'uri'], min: 4, max: 4 },
  [MessageType.SUBSCRIBED]: { fields: ['id', 'id'], min: 3, max: 3 },
  [MessageType.UNSUBSCRIBE]: { fields: ['id', 'id'], min: 3, max: 3 },
  [MessageType.UNSUBSCRIBED]: { fields: ['idOrZero', 'dict'], min: 2, max: 3 },
  [MessageType.EVENT]: { fields: ['id', 'id', 'dict', ...P], min: 4, max: 6 },
  [MessageType.CALL]: { fields: ['id', 'dict', 'uri', ...P], min: 4, max: 6 },
  [MessageType.CANCEL]: { fields: ['id', 'dict'], min: 3, max: 3 },
  [MessageType.RESULT]: { fields: ['id', 'dict', ...P], min: 3, max: 5 },
  [MessageType.REGISTER]: { fields: ['id', 'dict', 'uri'], min: 4, max: 4 },
  [MessageType.REGISTERED]: { fields: ['id', 'id'], min: 3, max: 3 },
  [MessageType.UNREGISTER]: { fields: ['id', 'id'], min: 3, max: 3 },
  [MessageType.UNREGISTERED]: { fields: ['idOrZero', 'dict'], min: 2, max: 3 },
  [MessageType.INVOCATION]: { fields: ['id', 'id', 'dict', ...P], min: 4, max: 6 },
  [MessageType.INTERRUPT]: { fields: ['id', 'dict'], min: 3, max: 3 },
  [MessageType.YIELD]: { fields: ['id', 'dict', ...P], min: 3, max: 5 },
  [MessageType.EVENT_RECEIVED]: { fields: ['id', 'dict', ...P], min: 2, max: 5 },
};

/** Requests a router answers, with the ERROR request type that answers them. */
const ANSWERED: ReadonlySet<number> = new Set([
  MessageType.CALL,
  MessageType.REGISTER,
  MessageType.UNREGISTER,
  MessageType.SUBSCRIBE,
  MessageType.UNSUBSCRIBE,
  MessageType.PUBLISH,
]);

const WRONG_TYPE: Readonly<Record<FieldKind, readonly unknown[]>> = {
  id: ['1', null, true, [1], {}],
  idOrZero: ['0', null, false, [], {}],
  dict: [[], 'x', 1, null, true],
  uri: [1, null, [], {}, true],
  str: [1, null, [], {}, false],
  reqType: ['CALL', null, [], {}],
  args: [{}, 'x', 1, null, true],
  kwargs: [[], 'x', 1, null, true],
};

/** Non-integer and undefined message type codes. */
const BAD_CODES: readonly unknown[] = [0, 7, 9, 15, 99, 255, 1000, -48, 48.5, '48', null, [], {}];

function isWildcard(m: Message): boolean {
  return (m.type === MessageType.SUBSCRIBE || m.type === MessageType.REGISTER) && m.options['match'] === 'wildcard';
}

function hasPassthru(m: Message): boolean {
  return 'payload' in m && m.payload !== undefined;
}

/** Does the message's request carry an answer the router must send, and its answer on error? */
function answersWithError(m: Message): boolean {
  if (!ANSWERED.has(m.type)) return false;
  if (m.type === MessageType.PUBLISH) return m.options['acknowledge'] === true;
  return true;
}

/**
 * Reactions to a bad URI, by message: a request that gets an answer must get
 * ERROR `invalid_uri`; one that never gets an answer (PUBLISH without
 * `acknowledge`, a callee's ERROR) may go unanswered; a bad GOODBYE/ABORT
 * reason still closes; a bad realm is refused with an ABORT of any reason.
 */
function badUriReactions(m: Message): readonly Reaction[] {
  if (answersWithError(m)) return ['error'];
  switch (m.type) {
    case MessageType.PUBLISH:
    case MessageType.ERROR:
      return ['abort', 'silent'];
    case MessageType.GOODBYE:
    case MessageType.ABORT:
      return ['abort', 'normal'];
    case MessageType.HELLO:
      return ['any-close'];
    default:
      return ['abort'];
  }
}

function strictReject(kind: MutantKind, base: Message, wire: unknown, description: string): Mutant {
  return Object.freeze({ kind, base, wire, description, reactions: ['abort'] as const });
}

function name(m: Message): string {
  return messageTypeName(m.type) ?? String(m.type);
}

/** Positions (index into the wire array, ≥ 1) of fields of a kind, present in this message's wire form. */
function positions(m: Message, wire: readonly unknown[], want: (k: FieldKind) => boolean): number[] {
  const shape = SHAPES[m.type];
  const out: number[] = [];
  for (let i = 1; i < wire.length; i++) {
    const k = shape.fields[i - 1];
    if (k === undefined) continue;
    // A passthru payload sits where Arguments would; its type rules differ.
    if (hasPassthru(m) && (k === 'args' || k === 'kwargs')) continue;
    if (want(k)) out.push(i);
  }
  return out;
}

const set = (wire: readonly unknown[], i: number, v: unknown): unknown[] => {
  const c = wire.slice();
  c[i] = v;
  return c;
};

/**
 * All the strict mutants of one message kind that can be made from `m`:
 * every one is a protocol error (or, for `bad-uri`, an `invalid_uri` error).
 * Returns an arbitrary, since the choice of field and value is random.
 */
export function mutantArb(m: Message, kinds: readonly MutantKind[] = STRICT_KINDS): fc.Arbitrary<Mutant> {
  const wire = toWire(m);
  const options: fc.Arbitrary<Mutant>[] = [];
  const shape = SHAPES[m.type];
  const n = name(m);
  const want = new Set(kinds);

  if (want.has('wrong-type')) {
    const pos = positions(m, wire, () => true);
    if (pos.length > 0) {
      options.push(
        fc.constantFrom(...pos).chain((i) => {
          const k = shape.fields[i - 1]!;
          return fc.constantFrom(...WRONG_TYPE[k]).map((v) =>
            strictReject('wrong-type', m, set(wire, i, v), `${n}: element ${i} (${k}) replaced by ${JSON.stringify(v)}`),
          );
        }),
      );
    }
  }
  if (want.has('out-of-range-id')) {
    const pos = positions(m, wire, (k) => k === 'id' || k === 'idOrZero');
    if (pos.length > 0) {
      options.push(
        fc.tuple(fc.constantFrom(...pos), outOfRangeIdArb()).filter(([i, v]) => !(v === 0 && shape.fields[i - 1] === 'idOrZero')).map(([i, v]) =>
          strictReject('out-of-range-id', m, set(wire, i, v), `${n}: ID at element ${i} set to ${v}`),
        ),
      );
    }
  }
  if (want.has('bad-uri')) {
    const pos = positions(m, wire, (k) => k === 'uri');
    if (pos.length > 0) {
      options.push(
        // A wildcard pattern may have empty components: only whitespace or '#' make it bad.
        fc.tuple(fc.constantFrom(...pos), badUriArb().filter((u) => !isValidUri(u, 'loose', isWildcard(m)))).map(([i, u]) => {
          return Object.freeze({
            kind: 'bad-uri' as const,
            base: m,
            wire: set(wire, i, u),
            description: `${n}: URI at element ${i} set to ${JSON.stringify(u)}`,
            reactions: badUriReactions(m),
            errorUri: 'wamp.error.invalid_uri',
          });
        }),
      );
    }
  }
  if (want.has('wrong-arity')) {
    const arities: fc.Arbitrary<Mutant>[] = [];
    if (shape.min > 1) {
      arities.push(
        fc.integer({ min: 1, max: shape.min - 1 }).map((len) =>
          strictReject('wrong-arity', m, wire.slice(0, len), `${n}: cut to ${len} elements (at least ${shape.min})`),
        ),
      );
    }
    arities.push(
      fc.array(fc.constantFrom<unknown>(0, 'x', null, [], {}), { minLength: 1, maxLength: 3 }).map((extra) => {
        const full = wire.slice();
        // Fill the optional tail with valid values before going past the maximum.
        // (A passthru payload must already be last: anything after it is too many.)
        if (!hasPassthru(m)) {
          for (let i = full.length; i < shape.max; i++) full.push(shape.fields[i - 1] === 'args' ? [] : {});
        }
        return strictReject('wrong-arity', m, [...full, ...extra], `${n}: ${full.length + extra.length} elements (at most ${shape.max})`);
      }),
    );
    options.push(fc.oneof(...arities));
  }
  if (want.has('unknown-type')) {
    options.push(
      fc.constantFrom(...BAD_CODES).map((code) => strictReject('unknown-type', m, set(wire, 0, code), `${n}: type code replaced by ${JSON.stringify(code)}`)),
    );
  }
  if (want.has('bad-request-type') && m.type === MessageType.ERROR) {
    options.push(
      fc
        .constantFrom<unknown>(MessageType.HELLO, MessageType.EVENT, MessageType.RESULT, MessageType.YIELD, MessageType.ERROR, 0, 1000)
        .map((rt) => strictReject('bad-request-type', m, set(wire, 1, rt), `ERROR: REQUEST.Type ${JSON.stringify(rt)}`)),
    );
  }
  if (want.has('not-a-message')) {
    options.push(
      fc.constantFrom<unknown>([], {}, 'x', 48, null, true, [[48]]).map((w) => strictReject('not-a-message', m, w, `the frame holds ${JSON.stringify(w)}`)),
    );
  }
  if (want.has('missing-roles') && m.type === MessageType.HELLO) {
    const details: Record<string, unknown> = { ...m.details };
    delete details['roles'];
    options.push(fc.constant(strictReject('missing-roles', m, [m.type, m.realm, details], 'HELLO: Details.roles missing')));
  }
  if (options.length === 0) {
    throw new RangeError(`no mutant of kinds ${kinds.join(', ')} can be made from ${n}`);
  }
  return fc.oneof(...options);
}

/** The mutant kinds a router must answer with ABORT (or `invalid_uri`, for URIs). */
export const STRICT_KINDS: readonly MutantKind[] = [
  'wrong-type',
  'out-of-range-id',
  'bad-uri',
  'wrong-arity',
  'unknown-type',
  'bad-request-type',
  'not-a-message',
  'missing-roles',
];

/** Index of the Options/Details dictionary in the wire form, or undefined. */
function optionsIndex(m: Message): number | undefined {
  const fields = SHAPES[m.type].fields;
  const i = fields.indexOf('dict');
  if (i < 0) return undefined;
  if (m.type === MessageType.UNSUBSCRIBED || m.type === MessageType.UNREGISTERED) return undefined;
  if (m.type === MessageType.EVENT_RECEIVED) return undefined;
  return i + 1;
}

/** Option values of the wrong type for keys the profiles define, by message type. */
const BAD_OPTION_VALUES: Partial<Record<MessageTypeCode, Readonly<Record<string, readonly unknown[]>>>> = {
  [MessageType.PUBLISH]: { acknowledge: ['yes', 1], exclude_me: ['no', 0], exclude: ['x', [1.5], [0]], eligible: [{}, ['a']] },
  [MessageType.CALL]: { timeout: [-1, 'soon', 1.5], receive_progress: ['yes'], disclose_me: [1] },
  [MessageType.SUBSCRIBE]: { match: ['regex', 1, null] },
  [MessageType.REGISTER]: { match: ['fuzzy'], invoke: ['everyone', 3] },
  [MessageType.CANCEL]: { mode: ['now', 1] },
  [MessageType.YIELD]: { progress: ['yes'] },
  [MessageType.HELLO]: { roles: ['caller'], authmethods: ['ticket'], authid: [7] },
};

/**
 * Lenient mutants: `unknown-option` (the router must behave as for the base
 * message) and `bad-option-value` (normal processing, an ERROR, or an ABORT are
 * all defensible: the profile defines the key's type but not the reaction).
 */
export function optionMutantArb(m: Message): fc.Arbitrary<Mutant> | undefined {
  const i = optionsIndex(m);
  if (i === undefined) return undefined;
  const wire = toWire(m);
  const dict = wire[i] as Record<string, unknown>;
  const n = name(m);
  const unknown = fc
    .tuple(fc.constantFrom('x_fuzz_unknown', 'zz_future_feature', 'x_fuzz_nested'), fc.constantFrom<unknown>(1, 'x', true, null, [1, 2], { a: { b: [] } }))
    .map(([k, v]) =>
      Object.freeze({
        kind: 'unknown-option' as const,
        base: m,
        wire: set(wire, i, { ...dict, [k]: v }),
        description: `${n}: unknown option ${k}=${JSON.stringify(v)}`,
        reactions: ['normal'] as const,
      }),
    );
  const bad = BAD_OPTION_VALUES[m.type];
  if (bad === undefined) return unknown;
  const keys = Object.keys(bad);
  const badArb = fc.constantFrom(...keys).chain((k) =>
    fc.constantFrom(...bad[k]!).map((v) =>
      Object.freeze({
        kind: 'bad-option-value' as const,
        base: m,
        wire: set(wire, i, { ...dict, [k]: v }),
        description: `${n}: option ${k}=${JSON.stringify(v)}`,
        reactions: ['normal', 'error', 'abort', 'any-close'] as const,
      }),
    ),
  );
  return fc.oneof(unknown, badArb);
}

/**
 * A copy of `m` (which must carry a payload position) whose Arguments hold one
 * string of `bytes` characters. Routers may refuse it with an ERROR or by
 * closing the session; they must not fall over.
 */
export function oversize(m: Message, bytes: number): Mutant {
  const wire = toWire(m);
  const shape = SHAPES[m.type];
  const at = shape.fields.indexOf('args');
  if (at < 0) throw new RangeError(`${name(m)} carries no payload`);
  const head = wire.slice(0, at + 1);
  head.push(['x'.repeat(bytes)]);
  return Object.freeze({
    kind: 'oversized',
    base: m,
    wire: head,
    description: `${name(m)}: Arguments of ${bytes} characters`,
    reactions: ['normal', 'error', 'abort', 'any-close'] as const,
  });
}
