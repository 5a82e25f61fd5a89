/**
 * The client side of a WAMP session as a sans-IO state machine (basic
 * profile "Sessions", "Publish & Subscribe", "Remote Procedure Calls", and
 * the advanced features announced in {@link CLIENT_ROLES}).
 */

import { decodeRouterMessage, encodeMessage, type DecodeOptions } from '../wire/index.js';
import { ErrorUri, LocalProtocolError, ProtocolViolation, WampError } from '../errors.js';
import { MAX_ID, isId } from '../ids.js';
import { resolveLimits, type Limits } from '../wire/limits.js';
import {
  MessageType,
  abort,
  authenticate as authenticateMsg,
  call as callMsg,
  cancel as cancelMsg,
  goodbye,
  hello,
  messageTypeName,
  publish as publishMsg,
  subscribe as subscribeMsg,
  unsubscribe as unsubscribeMsg,
  type Challenge,
  type ErrorMsg,
  type Event,
  type Hello,
  type Interrupt,
  type Invocation,
  type Message,
  type Payloaded,
  type Published,
  type Registered,
  type Result,
  type Subscribed,
  type Unregistered,
  type Unsubscribed,
  type Welcome,
} from '../wire/messages.js';
import type { Serializer } from '../wire/serializers/serializer.js';
import type { Args, Dict, Frame, KwArgs, Payload } from '../types.js';
import { ClientOnlyMessage } from '../wire/shape.js';
import { isValidPattern, isValidUri, type MatchPolicy, type UriRule } from '../uri.js';
import { Deadlines } from '../deadlines.js';
import { CanceledError, RequestTimeoutError, SessionClosedError, TRANSPORT_LOST } from './errors.js';
import type { ClientEvent, CloseInfo, Delivered, PublicationEvent, RequestKind, RouterRoles } from './events.js';
import { formatMessage } from './format.js';
import {
  callOptionsToWire,
  publishOptionsToWire,
  subscribeOptionsToWire,
  type CallRequestOptions,
  type CancelMode,
  type PublishOptions,
  type SubscribeOptions,
} from './options.js';
import { clientNextState, type ClientInput } from './transitions.js';

/**
 * The roles and features a client announces in HELLO.Details.roles: all four
 * roles, with every advanced feature this session implements (advanced
 * profile, "Feature Announcement").
 */
export const CLIENT_ROLES: Dict = deepFreeze({
  caller: {
    features: {
      caller_identification: true,
      call_canceling: true,
      call_timeout: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
      payload_passthru_mode: true,
      sharded_registration: true,
    },
  },
  callee: {
    features: {
      caller_identification: true,
      call_canceling: true,
      call_timeout: true,
      // "Progressive Call Invocations" spells it with two l's; announce both spellings.
      call_cancelling: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
      pattern_based_registration: true,
      shared_registration: true,
      registration_revocation: true,
      call_trustlevels: true,
      payload_passthru_mode: true,
      sharded_registration: true,
    },
  },
  publisher: {
    features: {
      publisher_identification: true,
      publisher_exclusion: true,
      subscriber_blackwhite_listing: true,
      payload_passthru_mode: true,
      // The spec's spelling ("shareded"), and the one it surely means.
      shareded_subscriptions: true,
      sharded_subscription: true,
    },
  },
  subscriber: {
    features: {
      pattern_based_subscription: true,
      publisher_identification: true,
      subscription_revocation: true,
      publication_trustlevels: true,
      payload_passthru_mode: true,
      shareded_subscriptions: true,
      sharded_subscription: true,
      event_history: true,
    },
  },
});

/** The four client roles (basic profile "Client Roles"). */
export type ClientRole = 'caller' | 'callee' | 'publisher' | 'subscriber';

/** Options of the sans-IO {@link ClientSession}. */
export interface ClientSessionOptions {
  /**
   * The roles announced in HELLO.Details.roles, with the features of
   * {@link CLIENT_ROLES}; default all four. A command of a role not
   * announced (e.g. `publish()` without `publisher`) throws
   * {@link LocalProtocolError} `wamp.error.feature_not_supported`.
   */
  readonly roles?: readonly ClientRole[];
  /** Encodes every outbound frame and decodes every inbound one. */
  readonly serializer: Serializer;
  /** HELLO.Details.agent. */
  readonly agent?: string;
  /** Caps on inbound messages (STYLE: everything from the wire is hostile). */
  readonly limits?: Partial<Limits>;
  /** URI rule for inbound messages and for the application's URIs. Default `loose`. */
  readonly uriRule?: UriRule;
  /** Milliseconds from HELLO to WELCOME before the session aborts with `wamp.error.timeout`; 0 for none. Default 30000. */
  readonly joinTimeout?: number;
  /** Milliseconds to wait for the router's GOODBYE after ours; 0 for none. Default 5000. */
  readonly goodbyeTimeout?: number;
  /** Emit a `trace` event for every message in and out. */
  readonly trace?: boolean;
}

/** What to put in HELLO. */
export interface JoinParams {
  readonly realm: string;
  readonly authid?: string;
  readonly authrole?: string;
  readonly authmethods?: readonly string[];
  readonly authextra?: Dict;
  /**
   * More HELLO.Details keys (e.g. `transport` hints or a router's custom
   * keys), merged into the HELLO. The keys the session sets itself (`agent`,
   * `roles`, `authid`, `authrole`, `authmethods`, `authextra`) take
   * precedence.
   */
  readonly details?: Dict;
}

/** What the router's WELCOME said about the session, as {@link ClientSession.welcome} keeps it. */
export interface WelcomeInfo {
  /** WELCOME.Session: the session ID. */
  readonly session: number;
  /** The realm joined (HELLO.Realm). */
  readonly realm: string;
  /** WELCOME.Details as received: authid, authrole, authmethod, authprovider, authextra, roles, ... */
  readonly details: Dict;
  /** The router's roles (WELCOME.Details.roles). */
  readonly roles: RouterRoles;
  /** WELCOME.Details.authid: the authentication ID the router assigned. */
  readonly authid: string | undefined;
  /** WELCOME.Details.authrole: the role the router assigned. */
  readonly authrole: string | undefined;
  /** WELCOME.Details.authmethod: the authentication method that succeeded. */
  readonly authmethod: string | undefined;
}

/** Positional and keyword arguments of a request or answer, or one opaque payload in Payload Passthru Mode. */
export interface Arguments {
  readonly args?: Args;
  readonly kwargs?: KwArgs;
  /**
   * Payload Passthru Mode (advanced profile): sent instead of args/kwargs
   * (which must then be absent), with its `ppt_*` attributes in the
   * message's Options/Details. The router must announce
   * `payload_passthru_mode`.
   */
  readonly passthru?: Passthru;
}

/** An opaque payload and its Payload Passthru Mode attributes. */
export interface Passthru {
  /** The bytes (or string) the router forwards untouched. */
  readonly payload: Payload;
  /** `ppt_scheme`: the key management scheme (e.g. `wamp`, `mqtt`, `x_my_scheme`). */
  readonly scheme: string;
  /** `ppt_serializer`: how the payload was serialized (`cbor`, `json`, `mqtt`, ...). */
  readonly serializer?: string;
  /** `ppt_cipher`: the cipher, when the payload is encrypted (e.g. `xsalsa20poly1305`). */
  readonly cipher?: string;
  /** `ppt_keyid`: which key the payload was encrypted with. */
  readonly keyid?: string;
}

/** Options of `ClientSession.leave`. */
export interface LeaveOptions {
  /** GOODBYE.Reason; default `wamp.close.close_realm`. */
  readonly reason?: string;
  /** GOODBYE.Details.message. */
  readonly message?: string;
}

// ---------------------------------------------------------------------------
// State

/** @internal */
export type PendingRequest =
  | {
      readonly kind: 'call';
      readonly procedure: string;
      /** active → (CANCEL kill sent) killing; active|killing → abandoned on local cancel or timeout. */
      phase: 'active' | 'killing' | 'abandoned';
      readonly receiveProgress: boolean;
      /** The call's input is still open ("Progressive Call Invocations"). */
      sending: boolean;
      /** Milliseconds, 0 for none. */
      readonly timeout: number;
      /**
       * A CANCEL (`skip`/`killnowait`, or after a local timeout) went out:
       * the dealer's ERROR that follows is expected and dropped silently.
       */
      cancelSent?: boolean;
    }
  | { readonly kind: 'register'; readonly procedure: string }
  | { readonly kind: 'unregister'; readonly registration: number }
  | { readonly kind: 'subscribe'; readonly topic: string }
  | { readonly kind: 'unsubscribe'; readonly subscription: number }
  | { readonly kind: 'publish'; readonly topic: string };

interface RegistrationEntry {
  readonly procedure: string;
  phase: 'active' | 'unregistering';
}

interface SubscriptionEntry {
  readonly topic: string;
  phase: 'active' | 'unsubscribing';
}

/** @internal */
export interface InvocationEntry {
  readonly registration: number;
  readonly receiveProgress: boolean;
  /** More INVOCATION chunks are expected for this request. */
  receiving: boolean;
  /** INTERRUPT with mode `kill` received, or its timeout passed; the application still answers. */
  interrupted: boolean;
}

/** Everything an established session owns; it exists only while joined. */
/** @internal */
export interface Joined {
  readonly realm: string;
  readonly session: number;
  readonly details: Dict;
  readonly roles: RouterRoles;
  /** The last session-scope request ID this client used (they run from 1, basic profile "IDs"). */
  lastRequest: number;
  /** Every request awaiting its answer, keyed by request ID; the entry says which kind of request it is. */
  readonly requests: Map<number, PendingRequest>;
  readonly registrations: Map<number, RegistrationEntry>;
  readonly subscriptions: Map<number, SubscriptionEntry>;
  readonly invocations: Map<number, InvocationEntry>;
  /** The highest INVOCATION request ID seen; a continuation at or below it for a finished invocation is dropped. */
  invocationWatermark: number;
}

/** The session state: a tagged union, each state with its own data. */
export type ClientState =
  | { readonly tag: 'closed'; readonly close: CloseInfo | undefined }
  | { readonly tag: 'establishing'; readonly hello: Hello }
  | { readonly tag: 'challenging'; readonly hello: Hello; readonly challenge: Challenge }
  | { readonly tag: 'authenticating'; readonly hello: Hello }
  | { readonly tag: 'established'; readonly joined: Joined }
  | { readonly tag: 'shuttingDown'; readonly joined: Joined; readonly reason: string; readonly message: string | undefined };

/**
 * A call's deadline is keyed by its request ID; an invocation's (callee-side
 * call timeout) by the negated INVOCATION request ID, the two being
 * separate ID spaces.
 */
type DeadlineKey = 'join' | 'goodbye' | number;

const KIND_BY_REQUEST_TYPE: Readonly<Partial<Record<number, RequestKind>>> = {
  [MessageType.CALL]: 'call',
  [MessageType.REGISTER]: 'register',
  [MessageType.UNREGISTER]: 'unregister',
  [MessageType.SUBSCRIBE]: 'subscribe',
  [MessageType.UNSUBSCRIBE]: 'unsubscribe',
  [MessageType.PUBLISH]: 'publish',
};

export const EMPTY: Dict = Object.freeze({});
export const NO_ARGS: Args = Object.freeze([]);

/**
 * @internal What the callee side handles for a {@link LeanClientSession}:
 * the router messages of the callee role, and an invocation's deadline. The
 * session has it once {@link clientCallee} installed it (callee.ts), so that
 * an application that registers nothing carries none of it.
 */
export interface CalleeHandlers {
  onRegistered(j: Joined, msg: Registered): void;
  onUnregistered(j: Joined, msg: Unregistered): void;
  onInvocation(j: Joined, msg: Invocation, now: number | (() => number)): void;
  onInterrupt(j: Joined, msg: Interrupt): void;
  onInvocationTimeout(request: number): void;
}

/**
 * A client's WAMP session, without I/O: frames and commands go in, frames,
 * events and deadlines come out.
 *
 * **Inputs.** `handleMessage(frame, now)` for every frame from the router,
 * `handleTimeout(now)` when the deadline from `pollTimeout()` has passed,
 * `handleTransportClosed()` when the connection is gone, and the application
 * commands (`join`, `authenticate`, `call`, `register`, `subscribe`, `publish`,
 * `yield`, `leave`, ...). Time is always passed in, in milliseconds on any
 * monotonic scale.
 *
 * **Outputs, drained.** After *every* input call, in this order:
 * 1. `pollTransmit()` until it returns undefined, sending each frame;
 * 2. `pollEvent()` until it returns undefined, handling each event (handling
 *    may issue new commands; drain again after them);
 * 3. `pollTimeout()`, and (re-)arm one timer at that time (none when undefined).
 *
 * **Faults.** A command that the current state does not allow, or with bad
 * arguments, throws {@link LocalProtocolError} and changes nothing. Nothing
 * the router sends makes `handleMessage()` throw: a message that is
 * malformed, impossible in the current state, or about a request, invocation,
 * registration or subscription that does not exist, makes the session send
 * ABORT `wamp.error.protocol_violation` (with the reason in Details.message)
 * and close; every pending request then fails with {@link SessionClosedError}.
 * A late answer to a call that was cancelled or timed out locally is dropped
 * with a `warning` event.
 *
 * Every state change goes through {@link CLIENT_TRANSITIONS}.
 *
 * **The callee role is a module of its own.** `LeanClientSession` has no
 * `register`, `unregister`, `yield` or `yieldError`: {@link clientCallee}
 * gives them (and installs the handling of REGISTERED, UNREGISTERED,
 * INVOCATION and INTERRUPT), and {@link ClientSession} is this class with
 * them as methods. Until the callee side is installed, those messages are
 * refused as the full session refuses them when nothing is registered.
 */
export class LeanClientSession {
  #st: ClientState = { tag: 'closed', close: undefined };
  readonly #outbox: Frame[] = [];
  readonly #eventQueue: ClientEvent[] = [];
  /** @internal */
  readonly deadlines = new Deadlines<DeadlineKey>();
  readonly #serializer: Serializer;
  readonly #limits: Limits;
  /** @internal */
  readonly uriRule: UriRule;
  readonly #agent: string;
  readonly #joinTimeout: number;
  readonly #goodbyeTimeout: number;
  readonly #tracing: boolean;
  readonly #decodeOptions: DecodeOptions;
  /** The last WELCOME: kept after the session ended, until the next join. */
  #welcomed: WelcomeInfo | undefined = undefined;
  /** HELLO.Details.roles: the announced subset of CLIENT_ROLES. */
  readonly #roles: Dict;
  /** @internal The callee side (REGISTER, INVOCATION, YIELD, INTERRUPT), installed by {@link clientCallee}. */
  callee: CalleeHandlers | undefined = undefined;

  constructor(options: ClientSessionOptions) {
    this.#serializer = options.serializer;
    this.#limits = resolveLimits(options.limits);
    this.uriRule = options.uriRule ?? 'loose';
    this.#decodeOptions = Object.freeze({ limits: this.#limits, uriRule: this.uriRule });
    this.#agent = options.agent ?? '@wamp/core';
    this.#joinTimeout = options.joinTimeout ?? 30_000;
    this.#goodbyeTimeout = options.goodbyeTimeout ?? 5_000;
    this.#tracing = options.trace === true;
    this.#roles = options.roles === undefined ? CLIENT_ROLES : announcedRoles(options.roles);
  }

  /** The current state. */
  get state(): ClientState {
    return this.#st;
  }

  /**
   * What the router's WELCOME said (session ID, realm, details, roles,
   * authid, authrole, authmethod), from WELCOME on; it stays readable after
   * the session ended, until the next `join()`. Undefined before.
   */
  get welcome(): WelcomeInfo | undefined {
    return this.#welcomed;
  }

  /** The session ID while established or shutting down, else undefined. */
  get sessionId(): number | undefined {
    const st = this.#st;
    return st.tag === 'established' || st.tag === 'shuttingDown' ? st.joined.session : undefined;
  }

  // -------------------------------------------------------------------------
  // Output

  /** The next frame to send, or undefined. */
  pollTransmit(): Frame | undefined {
    return this.#outbox.shift();
  }

  /** The next event for the application, or undefined. */
  pollEvent(): ClientEvent | undefined {
    return this.#eventQueue.shift();
  }

  /** The earliest deadline (same time scale as `now`), or undefined when nothing waits on time. */
  pollTimeout(): number | undefined {
    return this.deadlines.earliest();
  }

  // -------------------------------------------------------------------------
  // Input from the router and the clock

  /**
   * One frame from the router. Never throws. `now` may be the clock itself,
   * read only when the message sets a deadline (a progressive RESULT or an
   * INVOCATION with a timeout): a subscriber's EVENTs then cost no clock
   * read each.
   */
  handleMessage(frame: Frame, now: number | (() => number)): void {
    let msg: Message;
    try {
      msg = decodeRouterMessage(this.#serializer, frame, this.#decodeOptions);
    } catch (e) {
      // A message only clients send is not decoded here (RECV_INVALID
      // whatever its fields), and is refused as any message out of place.
      const reason =
        e instanceof ClientOnlyMessage
          ? `${messageTypeName(e.code) ?? e.code} is not allowed in state ${this.#st.tag}`
          : e instanceof ProtocolViolation
            ? e.reason
            : `undecodable message (${String(e)})`;
      if (clientNextState(this.#st.tag, 'RECV_INVALID') === undefined) this.violate(reason);
      return;
    }
    if (this.#tracing) this.emit({ type: 'trace', direction: 'in', message: msg, text: formatMessage(msg) });
    const input = inputOf(msg);
    if (clientNextState(this.#st.tag, input) === undefined) {
      this.violate(`${messageTypeName(msg.type) ?? msg.type} is not allowed in state ${this.#st.tag}`);
      return;
    }
    const st = this.#st;
    // Every message is allowed in `closed` and ignored there: after ABORT or
    // GOODBYE a peer stops processing what the other side still sends.
    if (st.tag === 'closed') return;
    switch (msg.type) {
      case MessageType.WELCOME:
        return this.#onWelcome(msg);
      case MessageType.CHALLENGE:
        return this.#onChallenge(msg);
      case MessageType.ABORT:
        return this.#enterClosed('RECV_ABORT', {
          reason: msg.reason,
          message: stringOf(msg.details['message']),
          details: msg.details,
          initiator: 'router',
          wasJoined: st.tag === 'established' || st.tag === 'shuttingDown',
        });
      case MessageType.GOODBYE:
        return this.#onGoodbye(msg.reason, msg.details);
      default:
        // RECV_SESSION_MSG: processed when established; ignored while shutting
        // down (basic profile "Sessions", transition 14: "received other / ignore").
        if (st.tag === 'established') this.#onSessionMessage(st.joined, msg, now);
    }
  }

  /** Fire every deadline `<= now`. */
  handleTimeout(now: number): void {
    for (let key = this.deadlines.popExpired(now); key !== undefined; key = this.deadlines.popExpired(now)) {
      if (key === 'join') this.#onJoinTimeout();
      else if (key === 'goodbye') this.#onGoodbyeTimeout();
      else if (key < 0) this.callee?.onInvocationTimeout(-key);
      else this.#onCallTimeout(key);
    }
  }

  /** The transport closed (or was lost). Pending requests fail; the state becomes closed. */
  handleTransportClosed(): void {
    const st = this.#st;
    if (clientNextState(st.tag, 'TRANSPORT_CLOSED') === undefined || st.tag === 'closed') return;
    this.#enterClosed('TRANSPORT_CLOSED', {
      reason: TRANSPORT_LOST,
      message: 'the transport closed',
      details: EMPTY,
      initiator: 'transport',
      wasJoined: st.tag === 'established' || st.tag === 'shuttingDown',
    });
  }

  // -------------------------------------------------------------------------
  // Session commands

  /** Send HELLO (basic profile "HELLO"). Allowed in `closed`, so a session can be joined again after it ended. */
  join(params: JoinParams, now: number): void {
    this.#allow('SEND_HELLO', 'join');
    if (!isValidUri(params.realm, this.uriRule)) {
      throw new LocalProtocolError(ErrorUri.INVALID_URI, `invalid realm ${JSON.stringify(params.realm)}`);
    }
    const extra = params.details === undefined ? undefined : checkDict(params.details, 'details');
    const details: Record<string, unknown> = extra === undefined ? {} : { ...extra };
    details['agent'] = this.#agent;
    details['roles'] = this.#roles;
    if (params.authid !== undefined) details['authid'] = checkString(params.authid, 'authid');
    if (params.authrole !== undefined) details['authrole'] = checkString(params.authrole, 'authrole');
    if (params.authmethods !== undefined) {
      if (!Array.isArray(params.authmethods) || !params.authmethods.every((m) => typeof m === 'string')) {
        throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'authmethods must be a list of strings');
      }
      details['authmethods'] = params.authmethods;
    }
    if (params.authextra !== undefined) details['authextra'] = checkDict(params.authextra, 'authextra');
    const msg = hello(params.realm, details);
    const frame = this.encode(msg);
    this.deadlines.clear();
    this.#welcomed = undefined;
    this.#move('SEND_HELLO', { tag: 'establishing', hello: msg });
    if (this.#joinTimeout > 0) this.deadlines.set('join', now + this.#joinTimeout);
    this.transmit(frame, msg);
  }

  /** Answer the router's CHALLENGE (advanced profile "Authentication") with a signature computed by the application. */
  authenticate(signature: string, extra: Dict = EMPTY): void {
    this.#allow('SEND_AUTHENTICATE', 'authenticate');
    const st = this.#st;
    if (st.tag !== 'challenging') throw this.#notAllowed('authenticate');
    const msg = authenticateMsg(checkString(signature, 'signature'), checkDict(extra, 'extra'));
    const frame = this.encode(msg);
    this.#move('SEND_AUTHENTICATE', { tag: 'authenticating', hello: st.hello });
    this.transmit(frame, msg);
  }

  /**
   * Send GOODBYE and wait for the router's (basic profile "GOODBYE"). Pending
   * requests fail when the session closes; calls lose their local deadlines,
   * the goodbye deadline bounds the wait instead.
   */
  leave(options: LeaveOptions, now: number): void {
    this.#allow('SEND_GOODBYE', 'leave');
    const st = this.#st;
    if (st.tag !== 'established') throw this.#notAllowed('leave');
    const reason = options.reason ?? ErrorUri.CLOSE_REALM;
    if (!isValidUri(reason, this.uriRule)) {
      throw new LocalProtocolError(ErrorUri.INVALID_URI, `invalid GOODBYE reason ${JSON.stringify(reason)}`);
    }
    const message = options.message === undefined ? undefined : checkString(options.message, 'message');
    const msg = goodbye(reason, message === undefined ? EMPTY : { message });
    const frame = this.encode(msg);
    this.deadlines.clear();
    this.#move('SEND_GOODBYE', { tag: 'shuttingDown', joined: st.joined, reason, message });
    if (this.#goodbyeTimeout > 0) this.deadlines.set('goodbye', now + this.#goodbyeTimeout);
    this.transmit(frame, msg);
  }

  /**
   * Send ABORT and close at once, e.g. when the application cannot answer a
   * challenge or the router's WAMP-SCRAM verifier does not match.
   */
  abort(reason: string, message?: string): void {
    this.#allow('SEND_ABORT', 'abort');
    const st = this.#st;
    if (!isValidUri(reason, this.uriRule)) {
      throw new LocalProtocolError(ErrorUri.INVALID_URI, `invalid ABORT reason ${JSON.stringify(reason)}`);
    }
    const details = message === undefined ? EMPTY : { message: checkString(message, 'message') };
    const msg = abort(reason, details);
    this.transmit(this.encode(msg), msg);
    this.#enterClosed('SEND_ABORT', {
      reason,
      message,
      details,
      initiator: 'client',
      wasJoined: st.tag === 'established' || st.tag === 'shuttingDown',
    });
  }

  // -------------------------------------------------------------------------
  // Caller

  /**
   * Send CALL; returns its request ID. The outcome comes as a `result` or
   * `error` event with that ID, after any number of `progress` events.
   */
  call(procedure: string, payload: Arguments | undefined, options: CallRequestOptions | undefined, now: number): number {
    const j = this.established('call');
    this.requireOwnRole('caller', 'call');
    const dealer = requireRole(j.roles.dealer, 'dealer', 'call');
    checkUri(procedure, this.uriRule, 'procedure');
    const wire = callOptionsToWire(options);
    let dict = wire.dict;
    const progress = dict['progress'] === true;
    if (progress && !hasFeature(dealer, 'progressive_call_invocations')) {
      throw new LocalProtocolError(
        ErrorUri.FEATURE_NOT_SUPPORTED,
        'the dealer does not announce progressive_call_invocations (CALL.Options.progress)',
      );
    }
    const timeout = typeof dict['timeout'] === 'number' ? dict['timeout'] : 0;
    // The dealer enforces CALL.Options.timeout only if it announces call_timeout; the local deadline applies anyway.
    if (dict['timeout'] !== undefined && (timeout === 0 || !hasFeature(dealer, 'call_timeout'))) {
      const copy: Record<string, unknown> = { ...dict };
      delete copy['timeout'];
      dict = copy;
    }
    const args = checkArguments(payload);
    if (payload?.passthru !== undefined) dict = withPassthru(dict, payload.passthru, dealer, 'dealer');
    const id = this.request(
      j,
      (id) => callMsg(id, procedure, args, dict),
      { kind: 'call', procedure, phase: 'active', receiveProgress: dict['receive_progress'] === true, sending: progress, timeout },
      'CallRequestOptions',
      wire.unknown,
    );
    if (timeout > 0) this.deadlines.set(id, now + timeout);
    return id;
  }

  /**
   * Cancel a call (advanced profile "Call Canceling"). With `kill` the call
   * stays pending and ends with whatever the router answers; with `skip` and
   * `killnowait` (default), or when the dealer cannot cancel, it fails at once
   * with {@link CanceledError} and the router's late answer is dropped.
   * Returns false when the call had already ended.
   */
  cancel(request: number, mode: CancelMode = 'killnowait'): boolean {
    const j = this.established('cancel');
    if (mode !== 'skip' && mode !== 'kill' && mode !== 'killnowait') {
      throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'cancel mode must be one of skip, kill, killnowait');
    }
    const p = j.requests.get(request);
    if (p === undefined) {
      if (isId(request) && request <= j.lastRequest) return false;
      throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `no call with request ID ${request}`);
    }
    if (p.kind !== 'call') {
      throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `request ${request} is a ${p.kind}, not a call`);
    }
    if (p.phase === 'abandoned') return false;
    const canCancel = dealerCancels(j);
    if (canCancel && p.phase === 'active') {
      const msg = cancelMsg(request, { mode });
      this.transmit(this.encode(msg), msg);
      p.cancelSent = true;
    }
    if (mode === 'kill' && canCancel) {
      p.phase = 'killing';
      return true;
    }
    this.#abandon(j, request, p, new CanceledError(`call to ${p.procedure} cancelled (${mode})`));
    return true;
  }

  // -------------------------------------------------------------------------
  // Subscriber and publisher

  /** Send SUBSCRIBE; returns its request ID. Answered by a `subscribed` or `error` event. */
  subscribe(topic: string, options?: SubscribeOptions): number {
    const j = this.established('subscribe');
    this.requireOwnRole('subscriber', 'subscribe');
    requireRole(j.roles.broker, 'broker', 'subscribe');
    const wire = subscribeOptionsToWire(options);
    const match = (wire.dict['match'] as MatchPolicy | undefined) ?? 'exact';
    if (!isValidPattern(topic, match, this.uriRule)) {
      throw new LocalProtocolError(ErrorUri.INVALID_URI, `invalid ${match} topic ${JSON.stringify(topic)}`);
    }
    return this.request(j, (id) => subscribeMsg(id, topic, wire.dict), { kind: 'subscribe', topic }, 'SubscribeOptions', wire.unknown);
  }

  /** Send UNSUBSCRIBE; returns its request ID. Events that still arrive for the subscription are dropped. */
  unsubscribe(subscription: number): number {
    const j = this.established('unsubscribe');
    const sub = j.subscriptions.get(subscription);
    if (sub === undefined || sub.phase !== 'active') {
      throw new LocalProtocolError(ErrorUri.NO_SUCH_SUBSCRIPTION, `no active subscription ${subscription}`);
    }
    const id = this.request(j, (id) => unsubscribeMsg(id, subscription), { kind: 'unsubscribe', subscription });
    sub.phase = 'unsubscribing';
    return id;
  }

  /**
   * Send PUBLISH; returns its request ID. With `acknowledge` the broker
   * answers and a `published` or `error` event follows; without, nothing does.
   */
  publish(topic: string, payload?: Arguments, options?: PublishOptions): number {
    const j = this.established('publish');
    this.requireOwnRole('publisher', 'publish');
    requireRole(j.roles.broker, 'broker', 'publish');
    checkUri(topic, this.uriRule, 'topic');
    const wire = publishOptionsToWire(options);
    const args = checkArguments(payload);
    const dict = payload?.passthru !== undefined ? withPassthru(wire.dict, payload.passthru, j.roles.broker, 'broker') : wire.dict;
    // Only an acknowledged publication awaits an answer (basic profile "PUBLISHED").
    const pending: PendingRequest | undefined = wire.dict['acknowledge'] === true ? { kind: 'publish', topic } : undefined;
    return this.request(j, (id) => publishMsg(id, topic, args, dict), pending, 'PublishOptions', wire.unknown);
  }

  // -------------------------------------------------------------------------
  // Router messages

  #onWelcome(msg: Welcome): void {
    const st = this.#st;
    if (st.tag !== 'establishing' && st.tag !== 'authenticating') return this.violate(`WELCOME in state ${st.tag}`);
    const roles = msg.details['roles'];
    if (!isDict(roles)) return this.violate('WELCOME.Details.roles is missing');
    const dealer = roles['dealer'];
    const broker = roles['broker'];
    if (!isDict(dealer) && !isDict(broker)) {
      return this.violate('WELCOME.Details.roles announces neither a broker nor a dealer');
    }
    const joined: Joined = {
      realm: st.hello.realm,
      session: msg.session,
      details: msg.details,
      roles: { dealer: isDict(dealer) ? dealer : undefined, broker: isDict(broker) ? broker : undefined },
      lastRequest: 0,
      requests: new Map(),
      registrations: new Map(),
      subscriptions: new Map(),
      invocations: new Map(),
      invocationWatermark: 0,
    };
    this.deadlines.delete('join');
    this.#welcomed = {
      session: msg.session,
      realm: joined.realm,
      details: msg.details,
      roles: joined.roles,
      authid: stringOf(msg.details['authid']),
      authrole: stringOf(msg.details['authrole']),
      authmethod: stringOf(msg.details['authmethod']),
    };
    this.#move('RECV_WELCOME', { tag: 'established', joined });
    this.emit({ type: 'joined', session: msg.session, realm: joined.realm, details: msg.details, roles: joined.roles });
  }

  #onChallenge(msg: Challenge): void {
    const st = this.#st;
    if (st.tag !== 'establishing' && st.tag !== 'authenticating') return this.violate(`CHALLENGE in state ${st.tag}`);
    this.#move('RECV_CHALLENGE', { tag: 'challenging', hello: st.hello, challenge: msg });
    this.emit({ type: 'challenge', authMethod: msg.authMethod, extra: msg.extra });
  }

  #onGoodbye(reason: string, details: Dict): void {
    const st = this.#st;
    if (st.tag === 'established') {
      // Basic profile "GOODBYE": the receiving peer replies, then the session is over.
      const reply = goodbye(ErrorUri.GOODBYE_AND_OUT);
      this.transmit(this.encode(reply), reply);
      this.#enterClosed('RECV_GOODBYE', { reason, message: stringOf(details['message']), details, initiator: 'router', wasJoined: true });
    } else if (st.tag === 'shuttingDown') {
      this.#enterClosed('RECV_GOODBYE', { reason: st.reason, message: st.message, details, initiator: 'client', wasJoined: true, routerReason: reason });
    } else {
      this.violate(`GOODBYE in state ${st.tag}`);
    }
  }

  #onSessionMessage(j: Joined, msg: Message, now: number | (() => number)): void {
    switch (msg.type) {
      case MessageType.RESULT:
        return this.#onResult(j, msg, now);
      case MessageType.ERROR:
        return this.#onError(j, msg);
      case MessageType.REGISTERED:
        if (this.callee !== undefined) return this.callee.onRegistered(j, msg);
        // Without the callee side this session sent no REGISTER: a violation, as pendingFor() says.
        this.pendingFor(j, msg.request, 'register', 'REGISTERED');
        return;
      case MessageType.UNREGISTERED:
        if (this.callee !== undefined) return this.callee.onUnregistered(j, msg);
        if (msg.request === 0) return this.unknownRegistration('UNREGISTERED revokes', msg.details?.['registration']);
        this.pendingFor(j, msg.request, 'unregister', 'UNREGISTERED');
        return;
      case MessageType.SUBSCRIBED:
        return this.#onSubscribed(j, msg);
      case MessageType.UNSUBSCRIBED:
        return this.#onUnsubscribed(j, msg);
      case MessageType.PUBLISHED:
        return this.#onPublished(j, msg);
      case MessageType.EVENT:
        return this.#onEvent(j, msg);
      case MessageType.INVOCATION:
        if (this.callee !== undefined) return this.callee.onInvocation(j, msg, now);
        return this.unknownRegistration('INVOCATION for', msg.registration);
      case MessageType.INTERRUPT:
        if (this.callee !== undefined) return this.callee.onInterrupt(j, msg);
        return this.unknownInvocation(msg.request);
      default:
        // inputOf() sends every other type to RECV_INVALID, which `established` does not accept.
        return this.violate(`${messageTypeName(msg.type) ?? msg.type} is not allowed in state established`);
    }
  }

  /**
   * The pending request an answer refers to, if it is of the expected kind.
   * Otherwise the router answered a request that does not exist (or is not
   * pending, or is of another kind): a protocol violation.
   * @internal
   */
  pendingFor<K extends RequestKind>(
    j: Joined,
    request: number,
    kind: K,
    what: string,
  ): Extract<PendingRequest, { kind: K }> | undefined {
    const p = j.requests.get(request);
    if (p === undefined) {
      this.violate(
        request > j.lastRequest
          ? `${what} for request ${request}, which was never sent`
          : `${what} for request ${request}, which is not pending`,
      );
      return undefined;
    }
    if (p.kind !== kind) {
      this.violate(`${what} for request ${request}, which is a ${p.kind}`);
      return undefined;
    }
    return p as Extract<PendingRequest, { kind: K }>;
  }

  #onResult(j: Joined, msg: Result, now: number | (() => number)): void {
    const p = this.pendingFor(j, msg.request, 'call', 'RESULT');
    if (p === undefined) return;
    const progress = msg.details['progress'] === true;
    if (p.phase === 'abandoned') {
      if (!progress) j.requests.delete(msg.request);
      this.warn(`late RESULT for call ${msg.request} (${p.procedure}) dropped: the call was cancelled or timed out`);
      return;
    }
    if (progress) {
      if (!p.receiveProgress) {
        return this.violate(`progressive RESULT for call ${msg.request}, which did not ask for progressive results`);
      }
      // Advanced profile "Progressive Call Results", "Timeouts": the timeout runs between results.
      if (p.timeout > 0) this.deadlines.set(msg.request, timeOf(now) + p.timeout);
      this.emit(withDelivered({ type: 'progress', request: msg.request, details: msg.details }, msg));
      return;
    }
    j.requests.delete(msg.request);
    this.deadlines.delete(msg.request);
    this.emit(withDelivered({ type: 'result', request: msg.request, details: msg.details }, msg));
  }

  #onError(j: Joined, msg: ErrorMsg): void {
    if (msg.requestType === MessageType.CANCEL) {
      // The dealer refused a CANCEL; the call itself is still answered on its own.
      const p = j.requests.get(msg.request);
      if (p === undefined && msg.request > j.lastRequest) {
        return this.violate(`ERROR for CANCEL of request ${msg.request}, which was never sent`);
      }
      this.warn(`the router refused to cancel call ${msg.request}: ${msg.error}`);
      return;
    }
    const kind = KIND_BY_REQUEST_TYPE[msg.requestType];
    if (kind === undefined) {
      return this.violate(`ERROR for a ${messageTypeName(msg.requestType) ?? msg.requestType}, which a router never answers`);
    }
    const p = this.pendingFor(j, msg.request, kind, `ERROR for ${messageTypeName(msg.requestType)}`);
    if (p === undefined) return;
    j.requests.delete(msg.request);
    if (p.kind === 'call') {
      this.deadlines.delete(msg.request);
      if (p.phase === 'abandoned') {
        // After a CANCEL the dealer answers with ERROR by design (skip, killnowait): nothing to report.
        if (p.cancelSent === true) return;
        this.warn(`late ERROR ${msg.error} for call ${msg.request} (${p.procedure}) dropped: the call was cancelled or timed out`);
        return;
      }
    } else if (p.kind === 'unregister') {
      const reg = j.registrations.get(p.registration);
      if (reg !== undefined) reg.phase = 'active';
    } else if (p.kind === 'unsubscribe') {
      const sub = j.subscriptions.get(p.subscription);
      if (sub !== undefined) sub.phase = 'active';
    }
    const error = new WampError(msg.error, msg.args ?? NO_ARGS, msg.kwargs ?? EMPTY);
    this.emit({ type: 'error', request: msg.request, kind, error, details: msg.details, ...(msg.payload === undefined ? {} : { payload: msg.payload }) });
  }

  #onSubscribed(j: Joined, msg: Subscribed): void {
    const p = this.pendingFor(j, msg.request, 'subscribe', 'SUBSCRIBED');
    if (p === undefined) return;
    j.requests.delete(msg.request);
    // Subscribing again to a topic yields the same subscription ID (basic
    // profile "SUBSCRIBED"); the application may hold several handlers on it.
    // If that ID is being unsubscribed, the UNSUBSCRIBE sent after this
    // SUBSCRIBE will end it, so it stays as it is.
    if (!j.subscriptions.has(msg.subscription)) {
      j.subscriptions.set(msg.subscription, { topic: p.topic, phase: 'active' });
    }
    this.emit({ type: 'subscribed', request: msg.request, subscription: msg.subscription, topic: p.topic });
  }

  #onUnsubscribed(j: Joined, msg: Unsubscribed): void {
    if (msg.request === 0) {
      // Advanced profile "Subscription Revocation": [UNSUBSCRIBED, 0, {subscription, reason}].
      const subscription = msg.details?.['subscription'];
      if (!isId(subscription) || !j.subscriptions.has(subscription)) {
        return this.violate(`UNSUBSCRIBED revokes subscription ${String(subscription)}, which this session does not hold`);
      }
      j.subscriptions.delete(subscription);
      this.emit({ type: 'subscriptionRevoked', subscription, reason: stringOf(msg.details?.['reason']) });
      return;
    }
    const p = this.pendingFor(j, msg.request, 'unsubscribe', 'UNSUBSCRIBED');
    if (p === undefined) return;
    j.requests.delete(msg.request);
    j.subscriptions.delete(p.subscription);
    this.emit({ type: 'unsubscribed', request: msg.request, subscription: p.subscription });
  }

  #onPublished(j: Joined, msg: Published): void {
    const p = this.pendingFor(j, msg.request, 'publish', 'PUBLISHED');
    if (p === undefined) return;
    j.requests.delete(msg.request);
    this.emit({ type: 'published', request: msg.request, publication: msg.publication });
  }

  #onEvent(j: Joined, msg: Event): void {
    const sub = j.subscriptions.get(msg.subscription);
    if (sub === undefined) return this.violate(`EVENT for subscription ${msg.subscription}, which this session does not hold`);
    // Events the broker dispatched before it saw our UNSUBSCRIBE.
    if (sub.phase === 'unsubscribing') return;
    const d = msg.details;
    const topic = stringOf(d['topic']) ?? sub.topic;
    // One literal per case (the fields of withPublisher and withDelivered): an event per
    // EVENT is the hot path of a subscriber, and adding fields one by one reshapes the object.
    const publisher = d['publisher'];
    if (msg.payload === undefined) {
      this.emit({
        type: 'event',
        subscription: msg.subscription,
        publication: msg.publication,
        topic,
        details: d,
        publisher: typeof publisher === 'number' ? publisher : undefined,
        publisherAuthid: stringOf(d['publisher_authid']),
        publisherAuthrole: stringOf(d['publisher_authrole']),
        retained: d['retained'] === true,
        trustlevel: levelOf(d['trustlevel']),
        args: msg.args ?? NO_ARGS,
        kwargs: msg.kwargs ?? EMPTY,
      });
      return;
    }
    this.emit(withDelivered(withPublisher({ type: 'event', subscription: msg.subscription, publication: msg.publication, topic, details: d }, d), msg));
  }

  // -------------------------------------------------------------------------
  // Deadlines

  #onJoinTimeout(): void {
    if (clientNextState(this.#st.tag, 'JOIN_TIMEOUT') === undefined) return;
    const message = `no WELCOME within ${this.#joinTimeout} ms`;
    const msg = abort(ErrorUri.TIMEOUT, { message });
    this.transmit(this.encode(msg), msg);
    this.#enterClosed('JOIN_TIMEOUT', { reason: ErrorUri.TIMEOUT, message, details: msg.details, initiator: 'client', wasJoined: false });
  }

  #onGoodbyeTimeout(): void {
    const st = this.#st;
    if (clientNextState(st.tag, 'GOODBYE_TIMEOUT') === undefined || st.tag !== 'shuttingDown') return;
    this.warn(`the router did not answer GOODBYE within ${this.#goodbyeTimeout} ms`);
    this.#enterClosed('GOODBYE_TIMEOUT', { reason: st.reason, message: st.message, details: EMPTY, initiator: 'client', wasJoined: true });
  }

  #onCallTimeout(request: number): void {
    const st = this.#st;
    if (clientNextState(st.tag, 'CALL_TIMEOUT') === undefined || st.tag !== 'established') return;
    const j = st.joined;
    const p = j.requests.get(request);
    if (p === undefined || p.kind !== 'call' || p.phase === 'abandoned') return;
    const dealer = j.roles.dealer;
    // Ask the dealer to stop the callee, unless it runs the same timeout itself ("Call Timeouts").
    if (p.phase === 'active' && dealerCancels(j) && !hasFeature(dealer, 'call_timeout')) {
      const msg = cancelMsg(request, { mode: 'killnowait' });
      this.transmit(this.encode(msg), msg);
      p.cancelSent = true;
    }
    this.#abandon(j, request, p, new RequestTimeoutError(`call to ${p.procedure} timed out after ${p.timeout} ms`));
  }

  // -------------------------------------------------------------------------
  // Helpers

  /**
   * Send one request of an established session (CALL, REGISTER, UNREGISTER,
   * SUBSCRIBE, UNSUBSCRIBE, PUBLISH) under the next session-scope request ID,
   * and record what it awaits. The message is serialized before anything
   * changes, so a payload the serializer refuses leaves the session as it was.
   * @internal
   */
  request(
    j: Joined,
    build: (id: number) => Message,
    pending: PendingRequest | undefined,
    optionsName?: string,
    unknownOptions?: readonly string[],
  ): number {
    // Session scope IDs run from 1 and wrap after 2^53 (basic profile "IDs").
    const id = j.lastRequest >= MAX_ID ? 1 : j.lastRequest + 1;
    const msg = build(id);
    const frame = this.encode(msg);
    j.lastRequest = id;
    if (pending !== undefined) j.requests.set(id, pending);
    if (unknownOptions !== undefined && unknownOptions.length > 0) this.warnUnknown(optionsName ?? 'options', unknownOptions);
    this.transmit(frame, msg);
    return id;
  }

  /** A call fails locally; its entry stays until the router's final answer, which is then dropped. */
  #abandon(j: Joined, request: number, p: PendingRequest & { kind: 'call' }, error: WampError): void {
    p.phase = 'abandoned';
    this.deadlines.delete(request);
    this.emit({ type: 'error', request, kind: 'call', error, details: EMPTY });
  }

  /**
   * Throw unless the table allows `input` (an application command) in the
   * current state. The command then changes the state only through
   * {@link move}, which checks the same cell again.
   */
  #allow(input: ClientInput, command: string): void {
    if (clientNextState(this.#st.tag, input) === undefined) throw this.#notAllowed(command);
  }

  /**
   * The one place the state changes: `next` must be the state the table gives
   * for `input` in the current state. Anything else is a bug here, not a
   * fault of the router or the application.
   */
  #move(input: ClientInput, next: ClientState): void {
    const to = clientNextState(this.#st.tag, input);
    if (to !== next.tag) throw new Error(`client session: no transition ${this.#st.tag} --${input}--> ${next.tag}`);
    this.#st = next;
  }

  /** @internal Throw unless HELLO announced `role`: the router may refuse, or not expect, what a role not announced does. */
  requireOwnRole(role: ClientRole, command: string): void {
    if (this.#roles === CLIENT_ROLES || this.#roles[role] !== undefined) return;
    throw new LocalProtocolError(ErrorUri.FEATURE_NOT_SUPPORTED, `${command}(): this session did not announce the ${role} role`);
  }

  #notAllowed(command: string): LocalProtocolError {
    return new LocalProtocolError(ErrorUri.PROTOCOL_VIOLATION, `${command}() is not allowed in state ${this.#st.tag}`);
  }

  /** @internal The joined data for a request command; the table allows SEND_REQUEST only when established. */
  established(command: string): Joined {
    this.#allow('SEND_REQUEST', command);
    const st = this.#st;
    if (st.tag !== 'established') throw this.#notAllowed(command);
    return st.joined;
  }

  /** @internal The joined data for an answer to an invocation, or undefined when the table says to drop it. */
  joinedForReply(command: string): Joined | undefined {
    this.#allow('SEND_REPLY', command);
    const st = this.#st;
    return st.tag === 'established' ? st.joined : undefined;
  }

  /** @internal A message names a registration this session does not hold: a violation. */
  unknownRegistration(what: string, registration: unknown): void {
    this.violate(`${what} registration ${String(registration)}, which this session does not hold`);
  }

  /** @internal An INTERRUPT names an invocation this session never received: a violation. */
  unknownInvocation(request: number): void {
    this.violate(`INTERRUPT for invocation ${request}, which was never received`);
  }

  /** @internal The router broke the protocol: ABORT with the reason, then close. */
  violate(reason: string): void {
    const st = this.#st;
    const details = { message: reason };
    const msg = abort(ErrorUri.PROTOCOL_VIOLATION, details);
    this.transmit(this.encode(msg), msg);
    this.#enterClosed('SEND_ABORT', {
      reason: ErrorUri.PROTOCOL_VIOLATION,
      message: reason,
      details,
      initiator: 'client',
      wasJoined: st.tag === 'established' || st.tag === 'shuttingDown',
    });
  }

  /**
   * Enter `closed`: every pending request fails with SessionClosedError (in
   * request order), every running invocation is interrupted, then `closed`.
   */
  #enterClosed(input: ClientInput, info: CloseInfo): void {
    const st = this.#st;
    if (st.tag === 'established' || st.tag === 'shuttingDown') {
      const j = st.joined;
      const error = new SessionClosedError(info.reason, info.initiator, info.details, info.message);
      for (const [request, p] of j.requests) {
        if (p.kind === 'call' && p.phase === 'abandoned') continue;
        this.emit({ type: 'error', request, kind: p.kind, error, details: EMPTY });
      }
      for (const request of j.invocations.keys()) {
        this.emit({ type: 'interrupt', request, mode: 'killnowait', reason: info.reason });
      }
    }
    this.deadlines.clear();
    this.#move(input, { tag: 'closed', close: info });
    this.emit({ type: 'closed', ...info });
  }

  /**
   * Serialize before changing any state, so that a payload the serializer
   * refuses is the application's error and leaves the session as it was.
   * @internal
   */
  encode(msg: Message): Frame {
    try {
      return encodeMessage(this.#serializer, msg);
    } catch (e) {
      throw new LocalProtocolError(
        ErrorUri.INVALID_ARGUMENT,
        `cannot serialize ${messageTypeName(msg.type)} with ${this.#serializer.name}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  /** @internal */
  transmit(frame: Frame, msg: Message): void {
    this.#outbox.push(frame);
    if (this.#tracing) this.emit({ type: 'trace', direction: 'out', message: msg, text: formatMessage(msg) });
  }

  /** @internal */
  emit(event: ClientEvent): void {
    this.#eventQueue.push(event);
  }

  /** @internal */
  warn(message: string): void {
    this.emit({ type: 'warning', message });
  }

  /** @internal */
  warnUnknown(what: string, keys: readonly string[]): void {
    for (const key of keys) this.warn(`unknown option ${what}.${key} ignored`);
  }
}

// ---------------------------------------------------------------------------

function inputOf(msg: Message): ClientInput {
  switch (msg.type) {
    case MessageType.WELCOME:
      return 'RECV_WELCOME';
    case MessageType.CHALLENGE:
      return 'RECV_CHALLENGE';
    case MessageType.ABORT:
      return 'RECV_ABORT';
    case MessageType.GOODBYE:
      return 'RECV_GOODBYE';
    case MessageType.ERROR:
    case MessageType.RESULT:
    case MessageType.REGISTERED:
    case MessageType.UNREGISTERED:
    case MessageType.SUBSCRIBED:
    case MessageType.UNSUBSCRIBED:
    case MessageType.PUBLISHED:
    case MessageType.EVENT:
    case MessageType.INVOCATION:
    case MessageType.INTERRUPT:
      return 'RECV_SESSION_MSG';
    default:
      // HELLO, AUTHENTICATE, CALL, YIELD, PUBLISH, ...: only a client sends these.
      return 'RECV_INVALID';
  }
}

/**
 * Add the payload of `msg` to a fresh event object. (Setting the fields
 * rather than spreading a second object saves an allocation and a copy per
 * message; the fields come last either way.)
 */
export function withDelivered<T extends object>(event: T, msg: Payloaded): T & Delivered {
  const out = event as T & { args: Args; kwargs: KwArgs; payload?: Payload };
  if (msg.payload !== undefined) {
    out.args = NO_ARGS;
    out.kwargs = EMPTY;
    out.payload = msg.payload;
  } else {
    out.args = msg.args ?? NO_ARGS;
    out.kwargs = msg.kwargs ?? EMPTY;
  }
  return out;
}

type PublisherFields = Pick<PublicationEvent, 'publisher' | 'publisherAuthid' | 'publisherAuthrole' | 'retained' | 'trustlevel'>;

/** The same for EVENT.Details ("Publisher Identification", "Event Retention", "Publication Trust Levels"). */
function withPublisher<T extends object>(event: T, d: Dict): T & PublisherFields {
  const out = event as T & { -readonly [K in keyof PublisherFields]: PublisherFields[K] };
  const publisher = d['publisher'];
  out.publisher = typeof publisher === 'number' ? publisher : undefined;
  out.publisherAuthid = stringOf(d['publisher_authid']);
  out.publisherAuthrole = stringOf(d['publisher_authrole']);
  out.retained = d['retained'] === true;
  out.trustlevel = levelOf(d['trustlevel']);
  return out;
}

/** @internal `now` of `handleMessage`: the time, or the clock to read it from. */
export function timeOf(now: number | (() => number)): number {
  return typeof now === 'number' ? now : now();
}

/** A trust level: a non-negative integer (advanced profile, "Trust Levels"). */
export function levelOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function hasFeature(role: Dict | undefined, feature: string): boolean {
  const features = role?.['features'];
  return isDict(features) && features[feature] === true;
}

function dealerCancels(j: Joined): boolean {
  return hasFeature(j.roles.dealer, 'call_canceling') || hasFeature(j.roles.dealer, 'call_cancelling');
}

export function requireRole(role: Dict | undefined, name: string, command: string): Dict {
  if (role === undefined) {
    throw new LocalProtocolError(ErrorUri.FEATURE_NOT_SUPPORTED, `${command}(): the router has no ${name} role`);
  }
  return role;
}

export function checkUri(uri: unknown, rule: UriRule, what: string): void {
  if (!isValidUri(uri, rule)) throw new LocalProtocolError(ErrorUri.INVALID_URI, `invalid ${what} URI ${JSON.stringify(uri)}`);
}

function checkString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `${what} must be a string`);
  return v;
}

export function checkDict(v: unknown, what: string): Dict {
  if (!isDict(v)) throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `${what} must be a dictionary`);
  return v;
}

export function checkArguments(p: Arguments | undefined): Arguments | { readonly payload: Payload } | undefined {
  if (p === undefined) return undefined;
  if (typeof p !== 'object' || p === null) throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'the payload must be an object');
  const ppt = p.passthru;
  if (ppt !== undefined) {
    if (p.args !== undefined || p.kwargs !== undefined) {
      throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'a passthru payload replaces args and kwargs, which must be absent');
    }
    if (typeof ppt !== 'object' || ppt === null) throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'passthru must be an object');
    if (typeof ppt.payload !== 'string' && !(ppt.payload instanceof Uint8Array)) {
      throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'passthru.payload must be a Uint8Array or a string');
    }
    if (typeof ppt.scheme !== 'string' || ppt.scheme.length === 0) {
      throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'passthru.scheme must be a non-empty string');
    }
    for (const k of ['serializer', 'cipher', 'keyid'] as const) {
      if (ppt[k] !== undefined && typeof ppt[k] !== 'string') throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `passthru.${k} must be a string`);
    }
    return { payload: ppt.payload };
  }
  if (p.args !== undefined && !Array.isArray(p.args)) {
    throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'args must be a list');
  }
  if (p.kwargs !== undefined) checkDict(p.kwargs, 'kwargs');
  return { args: p.args, kwargs: p.kwargs };
}

/**
 * Options/Details with the `ppt_*` attributes of `p` added. Throws when the
 * router role does not announce `payload_passthru_mode` (the spec makes
 * sending it then a protocol violation).
 */
export function withPassthru(dict: Dict, p: Passthru, role: Dict | undefined, name: string): Dict {
  if (!hasFeature(role, 'payload_passthru_mode')) {
    throw new LocalProtocolError(ErrorUri.FEATURE_NOT_SUPPORTED, `the ${name} does not announce payload_passthru_mode`);
  }
  const out: Record<string, unknown> = { ...dict, ppt_scheme: p.scheme };
  if (p.serializer !== undefined) out['ppt_serializer'] = p.serializer;
  if (p.cipher !== undefined) out['ppt_cipher'] = p.cipher;
  if (p.keyid !== undefined) out['ppt_keyid'] = p.keyid;
  return out;
}

const ALL_ROLES: readonly ClientRole[] = ['caller', 'callee', 'publisher', 'subscriber'];

/** HELLO.Details.roles for the roles asked for; throws on an unknown role or none at all. */
function announcedRoles(roles: readonly ClientRole[]): Dict {
  if (!Array.isArray(roles) || roles.length === 0) {
    throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'roles must list at least one of caller, callee, publisher, subscriber');
  }
  const out: Record<string, unknown> = {};
  for (const role of roles) {
    if (!ALL_ROLES.includes(role)) throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `unknown client role ${JSON.stringify(role)}`);
    out[role] = CLIENT_ROLES[role];
  }
  return Object.freeze(out);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const inner of Object.values(v)) deepFreeze(inner);
    Object.freeze(v);
  }
  return v;
}
