/**
 * The dealer of one realm: registrations (exact, prefix, wildcard; shared
 * with the `single`/`roundrobin`/`random`/`first`/`last` policies), call
 * routing, progressive call results and invocations, call canceling, call
 * timeouts, caller identification, registration revocation and the
 * registration meta events.
 *
 * Every call in flight is one {@link Invocation}, indexed twice: by
 * CALL.Request in the caller's `calls` and by INVOCATION.Request in the
 * callee's `invocations`. {@link Dealer.finish} removes both entries at once,
 * which is how "every CALL is answered exactly once, and no answer goes to the
 * wrong session" is kept: an answer is only ever routed through a live entry.
 */

import { ErrorUri } from '../errors.js';
import {
  MessageType,
  error,
  interrupt,
  invocation,
  registered,
  result,
  unregistered,
  type Call,
  type Cancel,
  type ErrorMsg,
  type PayloadInit,
  type Register,
  type Unregister,
  type Yield,
} from '../wire/messages.js';
import type { Dict } from '../types.js';
import { isReservedUri, type MatchPolicy } from '../uri.js';
import { compareOrder, type CalleeOrder, type RegistrationRecord } from './cluster-protocol.js';
import { PatternIndex } from './matching.js';
import { passthruOf, withPassthru } from './passthru.js';
import { shardKey, shardOwner } from './shards.js';
import type { AuthOutcome, CallOutcome, Callee, CallOrigin, InvocationEntry, InvokePolicy, Peer, RealmState, RegistrationEntry } from './peer.js';
import { isoTimestamp } from './timestamp.js';
import { RouterUri } from './uris.js';

const EMPTY: Dict = Object.freeze({});

/** Bound on remembered finished progressive-invocation calls per caller. */
const MAX_RECENT_PROGRESSIVE = 1024;

/** Answer a request with ERROR (and a readable reason as the first argument). */
function fail(peer: Peer, type: typeof MessageType.CALL | typeof MessageType.REGISTER, request: number, uri: string, reason?: string): void {
  peer.send(error(type, request, uri, reason === undefined ? undefined : { args: [reason] }));
}

/** {@link Dealer.pick}: a callee had room, but not for this caller. */
const SHARE_EXHAUSTED = Symbol('share exhausted');

export type { CallOrigin, InvokePolicy } from './peer.js';

const NO_ORDER: CalleeOrder = Object.freeze([0, '', 0]) as CalleeOrder;

export class Registration implements RegistrationEntry {
  /** In registration order (the order `first`, `last` and `roundrobin` refer to). */
  readonly callees: Callee[] = [];
  /** Round-robin cursor. */
  next = 0;

  constructor(
    readonly id: number,
    readonly uri: string,
    readonly match: MatchPolicy,
    readonly invoke: InvokePolicy,
    readonly created: number,
    /** Cluster: the node holding this registration's claim in the store. */
    readonly owner?: string,
  ) {}

  /** Add a callee at its place in the order (registration order on a single router). */
  insert(c: Callee): void {
    const cs = this.callees;
    let i = cs.length;
    if (c.order !== NO_ORDER) while (i > 0 && compareOrder(cs[i - 1]!.order, c.order) > 0) i--;
    cs.splice(i, 0, c);
  }

  /** RegistrationDetails of the meta API. */
  details(): Dict {
    return { id: this.id, created: isoTimestamp(this.created), uri: this.uri, match: this.match, invoke: this.invoke };
  }

  hasCallee(peer: Peer): boolean {
    for (const c of this.callees) if (c.peer === peer) return true;
    return false;
  }
}

function* shardNodes(cs: readonly Callee[]): Iterable<string> {
  for (const c of cs) if (c.nkey !== undefined) yield c.nkey;
}

export class Invocation implements InvocationEntry {
  deadline: number | undefined = undefined;
  /** Finished: answered, canceled, timed out, or one side left. */
  done = false;
  /** A CANCEL with mode `kill` was forwarded; only the callee's final answer is still awaited. */
  killing = false;
  /** Progressive call invocations: the caller may still send continuation CALLs. */
  callerStreaming: boolean;
  /** Under the router's default call timeout (see {@link Dealer}): when it expires. */
  expiresAt = 0;
  /** Whether this call ever streamed (its request ID then enters the caller's grace table). */
  readonly streamed: boolean;
  /** When the CALL arrived, for {@link RouterProbe.callEnded}. */
  startedAt = 0;

  constructor(
    readonly id: number,
    readonly callee: Peer,
    readonly registration: number,
    readonly origin: CallOrigin,
    /** INVOCATION.Details of the initiating call, reused for continuations (spec: options are frozen). */
    readonly details: Dict,
    /**
     * The dealer's timer for the call in ms: CALL.Options.timeout, plus
     * `calleeTimeoutGrace` when the callee runs the timeout itself; 0 for none.
     */
    readonly timeout: number,
    streaming: boolean,
  ) {
    this.callerStreaming = streaming;
    this.streamed = streaming;
  }

  onDeadline(now: number): void {
    this.callee.realm.dealer.expire(this, now);
  }
}

export class Dealer {
  private readonly index = new PatternIndex<Registration>();
  readonly byId = new Map<number, Registration>();
  /**
   * Calls under the router's default timeout (`timeouts.call`), in expiry
   * order: one timeout for all, so insertion order is expiry order. They are
   * not put in the router's deadline heap one by one, whose entries are only
   * dropped when due: at a high call rate that would hold every call of the
   * last 30 s. One sweep deadline serves them all, and a finished call leaves
   * the set at once.
   */
  private readonly timed = new Set<Invocation>();
  private readonly sweeper = {
    deadline: undefined as number | undefined,
    onDeadline: (now: number): void => this.sweep(now),
  };

  constructor(private readonly realm: RealmState) {}

  get registrationCount(): number {
    return this.byId.size;
  }

  lookup(uri: string, match: MatchPolicy): Registration | undefined {
    return this.index.get(uri, match);
  }

  best(uri: string): Registration | undefined {
    return this.index.best(uri);
  }

  list(match: MatchPolicy): Registration[] {
    return this.index.values(match);
  }

  // -------------------------------------------------------------------------
  // Registrations

  register(peer: Peer, msg: Register, now: number): void {
    if (!peer.acceptRequest(msg.request, 'REGISTER', now)) return;
    const o = msg.options;
    const match: MatchPolicy = (o['match'] as MatchPolicy | undefined) ?? 'exact';
    const invoke: InvokePolicy = (o['invoke'] as InvokePolicy | undefined) ?? 'single';
    const uri = msg.procedure;
    const rq = msg.request;
    if (isReservedUri(uri)) return fail(peer, MessageType.REGISTER, rq, ErrorUri.INVALID_URI, 'the wamp. URI space is reserved');
    const d = peer.authorize('register', uri, o);
    if (!d.allow) return fail(peer, MessageType.REGISTER, rq, d.failed === true ? ErrorUri.AUTHORIZATION_FAILED : ErrorUri.NOT_AUTHORIZED);
    const reg = this.index.get(uri, match);
    // Shared registration: only the first registrant's non-single policy admits more callees, and only with the same policy.
    if (reg !== undefined && (reg.invoke === 'single' || reg.invoke !== invoke || reg.hasCallee(peer))) {
      return fail(peer, MessageType.REGISTER, rq, ErrorUri.PROCEDURE_ALREADY_EXISTS);
    }
    if (peer.registrations.size >= this.realm.limits.maxRegistrationsPerSession) {
      return fail(peer, MessageType.REGISTER, rq, RouterUri.LIMIT_EXCEEDED, 'too many registrations');
    }
    const disclose = o['disclose_caller'] === true;
    const nkey = shardKey(o, 'nkey');
    const cluster = this.realm.router.cluster;
    if (cluster === undefined || reg !== undefined) {
      this.commitRegister(peer, rq, uri, match, invoke, disclose, nkey, now, reg?.owner);
      return;
    }
    // A new (uri, match) in a cluster: the store decides who has it, never a race between nodes.
    cluster.claim(this.realm.name, uri, match, invoke, (res, later) => {
      if (peer.left) {
        if (res.ok) cluster.registrationEmpty(this.realm.name, uri, match, cluster.node);
        return;
      }
      if (res.ok) return this.commitRegister(peer, rq, uri, match, invoke, disclose, nkey, later, cluster.node);
      const ex = res.existing;
      if (ex !== undefined && ex.invoke === invoke && invoke !== 'single') {
        return this.commitRegister(peer, rq, uri, match, invoke, disclose, nkey, later, ex.node);
      }
      if (res.unavailable === true) return fail(peer, MessageType.REGISTER, rq, RouterUri.CLUSTER_UNAVAILABLE, 'the cluster store cannot be reached');
      fail(peer, MessageType.REGISTER, rq, ErrorUri.PROCEDURE_ALREADY_EXISTS);
    });
  }

  private commitRegister(
    peer: Peer,
    rq: number,
    uri: string,
    match: MatchPolicy,
    invoke: InvokePolicy,
    discloseCaller: boolean,
    nkey: string | undefined,
    now: number,
    owner: string | undefined,
  ): void {
    let reg = this.index.get(uri, match);
    // Checked again: in a cluster the claim took a round trip, and the realm may have changed meanwhile.
    if (reg !== undefined && (reg.invoke === 'single' || reg.invoke !== invoke || reg.hasCallee(peer))) {
      return fail(peer, MessageType.REGISTER, rq, ErrorUri.PROCEDURE_ALREADY_EXISTS);
    }
    const created = reg === undefined;
    if (reg === undefined) reg = this.create(uri, match, invoke, now, owner);
    const cluster = this.realm.router.cluster;
    const order = cluster === undefined ? NO_ORDER : cluster.nextOrder(now);
    reg.insert({ peer, discloseCaller, order, nkey });
    peer.registrations.set(reg.id, reg);
    const id = reg.id;
    // In a cluster, REGISTERED waits until every node routes calls here.
    if (cluster === undefined) peer.send(registered(rq, id));
    else {
      const r: RegistrationRecord = { session: peer.id, uri, match, invoke, discloseCaller, order, owner: reg.owner ?? cluster.node, ...(nkey !== undefined ? { nkey } : {}) };
      cluster.registered(peer, r, () => peer.send(registered(rq, id)));
    }
    if (created) this.realm.lifecycle('wamp.registration.on_create', peer.id, reg, true);
    this.realm.lifecycle('wamp.registration.on_register', peer.id, reg);
  }

  private create(uri: string, match: MatchPolicy, invoke: InvokePolicy, now: number, owner: string | undefined): Registration {
    const reg = new Registration(this.realm.router.nextRegistrationId(uri, match, this.byId), uri, match, invoke, now, owner);
    this.index.set(uri, match, reg);
    this.byId.set(reg.id, reg);
    return reg;
  }

  // -------------------------------------------------------------------------
  // Cluster: callees on other nodes

  /** A callee on another node (its replica `peer`) registered. */
  attachRemote(peer: Peer, r: RegistrationRecord, now: number): void {
    let reg = this.index.get(r.uri, r.match);
    if (reg !== undefined && reg.hasCallee(peer)) return;
    const created = reg === undefined;
    if (reg === undefined) reg = this.create(r.uri, r.match, r.invoke as InvokePolicy, now, r.owner);
    else if (reg.invoke !== r.invoke) {
      this.realm.router.cluster?.warn(`registration ${r.uri} (${r.match}): node ${peer.home} has policy ${r.invoke}, this node ${reg.invoke}`);
    }
    reg.insert({ peer, discloseCaller: r.discloseCaller, order: r.order, nkey: r.nkey });
    peer.registrations.set(reg.id, reg);
    if (created) this.realm.lifecycle('wamp.registration.on_create', peer.id, reg, true);
    this.realm.lifecycle('wamp.registration.on_register', peer.id, reg);
  }

  /** A callee on another node unregistered. */
  detachRemote(peer: Peer, uri: string, match: MatchPolicy): void {
    const reg = this.index.get(uri, match);
    if (reg !== undefined && reg.hasCallee(peer)) this.detach(peer, reg);
  }

  /** Calls waiting on the (unreachable) callee `peer` of another node fail with `wamp.error.canceled`. */
  failRemoteInvocations(peer: Peer, now: number, why: string): void {
    for (const inv of [...peer.invocations.values()]) {
      this.finish(inv, now);
      const o = inv.origin;
      if (o.kind === 'call') o.caller.send(error(MessageType.CALL, o.request, ErrorUri.CANCELED, { args: [why] }));
      else o.outcome.failed(ErrorUri.AUTHENTICATION_FAILED, [why], now);
    }
  }

  unregister(peer: Peer, msg: Unregister, now: number): void {
    if (!peer.acceptRequest(msg.request, 'UNREGISTER', now)) return;
    const reg = peer.registrations.get(msg.registration);
    if (reg === undefined) {
      peer.send(error(MessageType.UNREGISTER, msg.request, ErrorUri.NO_SUCH_REGISTRATION));
      return;
    }
    peer.send(unregistered(msg.request));
    this.detach(peer, reg);
  }

  /**
   * Registration revocation (advanced profile): remove `peer` from `reg`,
   * telling it with `[UNREGISTERED, 0, {registration, reason}]` if it
   * announced the feature. Its invocations in flight are still answered.
   */
  revoke(peer: Peer, reg: Registration, reason: string | undefined): void {
    if (peer.features.calleeRevocation) {
      peer.send(unregistered(0, reason === undefined ? { registration: reg.id } : { registration: reg.id, reason }));
    }
    this.detach(peer, reg);
  }

  private detach(peer: Peer, reg: Registration): void {
    const i = reg.callees.findIndex((c) => c.peer === peer);
    if (i >= 0) reg.callees.splice(i, 1);
    peer.registrations.delete(reg.id);
    const cluster = this.realm.router.cluster;
    // A leaving session's node says `leave` instead.
    if (cluster !== undefined && peer.home === undefined && !peer.left) cluster.unregistered(peer, reg.uri, reg.match);
    this.realm.lifecycle('wamp.registration.on_unregister', peer.id, reg);
    if (reg.callees.length === 0) {
      this.index.delete(reg.uri, reg.match);
      this.byId.delete(reg.id);
      cluster?.registrationEmpty(this.realm.name, reg.uri, reg.match, reg.owner);
      this.realm.lifecycle('wamp.registration.on_delete', peer.id, reg);
    }
  }

  // -------------------------------------------------------------------------
  // Calls

  call(peer: Peer, msg: Call, now: number): void {
    const request = msg.request;
    const active = peer.calls.get(request);
    if (active !== undefined) {
      this.continueCall(peer, active, msg, now);
      return;
    }
    // Advanced profile, "Verification of CALL Request IDs": a late continuation of a
    // progressive call that has just finished is discarded without an answer.
    const graceUntil = peer.recentProgressive.get(request);
    if (graceUntil !== undefined) {
      if (graceUntil > now) return;
      peer.recentProgressive.delete(request);
    }
    if (!peer.acceptRequest(request, 'CALL', now)) return;
    const o = msg.options;
    const ppt = passthruOf(o);
    if (ppt !== undefined && !peer.features.passthru.caller) {
      peer.session.violate('CALL uses payload passthru mode, which the caller did not announce', now);
      return;
    }
    const progress = o['progress'] === true;
    if (progress && !peer.features.callerProgressiveInvocations) {
      peer.session.violate('CALL with Options.progress, but progressive_call_invocations was not announced', now);
      return;
    }
    const C = MessageType.CALL;
    const uri = msg.procedure;
    // Authorization comes first, so that a denial never tells whether the procedure exists.
    const d = peer.authorize('call', uri, o);
    if (!d.allow) return fail(peer, C, request, d.failed === true ? ErrorUri.AUTHORIZATION_FAILED : ErrorUri.NOT_AUTHORIZED);
    if (o['disclose_me'] === true && d.disclose === 'deny') return fail(peer, C, request, RouterUri.OPTION_DISALLOWED_DISCLOSE_ME);
    if (isReservedUri(uri)) {
      if (progress || ppt !== undefined) return fail(peer, C, request, ErrorUri.FEATURE_NOT_SUPPORTED);
      if (!this.realm.metaCall(peer, msg, now)) fail(peer, C, request, ErrorUri.NO_SUCH_PROCEDURE);
      return;
    }
    if (peer.calls.size >= this.realm.limits.maxPendingCallsPerCaller) return fail(peer, C, request, RouterUri.LIMIT_EXCEEDED, 'too many calls in flight');
    const reg = this.index.best(uri);
    if (reg === undefined) return fail(peer, C, request, ErrorUri.NO_SUCH_PROCEDURE);
    const callee = this.pick(reg, peer, shardKey(o, 'rkey'));
    if (callee === undefined) return fail(peer, C, request, ErrorUri.NO_AVAILABLE_CALLEE);
    if (callee === SHARE_EXHAUSTED) {
      const share = this.realm.limits.maxPendingInvocationsPerCallerAtCallee;
      return fail(peer, C, request, RouterUri.LIMIT_EXCEEDED, `this caller already has ${share} calls in flight at every callee of ${uri}`);
    }
    const cp = callee.peer;
    if (progress && !cp.features.calleeProgressiveInvocations) return fail(peer, C, request, ErrorUri.FEATURE_NOT_SUPPORTED);
    if (ppt !== undefined && !cp.features.passthru.callee) {
      return fail(peer, C, request, ErrorUri.FEATURE_NOT_SUPPORTED, 'the callee does not support payload passthru mode');
    }
    // A trusted callee (the router's own internal sessions, say) that asks for the caller gets it whatever the policy.
    const disclose =
      d.disclose === 'force' || (d.disclose === 'allow' && (o['disclose_me'] === true || callee.discloseCaller)) || (callee.discloseCaller && cp.role.trusted);
    const receiveProgress = o['receive_progress'] === true && cp.features.calleeProgressiveResults;
    let details: Dict = EMPTY;
    const trustlevel = this.realm.trust.of(peer);
    if (disclose || reg.match !== 'exact' || receiveProgress || trustlevel !== undefined) {
      const dd: Record<string, unknown> = {};
      if (disclose) {
        dd['caller'] = peer.id;
        dd['caller_authid'] = peer.authid;
        dd['caller_authrole'] = peer.authrole;
      }
      // Pattern-based registration: INVOCATION.Details.procedure is the concrete URI called.
      if (reg.match !== 'exact') dd['procedure'] = uri;
      if (receiveProgress) dd['receive_progress'] = true;
      if (trustlevel !== undefined) dd['trustlevel'] = trustlevel;
      details = dd;
    }
    // CALL.Options.timeout; without one, the router's default applies (Bondy-like; 0 turns it off).
    const timeout = typeof o['timeout'] === 'number' ? o['timeout'] : 0;
    // Advanced profile "Call Timeouts": a callee that announces call_timeout runs the timer itself.
    const calleeRunsTimeout = timeout > 0 && cp.features.calleeTimeout;
    if (calleeRunsTimeout) details = { ...details, timeout };
    const backstop = timeout > 0 ? timeout + (calleeRunsTimeout ? this.realm.router.timeouts.calleeTimeoutGrace : 0) : 0;
    const inv = new Invocation(
      cp.nextInvocationId(),
      cp,
      reg.id,
      { kind: 'call', caller: peer, request, receiveProgress },
      details,
      backstop,
      progress,
    );
    inv.startedAt = now;
    this.realm.router.probe?.callStarted?.();
    peer.calls.set(request, inv);
    cp.invocations.set(inv.id, inv);
    this.share(cp, peer, 1);
    if (backstop > 0) this.realm.router.schedule(inv, now + backstop);
    else this.startDefaultTimeout(inv, now);
    // The CALL is its own payload (args/kwargs, or the passthru payload forwarded untouched).
    const first = withPassthru(details, ppt);
    cp.send(invocation(inv.id, reg.id, msg, progress ? { ...first, progress: true } : first));
  }

  /** A CALL whose request ID is in flight: a continuation of a progressive call, or a fault. */
  private continueCall(peer: Peer, inv: Invocation, msg: Call, now: number): void {
    if (!inv.callerStreaming) {
      peer.session.violate(`CALL request ID ${msg.request} is already in flight`, now);
      return;
    }
    const ppt = passthruOf(msg.options);
    if (ppt !== undefined && !peer.features.passthru.caller) {
      peer.session.violate('CALL uses payload passthru mode, which the caller did not announce', now);
      return;
    }
    // Only `progress` (and a chunk's own passthru attributes) count in a continuation; every other option stays as the first CALL set it.
    const progress = msg.options['progress'] === true;
    if (!progress) inv.callerStreaming = false;
    if (inv.killing) return;
    if (ppt !== undefined && !inv.callee.features.passthru.callee) return;
    const p: PayloadInit = ppt !== undefined ? { payload: msg.payload } : { args: msg.args, kwargs: msg.kwargs };
    const d = withPassthru(inv.details, ppt);
    inv.callee.send(invocation(inv.id, inv.registration, p, progress ? { ...d, progress: true } : d));
  }

  cancel(peer: Peer, msg: Cancel, now: number): void {
    const inv = peer.calls.get(msg.request);
    if (inv === undefined) {
      // A CANCEL racing the answer is normal; one for a request never made is not.
      if (msg.request > peer.lastRequest) peer.session.violate(`CANCEL for request ID ${msg.request}, which was never sent`, now);
      return;
    }
    let mode = (msg.options['mode'] as 'skip' | 'kill' | 'killnowait' | undefined) ?? 'kill';
    // Advanced profile, "Call Canceling": without callee support the behaviour is `skip`.
    if (!inv.callee.features.calleeCanceling) mode = 'skip';
    if (mode === 'kill') {
      if (!inv.killing) {
        inv.killing = true;
        inv.callee.send(interrupt(inv.id, { mode: 'kill', reason: ErrorUri.CANCELED }));
      }
      return;
    }
    this.finish(inv, now, 'canceled');
    peer.send(error(MessageType.CALL, msg.request, ErrorUri.CANCELED));
    if (mode === 'killnowait') inv.callee.send(interrupt(inv.id, { mode: 'killnowait', reason: ErrorUri.CANCELED }));
  }

  yield_(peer: Peer, msg: Yield, now: number): void {
    const inv = peer.invocations.get(msg.request);
    if (inv === undefined) {
      if (this.realm.router.cluster?.answerRelayed(peer, msg) === true) return;
      this.unknownAnswer(peer, msg.request, 'YIELD', now);
      return;
    }
    const ppt = passthruOf(msg.options);
    if (ppt !== undefined && !peer.features.passthru.callee) {
      peer.session.violate('YIELD uses payload passthru mode, which the callee did not announce', now);
      return;
    }
    const o = inv.origin;
    if (ppt !== undefined && (o.kind !== 'call' || !o.caller.features.passthru.caller)) {
      // The caller could not read it: the call fails with feature_not_supported, the YIELD goes nowhere.
      this.finish(inv, now);
      if (o.kind === 'call') fail(o.caller, MessageType.CALL, o.request, ErrorUri.FEATURE_NOT_SUPPORTED, 'the callee answered in payload passthru mode');
      else o.outcome.failed(ErrorUri.FEATURE_NOT_SUPPORTED, ['the authenticator answered in payload passthru mode'], now);
      return;
    }
    // The YIELD is its own payload (args/kwargs, or the passthru payload forwarded untouched).
    const p: PayloadInit = msg;
    const rd = withPassthru(EMPTY, ppt);
    if (msg.options['progress'] === true) {
      // Progressive results go only to callers that asked for them, and not after a kill.
      if (o.kind !== 'call' || !o.receiveProgress || inv.killing) return;
      // Advanced profile: with progressive results the timeout runs between results.
      if (inv.timeout > 0) this.realm.router.schedule(inv, now + inv.timeout);
      else if (this.timed.delete(inv)) this.startDefaultTimeout(inv, now);
      o.caller.send(result(o.request, p, { ...rd, progress: true }));
      return;
    }
    this.finish(inv, now, 'result');
    if (o.kind === 'call') o.caller.send(result(o.request, p, rd));
    else o.outcome.result(msg.args, msg.kwargs, now);
  }

  /** ERROR answering an INVOCATION. */
  invocationError(peer: Peer, msg: ErrorMsg, now: number): void {
    const inv = peer.invocations.get(msg.request);
    if (inv === undefined) {
      if (this.realm.router.cluster?.answerRelayed(peer, msg) === true) return;
      this.unknownAnswer(peer, msg.request, 'ERROR', now);
      return;
    }
    const ppt = passthruOf(msg.details);
    if (ppt !== undefined && !peer.features.passthru.callee) {
      peer.session.violate('ERROR uses payload passthru mode, which the callee did not announce', now);
      return;
    }
    this.finish(inv, now, inv.killing ? 'canceled' : 'error');
    const o = inv.origin;
    if (o.kind === 'call') {
      if (ppt !== undefined && !o.caller.features.passthru.caller) {
        fail(o.caller, MessageType.CALL, o.request, ErrorUri.FEATURE_NOT_SUPPORTED, 'the callee answered in payload passthru mode');
      } else {
        const p: PayloadInit = ppt !== undefined ? { payload: msg.payload } : { args: msg.args, kwargs: msg.kwargs };
        o.caller.send(error(MessageType.CALL, o.request, msg.error, p, withPassthru(EMPTY, ppt)));
      }
    } else {
      o.outcome.failed(msg.error, msg.args, now);
    }
  }

  /**
   * An answer to no invocation in flight: late (the call was canceled, timed
   * out or its caller left) and dropped, or for an ID never issued, which is
   * a protocol violation.
   */
  private unknownAnswer(peer: Peer, request: number, what: string, now: number): void {
    if (request > peer.lastInvocation) peer.session.violate(`${what} for INVOCATION request ID ${request}, which was never sent`, now);
  }

  /** Call timeout (advanced profile, dealer-initiated): ERROR to the caller, INTERRUPT to the callee. */
  expire(inv: Invocation, now: number): void {
    if (inv.done) return;
    this.finish(inv, now, 'timeout');
    if (inv.callee.features.calleeCanceling) inv.callee.send(interrupt(inv.id, { mode: 'killnowait', reason: ErrorUri.TIMEOUT }));
    const o = inv.origin;
    if (o.kind === 'call') o.caller.send(error(MessageType.CALL, o.request, ErrorUri.TIMEOUT));
  }

  /** Put a call under the router's default timeout (none when `timeouts.call` is 0). */
  private startDefaultTimeout(inv: Invocation, now: number): void {
    const t = this.realm.router.timeouts.call;
    if (t <= 0) return;
    inv.expiresAt = now + t;
    this.timed.add(inv);
    if (this.sweeper.deadline === undefined) this.realm.router.schedule(this.sweeper, inv.expiresAt);
  }

  /** The sweep deadline: expire the default-timed calls that are due, then wait for the next. */
  private sweep(now: number): void {
    for (const inv of this.timed) {
      if (inv.expiresAt > now) {
        this.realm.router.schedule(this.sweeper, inv.expiresAt);
        return;
      }
      this.expire(inv, now);
    }
  }

  /** Remove an invocation from both indexes; nothing is routed through it afterwards. */
  private finish(inv: Invocation, now: number, outcome: CallOutcome = 'canceled'): void {
    inv.done = true;
    inv.deadline = undefined;
    // No call left under the default timeout: the pending sweep is not needed (the heap drops it).
    if (this.timed.delete(inv) && this.timed.size === 0) this.sweeper.deadline = undefined;
    inv.callee.invocations.delete(inv.id);
    const o = inv.origin;
    if (o.kind !== 'call') return;
    this.realm.router.probe?.callEnded?.(now - inv.startedAt, outcome);
    o.caller.calls.delete(o.request);
    this.share(inv.callee, o.caller, -1);
    if (inv.streamed && !o.caller.left) {
      const recent = o.caller.recentProgressive;
      recent.set(o.request, now + this.realm.router.timeouts.progressiveGrace);
      // Entries are in insertion order, hence in expiry order: drop the expired and the excess.
      for (const [req, until] of recent) {
        if (until > now && recent.size <= MAX_RECENT_PROGRESSIVE) break;
        recent.delete(req);
      }
    }
  }

  /** Count an invocation of `caller` at `callee` in (+1) or out (-1). */
  private share(callee: Peer, caller: Peer, delta: 1 | -1): void {
    const m = callee.callerShares;
    const n = (m.get(caller) ?? 0) + delta;
    if (n > 0) m.set(caller, n);
    else m.delete(caller);
  }

  /**
   * Pick a callee by the registration's policy, skipping callees at their
   * invocation limit, unreachable ones (a cluster node cut off) and those
   * where `caller` has used up its share. {@link SHARE_EXHAUSTED} when only
   * the share kept a callee from being chosen. With a resource key, only the
   * callees of the shard owning it are candidates (when any callee has a
   * node key).
   */
  private pick(reg: Registration, caller: Peer, rkey: string | undefined): Callee | typeof SHARE_EXHAUSTED | undefined {
    let cs = reg.callees;
    if (rkey !== undefined && cs.some((c) => c.nkey !== undefined)) {
      const owner = shardOwner(shardNodes(cs), rkey);
      cs = cs.filter((c) => c.nkey === owner);
    }
    const n = cs.length;
    if (n === 0) return undefined;
    const max = this.realm.limits.maxPendingInvocationsPerCallee;
    const share = this.realm.limits.maxPendingInvocationsPerCallerAtCallee;
    let exhausted = false;
    let start = 0;
    let step = 1;
    switch (reg.invoke) {
      case 'single':
      case 'first':
        break;
      case 'last':
        start = n - 1;
        step = n - 1;
        break;
      case 'roundrobin':
        start = reg.next % n;
        reg.next = (start + 1) % n;
        break;
      case 'random':
        start = (this.realm.router.random() - 1) % n;
        break;
    }
    for (let k = 0; k < n; k++) {
      const c = cs[(start + k * step) % n]!;
      if (c.peer.invocations.size >= max || !c.peer.reachable) continue;
      if ((c.peer.callerShares.get(caller) ?? 0) >= share) {
        exhausted = true;
        continue;
      }
      return c;
    }
    return exhausted ? SHARE_EXHAUSTED : undefined;
  }

  // -------------------------------------------------------------------------
  // Cleanup and router-initiated invocations

  /**
   * `peer` is leaving. Basic profile: callers waiting on it get ERROR
   * `wamp.error.canceled` at once; callees working for it get INTERRUPT
   * `killnowait` (if they support call canceling). Then its registrations go.
   */
  removePeer(peer: Peer, now: number): void {
    for (const inv of peer.invocations.values()) {
      this.finish(inv, now);
      const o = inv.origin;
      if (o.kind === 'call') o.caller.send(error(MessageType.CALL, o.request, ErrorUri.CANCELED));
      else o.outcome.failed(ErrorUri.AUTHENTICATION_FAILED, ['the authenticator left'], now);
    }
    for (const inv of peer.calls.values()) {
      this.finish(inv, now);
      if (inv.callee.features.calleeCanceling) inv.callee.send(interrupt(inv.id, { mode: 'killnowait', reason: ErrorUri.CANCELED }));
    }
    for (const reg of peer.registrations.values()) this.detach(peer, reg);
  }

  /**
   * Call a dynamic authenticator procedure for a session that is
   * authenticating. Only callees of a trusted role are used. Returns the
   * invocation, or undefined when no such callee is available.
   */
  invokeForAuth(procedure: string, args: readonly unknown[], outcome: AuthOutcome): Invocation | undefined {
    const reg = this.index.best(procedure);
    if (reg === undefined) return undefined;
    const max = this.realm.limits.maxPendingInvocationsPerCallee;
    const callee = reg.callees.find((c) => c.peer.role.trusted && c.peer.reachable && c.peer.invocations.size < max);
    if (callee === undefined) return undefined;
    const cp = callee.peer;
    const details = reg.match === 'exact' ? EMPTY : { procedure };
    const inv = new Invocation(cp.nextInvocationId(), cp, reg.id, { kind: 'auth', outcome }, details, 0, false);
    cp.invocations.set(inv.id, inv);
    cp.send(invocation(inv.id, reg.id, { args }, details));
    return inv;
  }

  /** The session waiting on an authenticator invocation went away: interrupt the callee. */
  abandon(inv: Invocation, now: number): void {
    if (inv.done) return;
    this.finish(inv, now);
    if (inv.callee.features.calleeCanceling) inv.callee.send(interrupt(inv.id, { mode: 'killnowait', reason: ErrorUri.CANCELED }));
  }
}
