/**
 * One client connection as the router sees it: a sans-IO state machine
 * driven by {@link ROUTER_TRANSITIONS}. Created by `Router.openSession()`;
 * see the {@link Router} class doc for the call order.
 *
 * Layer 4 of the router (see `router.ts`): the session reaches the router
 * and the handshake only through its {@link SessionHost}, and declares the
 * router events (they carry the session); `router.ts` re-exports them.
 */

import { decodeMessage, encodeMessage, type DecodeOptions } from '../wire/index.js';
import { ErrorUri, InvalidUriViolation, ProtocolViolation } from '../errors.js';
import { MessageType, abort, error, goodbye, messageTypeName, type Authenticate, type ErrorRequestType, type Hello, type Message } from '../wire/messages.js';
import type { Serializer, SerializerName } from '../wire/serializers/serializer.js';
import type { Dict, Frame } from '../types.js';
import type { HasDeadline } from '../deadlines.js';
import type { AuthRequest, Handshake } from './handshake-state.js';
import type { PeerIdentity, SessionInfo, TransportKind } from './peer-info.js';
import { transportDetails, type Peer, type PeerSession, type RouterServices } from './peer.js';
import type { Realm } from './realm.js';
import { peerAddress, type AuthThrottle } from './throttle.js';
import { routerNextState, type RouterInput } from './transitions.js';

export type { SessionInfo, TransportKind } from './peer-info.js';

/** A session was welcomed into a realm. */
export interface SessionJoinedEvent {
  readonly type: 'session_joined';
  readonly session: RouterSession;
  readonly sessionId: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly authprovider: string;
  readonly transport: TransportKind;
  readonly serializer: SerializerName;
}

/** A joined session left its realm (GOODBYE, ABORT, transport loss, violation, kill). */
export interface SessionLeftEvent {
  readonly type: 'session_left';
  readonly session: RouterSession;
  readonly sessionId: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly transport: TransportKind;
  readonly serializer: SerializerName;
  /** The close reason URI. */
  readonly reason: string;
}

/** A session was refused before WELCOME (ABORT): unknown realm, failed authentication, no such role, ... */
export interface SessionRefusedEvent {
  readonly type: 'session_refused';
  readonly session: RouterSession;
  /** HELLO.Realm, when a HELLO was received. */
  readonly realm: string | undefined;
  /** HELLO.Details.authid, when the client gave one. */
  readonly authid: string | undefined;
  /** The authentication method chosen, when the refusal came after the choice. */
  readonly authmethod: string | undefined;
  /** The peer address of the transport (`SessionInfo.peer`), when known. */
  readonly peer: string | undefined;
  readonly reason: string;
  readonly message: string | undefined;
}

/**
 * Authentication needs asynchronous work: run `request` (see
 * {@link Router.runAuth}) and apply the verdict with
 * {@link Router.completeAuthentication}.
 */
export interface AuthenticateEvent {
  readonly type: 'authenticate';
  readonly session: RouterSession;
  readonly request: AuthRequest;
}

/** What a {@link RouterWarningEvent} is about. */
export type RouterWarningCode =
  /** A client broke the protocol; its session was aborted. */
  | 'protocol_violation'
  /** A dynamic authenticator procedure has no trusted callee. */
  | 'authenticator_unavailable'
  /** A dynamic authenticator answered something that is not a principal. */
  | 'authenticator_result'
  /** Cluster: a node was lost, or another node sent something this node cannot apply. */
  | 'cluster'
  /** A realm's event history reached its topic cap and forgot the least recently published topic. */
  | 'history_topics_exceeded'
  /** Brute-force throttling locked an authid or a peer address out for a while. */
  | 'auth_lockout'
  /** The embedder's message interceptor threw; the message was refused (`wamp.error.runtime_error`). */
  | 'interceptor_failed'
  /** The cookie store of cookie authentication is full: the oldest cookie was forgotten. */
  | 'auth_cookies_full';

/** Something the operator may want to log. */
export interface RouterWarningEvent {
  readonly type: 'warning';
  readonly code: RouterWarningCode;
  readonly message: string;
  readonly session: RouterSession | undefined;
  readonly sessionId: number | undefined;
}

/** What `Router.pollEvent()` returns: a tagged union on `type`. */
export type RouterEvent = SessionJoinedEvent | SessionLeftEvent | SessionRefusedEvent | AuthenticateEvent | RouterWarningEvent;

/**
 * An interceptor's refusal of one client message (see {@link MessageInterceptor}).
 */
export interface Refusal {
  /** The error URI (ERROR.Error, or the ABORT/GOODBYE reason when the session is closed). */
  readonly error: string;
  /** A readable reason: ERROR.Arguments[0], or ABORT/GOODBYE `Details.message`. */
  readonly message?: string;
  /** Close the session (ABORT before WELCOME, GOODBYE after) instead of answering the one request. */
  readonly close?: boolean;
}

/**
 * A per-message policy hook of the router (`RouterOptions.interceptor`):
 * called synchronously with every message a client sends, once it is decoded
 * and allowed in the session's state, before the router acts on it. Return
 * `undefined` to let it through, or a {@link Refusal}:
 *
 * - a request of a joined session (SUBSCRIBE, UNSUBSCRIBE, CALL, REGISTER,
 *   UNREGISTER, PUBLISH) is answered with ERROR `error` (a PUBLISH only when
 *   it asked for `acknowledge`, as for any refused publication) and the
 *   session stays open;
 * - HELLO and AUTHENTICATE are refused with ABORT `error`;
 * - YIELD, ERROR, CANCEL and the continuation of a progressive call cannot be
 *   answered on their own: the session is closed with GOODBYE `error`;
 * - with `close: true`, any message closes the session (ABORT or GOODBYE);
 * - GOODBYE and ABORT are seen but cannot be refused.
 *
 * The interceptor must not call back into the router. If it throws, the
 * message is refused with `wamp.error.runtime_error` and a `warning` event
 * (`interceptor_failed`) is emitted: a policy hook fails closed.
 */
export type MessageInterceptor = (session: RouterSession, message: Message, now: number) => Refusal | undefined;

/**
 * What a session needs of the router (`Router` implements it): its deadlines
 * and timeouts, the ready queue, events, session IDs, and the handshake entry
 * points, reached through here so that the session never imports the
 * handshake module (which imports the session).
 */
export interface SessionHost extends RouterServices {
  readonly decodeOptions: DecodeOptions;
  /** Brute-force throttling of failed logins (a failure is counted when a handshake fails). */
  readonly authThrottle: AuthThrottle;
  /** The embedder's per-message hook, if any. */
  readonly interceptor: MessageInterceptor | undefined;
  markReady(session: RouterSession): void;
  emit(event: RouterEvent): void;
  releaseSessionId(id: number): void;
  sessionClosed(session: RouterSession): void;
  /** A HELLO in state `awaitingHello`. */
  hello(session: RouterSession, msg: Hello, now: number): void;
  /** An AUTHENTICATE in state `challenging`. */
  authenticate(session: RouterSession, hs: Handshake, msg: Authenticate, now: number): void;
}

/** Who ended a session. */
export type RouterCloseInitiator = 'router' | 'client' | 'transport';

/** How a router session ended. */
export interface SessionClose {
  /** ABORT/GOODBYE reason URI, or `wamp.close.transport_lost`. */
  readonly reason: string;
  readonly message: string | undefined;
  readonly initiator: RouterCloseInitiator;
  /** The session had been welcomed. */
  readonly wasJoined: boolean;
}

/** The state of a router session: a tagged union, each state with its own data. */
export type RouterSessionState =
  | { readonly tag: 'awaitingHello' }
  | { readonly tag: 'authenticating'; readonly handshake: Handshake }
  | { readonly tag: 'challenging'; readonly handshake: Handshake }
  | { readonly tag: 'established'; readonly peer: Peer; readonly realm: Realm }
  | { readonly tag: 'shuttingDown'; readonly sessionId: number; readonly reason: string }
  | { readonly tag: 'closed'; readonly close: SessionClose };

const TRANSPORT_LOST = 'wamp.close.transport_lost';

/** @internal An output queue longer than this when it empties gives its memory back (see pollTransmit). */
export const QUEUE_KEEP = 64;

/** The input a decoded client message stands for. */
function inputOf(m: Message): RouterInput {
  switch (m.type) {
    case MessageType.HELLO:
      return 'RECV_HELLO';
    case MessageType.AUTHENTICATE:
      return 'RECV_AUTHENTICATE';
    case MessageType.GOODBYE:
      return 'RECV_GOODBYE';
    case MessageType.ABORT:
      return 'RECV_ABORT';
    case MessageType.PUBLISH:
    case MessageType.SUBSCRIBE:
    case MessageType.UNSUBSCRIBE:
    case MessageType.CALL:
    case MessageType.CANCEL:
    case MessageType.REGISTER:
    case MessageType.UNREGISTER:
    case MessageType.YIELD:
    case MessageType.ERROR:
      return 'RECV_SESSION_MSG';
    default:
      return 'RECV_INVALID';
  }
}

/**
 * A session of one client connection. The adapter feeds it frames and
 * transport loss; the router's modules (broker, dealer, handshake) act on it
 * through the methods marked internal.
 */
export class RouterSession implements HasDeadline, PeerSession {
  /** @internal The one pending deadline of this session (HELLO, authentication or GOODBYE). */
  deadline: number | undefined = undefined;
  /** @internal Whether the session sits in the router's ready queue. */
  queued = false;
  private st: RouterSessionState = { tag: 'awaitingHello' };
  /** Frames to send: `out[outHead..outTail)` (see {@link pollTransmit}). */
  private readonly out: Frame[] = [];
  private outHead = 0;
  private outTail = 0;
  private closeReported = false;
  /** @internal The refusal under way is a throttling lockout (not counted as a failure). */
  throttled = false;

  /** @internal Use `Router.openSession()`. */
  constructor(
    private readonly router: SessionHost,
    readonly info: SessionInfo,
    now: number,
  ) {
    router.schedule(this, now + router.timeouts.hello);
  }

  get state(): RouterSessionState {
    return this.st;
  }

  /** The serializer of this connection. */
  get serializer(): Serializer {
    return this.info.serializer;
  }

  /** The trust level of this connection's listener, if it has one. */
  get trustlevel(): number | undefined {
    return this.info.trustlevel;
  }

  /** The realm this session joined, while it is joined. */
  get realm(): string | undefined {
    const st = this.st;
    return st.tag === 'established' ? st.realm.name : undefined;
  }

  /** Who this session is (authid, authrole, authmethod, authprovider, authextra), while it is joined. */
  get identity(): PeerIdentity | undefined {
    const st = this.st;
    return st.tag === 'established' ? st.peer.identity : undefined;
  }

  /** The meta API's `transport` dictionary of this connection. */
  transportDetails(): Dict {
    return transportDetails(this.info);
  }

  /** The WAMP session ID, once HELLO has been accepted for authentication. */
  get id(): number | undefined {
    const st = this.st;
    switch (st.tag) {
      case 'authenticating':
      case 'challenging':
        return st.handshake.sessionId;
      case 'established':
        return st.peer.id;
      case 'shuttingDown':
        return st.sessionId;
      default:
        return undefined;
    }
  }

  // -------------------------------------------------------------------------
  // Inputs

  /**
   * A frame from the client. Never throws for anything the client sends: a
   * fault closes this session with ABORT and a reason.
   */
  handleMessage(frame: Frame, now: number): void {
    const tag = this.st.tag;
    if (tag === 'closed') return;
    let msg: Message;
    try {
      msg = decodeMessage(this.info.serializer, frame, this.router.decodeOptions);
    } catch (e) {
      if (!(e instanceof ProtocolViolation)) throw e;
      if (e instanceof InvalidUriViolation && this.answerInvalidUri(e, now)) return;
      if (routerNextState(tag, 'RECV_INVALID') === undefined) this.violate(e.reason, now);
      return;
    }
    const input = inputOf(msg);
    if (routerNextState(tag, input) === undefined) {
      this.violate(`${messageTypeName(msg.type) ?? msg.type} is not allowed in state ${tag}`, now);
      return;
    }
    // The one cost when no interceptor is installed: this check.
    if (this.router.interceptor !== undefined && this.intercepted(this.router.interceptor, msg, now)) return;
    const st = this.st;
    switch (st.tag) {
      case 'awaitingHello':
        if (msg.type === MessageType.HELLO) this.router.hello(this, msg, now);
        else this.finish('RECV_ABORT', { reason: abortReason(msg), message: undefined, initiator: 'client', wasJoined: false }, now);
        return;
      case 'challenging':
        if (msg.type === MessageType.AUTHENTICATE) {
          this.move('RECV_AUTHENTICATE', { tag: 'authenticating', handshake: st.handshake });
          this.router.authenticate(this, st.handshake, msg, now);
        } else {
          this.finish('RECV_ABORT', { reason: abortReason(msg), message: undefined, initiator: 'client', wasJoined: false }, now);
        }
        return;
      case 'authenticating':
        // Only ABORT gets here (the table refuses everything else).
        this.finish('RECV_ABORT', { reason: abortReason(msg), message: undefined, initiator: 'client', wasJoined: false }, now);
        return;
      case 'established':
        this.dispatch(st.realm, st.peer, msg, now);
        return;
      case 'shuttingDown':
        // Transition 14: anything but the GOODBYE reply (or ABORT) is ignored.
        if (msg.type === MessageType.GOODBYE || msg.type === MessageType.ABORT) {
          this.finish(input, { reason: st.reason, message: undefined, initiator: 'router', wasJoined: true }, now);
        }
        return;
    }
  }

  /** Run the interceptor; true when it refused `msg` (and the refusal has been answered). */
  private intercepted(interceptor: MessageInterceptor, msg: Message, now: number): boolean {
    let r: Refusal | undefined;
    try {
      r = interceptor(this, msg, now);
    } catch (e) {
      const reason = `message interceptor threw: ${e instanceof Error ? e.message : String(e)}`;
      this.router.emit({ type: 'warning', code: 'interceptor_failed', message: reason, session: this, sessionId: this.id });
      r = { error: ErrorUri.RUNTIME_ERROR, message: reason };
    }
    if (r === undefined || msg.type === MessageType.GOODBYE || msg.type === MessageType.ABORT) return false;
    const st = this.st;
    switch (st.tag) {
      case 'awaitingHello':
      case 'challenging':
      case 'authenticating':
        this.abortHandshake(r.error, r.message, now, msg.type === MessageType.HELLO ? msg : undefined);
        return true;
      case 'established':
        break;
      default:
        // shuttingDown: the message is ignored anyway.
        return true;
    }
    const peer = st.peer;
    const what = messageTypeName(msg.type) ?? String(msg.type);
    let request: number | undefined;
    switch (msg.type) {
      case MessageType.CALL:
        // A continuation of a progressive call (or a late one) has no answer of its own.
        if (!peer.calls.has(msg.request) && !peer.recentProgressive.has(msg.request)) request = msg.request;
        break;
      case MessageType.PUBLISH:
      case MessageType.SUBSCRIBE:
      case MessageType.UNSUBSCRIBE:
      case MessageType.REGISTER:
      case MessageType.UNREGISTER:
        request = msg.request;
        break;
      default:
        break;
    }
    if (r.close === true || request === undefined) {
      this.kill(r.error, r.message ?? `${what} refused`, now, true);
      return true;
    }
    // The request still takes its place in the session's request ID sequence.
    if (!peer.acceptRequest(request, what, now)) return true;
    if (msg.type === MessageType.PUBLISH && msg.options['acknowledge'] !== true) return true;
    this.send(error(msg.type as ErrorRequestType, request, r.error, r.message === undefined ? {} : { args: [r.message] }));
    return true;
  }

  /** The transport is gone (closed by either side, or failed). Frames still queued are dropped. */
  handleTransportClosed(now: number): void {
    if (this.st.tag === 'closed') return;
    const wasJoined = this.st.tag === 'established';
    this.finish('TRANSPORT_CLOSED', { reason: TRANSPORT_LOST, message: undefined, initiator: 'transport', wasJoined }, now);
  }

  // -------------------------------------------------------------------------
  // Outputs

  /** The next frame to send on this session's transport, or undefined. */
  pollTransmit(): Frame | undefined {
    if (this.outHead >= this.outTail) return undefined;
    const f = this.out[this.outHead]!;
    this.out[this.outHead++] = '';
    if (this.outHead === this.outTail) {
      // Emptied: reused in place. Setting an array's length is a call into the
      // runtime, which with calls one at a time came once per message; only a
      // queue that a burst made long gives its memory back.
      if (this.out.length > QUEUE_KEEP) this.out.length = 0;
      this.outHead = 0;
      this.outTail = 0;
    }
    return f;
  }

  /**
   * Once, after the router ended the session (ABORT, GOODBYE exchange
   * completed, timeouts) and every frame has been taken with
   * {@link pollTransmit}: the close, telling the adapter to close the
   * transport. Undefined otherwise (also when the transport itself was lost).
   */
  pollClose(): SessionClose | undefined {
    const st = this.st;
    if (st.tag !== 'closed' || this.closeReported || this.outHead < this.outTail) return undefined;
    if (st.close.initiator === 'transport') return undefined;
    this.closeReported = true;
    return st.close;
  }

  // -------------------------------------------------------------------------
  // Internal: used by the router's modules

  /** @internal */
  send(msg: Message): void {
    this.sendFrame(encodeMessage(this.info.serializer, msg));
  }

  /** @internal */
  sendFrame(frame: Frame): void {
    this.out[this.outTail++] = frame;
    if (!this.queued) this.router.markReady(this);
  }

  /** @internal A deadline of this session passed. */
  onDeadline(now: number): void {
    const st = this.st;
    switch (st.tag) {
      case 'awaitingHello': {
        // No session to ABORT yet; the transport closes with this reason (`wamp.error.timeout`, not a normal close).
        const message = `no HELLO within ${this.router.timeouts.hello} ms`;
        this.finish('HELLO_TIMEOUT', { reason: ErrorUri.TIMEOUT, message, initiator: 'router', wasJoined: false }, now);
        return;
      }
      case 'authenticating':
      case 'challenging':
        this.sendAbortFrame(ErrorUri.AUTHENTICATION_FAILED, 'authentication timed out');
        this.refused(ErrorUri.AUTHENTICATION_FAILED, 'authentication timed out', st.handshake.hello, st.handshake.method, now);
        this.finish('AUTH_TIMEOUT', { reason: ErrorUri.AUTHENTICATION_FAILED, message: 'authentication timed out', initiator: 'router', wasJoined: false }, now);
        return;
      case 'shuttingDown':
        this.finish('GOODBYE_TIMEOUT', { reason: st.reason, message: 'no GOODBYE reply in time', initiator: 'router', wasJoined: true }, now);
        return;
      default:
        return;
    }
  }

  /**
   * @internal The client broke the protocol: ABORT `wamp.error.protocol_violation`
   * with the reason, then the session is cleaned up and closed.
   */
  /**
   * Basic profile, "Incorrect URIs": a peer that sends an incorrect URI MUST
   * be answered with ERROR `wamp.error.invalid_uri` — for a request of a
   * joined session (PUBLISH, SUBSCRIBE, CALL, REGISTER), which stays open. A
   * bad realm in HELLO can only be refused, with ABORT of the same URI.
   * Returns false where the fault is a plain protocol violation instead.
   */
  private answerInvalidUri(e: InvalidUriViolation, now: number): boolean {
    const st = this.st;
    if (st.tag === 'awaitingHello' && e.messageType === MessageType.HELLO) {
      this.sendAbortFrame(ErrorUri.INVALID_URI, e.reason);
      this.finish('SEND_ABORT', { reason: ErrorUri.INVALID_URI, message: e.reason, initiator: 'router', wasJoined: false }, now);
      return true;
    }
    if (st.tag !== 'established' || e.request === undefined) return false;
    const type = e.messageType;
    if (type !== MessageType.PUBLISH && type !== MessageType.SUBSCRIBE && type !== MessageType.CALL && type !== MessageType.REGISTER) {
      return false;
    }
    const what = messageTypeName(type) ?? String(type);
    // The request still takes its place in the session's request ID sequence.
    if (!st.peer.acceptRequest(e.request, what, now)) return true;
    this.send(error(type, e.request, ErrorUri.INVALID_URI, { args: [e.reason] }));
    return true;
  }

  /** The client broke the protocol: ABORT `wamp.error.protocol_violation` with `reason`, then close. */
  violate(reason: string, now: number): void {
    const st = this.st;
    if (st.tag === 'closed') return;
    this.sendAbortFrame(ErrorUri.PROTOCOL_VIOLATION, reason);
    this.router.emit({ type: 'warning', code: 'protocol_violation', message: reason, session: this, sessionId: this.id });
    this.finish('SEND_ABORT', { reason: ErrorUri.PROTOCOL_VIOLATION, message: reason, initiator: 'router', wasJoined: st.tag === 'established' }, now);
  }

  /** @internal HELLO accepted for authentication: the session ID is reserved. */
  beginHandshake(handshake: Handshake, now: number): void {
    this.move('RECV_HELLO', { tag: 'authenticating', handshake });
    this.router.schedule(this, now + this.router.timeouts.auth);
  }

  /** @internal */
  challenge(handshake: Handshake, msg: Message): void {
    this.send(msg);
    this.move('SEND_CHALLENGE', { tag: 'challenging', handshake });
  }

  /** @internal */
  establish(peer: Peer, realm: Realm, welcome: Message): void {
    this.send(welcome);
    this.move('SEND_WELCOME', { tag: 'established', peer, realm });
    this.deadline = undefined;
  }

  /**
   * @internal Refuse the session before WELCOME (ABORT with `reason`).
   * `hello` is given when the refusal comes before a handshake exists.
   */
  abortHandshake(reason: string, message: string | undefined, now: number, hello?: Hello): void {
    const st = this.st;
    if (st.tag !== 'awaitingHello' && st.tag !== 'authenticating' && st.tag !== 'challenging') return;
    this.sendAbortFrame(reason, message);
    if (st.tag === 'awaitingHello') this.refused(reason, message, hello, undefined, now);
    else this.refused(reason, message, st.handshake.hello, st.handshake.method, now);
    this.finish('SEND_ABORT', { reason, message, initiator: 'router', wasJoined: false }, now);
  }

  private refused(reason: string, message: string | undefined, hello: Hello | undefined, method: string | undefined, now: number): void {
    const a = hello?.details['authid'];
    const authid = typeof a === 'string' ? a : undefined;
    const router = this.router;
    router.emit({
      type: 'session_refused',
      session: this,
      realm: hello?.realm,
      authid,
      authmethod: method,
      peer: this.info.peer,
      reason,
      message,
    });
    // A failed credential (wrong ticket or signature, unknown authid, timeout) counts towards the lockout.
    if (reason !== ErrorUri.AUTHENTICATION_FAILED || this.throttled || hello === undefined || method === undefined) return;
    if (method === 'anonymous' || this.info.transport === 'internal') return;
    const address = peerAddress(this.info.peer);
    if (router.authThrottle.failed(hello.realm, authid, address, now)) {
      router.emit({
        type: 'warning',
        code: 'auth_lockout',
        message: `too many failed authentications: authid ${JSON.stringify(authid ?? null)} in realm "${hello.realm}" / address ${address ?? 'unknown'} locked out`,
        session: this,
        sessionId: undefined,
      });
    }
  }

  /**
   * @internal Close an established session from the router side (meta API
   * kill, router shutdown): registrations and subscriptions are revoked
   * (telling clients that support revocation), GOODBYE is sent and the
   * session leaves the realm at once; the transport closes on the client's
   * GOODBYE reply or after the GOODBYE timeout. `announce` false suppresses
   * the session meta events and testaments (`wamp.session.kill_all`).
   */
  kill(reason: string, message: string | undefined, now: number, announce: boolean): void {
    const st = this.st;
    if (st.tag !== 'established') return;
    const peer = st.peer;
    const realm = st.realm;
    for (const reg of peer.registrations.values()) realm.dealer.revoke(peer, reg, reason);
    for (const sub of peer.subscriptions.values()) realm.broker.revoke(peer, sub, reason);
    this.send(goodbye(reason, message === undefined ? {} : { message }));
    this.move('SEND_GOODBYE', { tag: 'shuttingDown', sessionId: peer.id, reason });
    this.leave(realm, peer, reason, now, !announce);
    this.router.schedule(this, now + this.router.timeouts.goodbye);
  }

  // -------------------------------------------------------------------------

  private dispatch(realm: Realm, peer: Peer, msg: Message, now: number): void {
    switch (msg.type) {
      case MessageType.PUBLISH:
        return realm.broker.publish(peer, msg, now);
      case MessageType.SUBSCRIBE:
        return realm.broker.subscribe(peer, msg, now);
      case MessageType.UNSUBSCRIBE:
        return realm.broker.unsubscribe(peer, msg, now);
      case MessageType.CALL:
        return realm.dealer.call(peer, msg, now);
      case MessageType.CANCEL:
        return realm.dealer.cancel(peer, msg, now);
      case MessageType.YIELD:
        return realm.dealer.yield_(peer, msg, now);
      case MessageType.REGISTER:
        return realm.dealer.register(peer, msg, now);
      case MessageType.UNREGISTER:
        return realm.dealer.unregister(peer, msg, now);
      case MessageType.ERROR:
        if (msg.requestType !== MessageType.INVOCATION) {
          return this.violate(`ERROR for a ${messageTypeName(msg.requestType)} request: a client only answers INVOCATION`, now);
        }
        return realm.dealer.invocationError(peer, msg, now);
      case MessageType.GOODBYE:
        // Transition 4: answer, then the session is over.
        this.send(goodbye(ErrorUri.GOODBYE_AND_OUT));
        return this.finish('RECV_GOODBYE', { reason: msg.reason, message: messageOf(msg.details), initiator: 'client', wasJoined: true }, now);
      case MessageType.ABORT:
        return this.finish('RECV_ABORT', { reason: msg.reason, message: messageOf(msg.details), initiator: 'client', wasJoined: true }, now);
      default:
        return this.violate(`${messageTypeName(msg.type)} is not allowed in state established`, now);
    }
  }

  private sendAbortFrame(reason: string, message: string | undefined): void {
    this.send(abort(reason, message === undefined ? {} : { message }));
  }

  private move(input: RouterInput, next: RouterSessionState): void {
    const to = routerNextState(this.st.tag, input);
    // The router only moves along the table; anything else is a bug here, not a client fault.
    if (to !== next.tag) throw new Error(`router session: no transition ${this.st.tag} --${input}--> ${next.tag}`);
    this.st = next;
  }

  private leave(realm: Realm, peer: Peer, reason: string, now: number, quiet: boolean): void {
    realm.leave(peer, now, quiet);
    this.router.emit({
      type: 'session_left',
      session: this,
      sessionId: peer.id,
      realm: peer.realm.name,
      authid: peer.authid,
      authrole: peer.authrole,
      transport: this.info.transport,
      serializer: this.info.serializer.name,
      reason,
    });
  }

  /** Every way into `closed` ends here: cleanup, the session ID released, the adapter told. */
  private finish(input: RouterInput, close: SessionClose, now: number): void {
    const st = this.st;
    if (st.tag === 'closed') return;
    this.deadline = undefined;
    this.move(input, { tag: 'closed', close });
    this.router.sessionClosed(this);
    switch (st.tag) {
      case 'established':
        this.leave(st.realm, st.peer, close.reason, now, false);
        this.router.releaseSessionId(st.peer.id);
        break;
      case 'authenticating':
      case 'challenging': {
        const pending = st.handshake.pending;
        if (pending?.kind === 'procedure') pending.invocation.callee.realm.dealer.abandon(pending.invocation, now);
        this.router.releaseSessionId(st.handshake.sessionId);
        break;
      }
      case 'shuttingDown':
        this.router.releaseSessionId(st.sessionId);
        break;
      default:
        break;
    }
    if (close.initiator === 'transport') {
      this.out.length = 0;
      this.outHead = 0;
      this.outTail = 0;
    } else if (!this.queued) {
      this.router.markReady(this);
    }
  }
}

function abortReason(m: Message): string {
  return m.type === MessageType.ABORT || m.type === MessageType.GOODBYE ? m.reason : ErrorUri.PROTOCOL_VIOLATION;
}

function messageOf(details: Dict): string | undefined {
  const m = details['message'];
  return typeof m === 'string' ? m : undefined;
}
