/**
 * The callee role of the client session (basic profile "Registering and
 * Unregistering", "Calling and Invocations"; advanced profile "Progressive
 * Call Results", "Progressive Call Invocations", "Call Canceling", "Call
 * Timeouts", "Registration Revocation", "Caller Identification"): REGISTER,
 * UNREGISTER, INVOCATION, YIELD, ERROR for an invocation, INTERRUPT.
 *
 * It is a module of its own so that an application that only calls,
 * publishes and subscribes does not carry it: {@link clientCallee} installs it
 * on a {@link LeanClientSession} at the first use (the `register()` of
 * @wamp/client does), and {@link ClientSession} is the session with it built
 * in. The session keeps the state (`Joined.registrations`, `.invocations`);
 * this module handles the messages and commands of the role.
 */

import { ErrorUri, LocalProtocolError } from '../errors.js';
import { isId } from '../ids.js';
import { isValidPattern, type MatchPolicy } from '../uri.js';
import {
  MessageType,
  error as errorMsg,
  register as registerMsg,
  unregister as unregisterMsg,
  yield_,
  type Interrupt,
  type Invocation,
  type Registered,
  type Unregistered,
} from '../wire/messages.js';
import type { Dict } from '../types.js';
import type { InvocationEvent } from './events.js';
import { registerOptionsToWire, yieldOptionsToWire, type ContinueCallOptions, type RegisterOptions, type YieldOptions } from './options.js';
import { continueCall } from './progressive.js';
import {
  EMPTY,
  LeanClientSession,
  checkArguments,
  checkDict,
  checkUri,
  levelOf,
  requireRole,
  stringOf,
  timeOf,
  withDelivered,
  withPassthru,
  type Arguments,
  type CalleeHandlers,
  type ClientSessionOptions,
  type InvocationEntry,
  type Joined,
} from './session.js';

/** The commands of the callee role on a client session; see {@link clientCallee}. */
export interface ClientCallee {
  /** Send REGISTER; returns its request ID. Answered by a `registered` or `error` event. */
  register(procedure: string, options?: RegisterOptions): number;
  /** Send UNREGISTER; returns its request ID. Answered by an `unregistered` or `error` event. */
  unregister(registration: number): number;
  /**
   * Answer an invocation with YIELD. `progress: true` sends a progressive
   * result (only if the caller asked for them) and keeps the invocation open.
   * Returns false, sending nothing, when the invocation is gone (interrupted
   * with `killnowait`, or the session ended): a late answer is not a fault.
   */
  yield(request: number, payload?: Arguments, options?: YieldOptions): boolean;
  /** Answer an invocation with ERROR (basic profile "Invocation ERROR"). Returns false when the invocation is gone. */
  yieldError(request: number, error: string, payload?: Arguments, details?: Dict): boolean;
}

/**
 * The callee side of `session`, installed on first use (later calls return
 * the same object). From then on the session handles REGISTERED,
 * UNREGISTERED, INVOCATION and INTERRUPT; before, it refuses them as a
 * session that registered nothing does.
 */
export function clientCallee(session: LeanClientSession): ClientCallee {
  const installed = session.callee;
  if (installed instanceof Callee) return installed;
  const callee = new Callee(session);
  session.callee = callee;
  return callee;
}

class Callee implements ClientCallee, CalleeHandlers {
  readonly #s: LeanClientSession;

  constructor(s: LeanClientSession) {
    this.#s = s;
  }

  register(procedure: string, options?: RegisterOptions): number {
    const s = this.#s;
    const j = s.established('register');
    s.requireOwnRole('callee', 'register');
    requireRole(j.roles.dealer, 'dealer', 'register');
    const wire = registerOptionsToWire(options);
    const match = (wire.dict['match'] as MatchPolicy | undefined) ?? 'exact';
    if (!isValidPattern(procedure, match, s.uriRule)) {
      throw new LocalProtocolError(ErrorUri.INVALID_URI, `invalid ${match} procedure ${JSON.stringify(procedure)}`);
    }
    return s.request(j, (id) => registerMsg(id, procedure, wire.dict), { kind: 'register', procedure }, 'RegisterOptions', wire.unknown);
  }

  unregister(registration: number): number {
    const j = this.#s.established('unregister');
    const reg = j.registrations.get(registration);
    if (reg === undefined || reg.phase !== 'active') {
      throw new LocalProtocolError(ErrorUri.NO_SUCH_REGISTRATION, `no active registration ${registration}`);
    }
    const id = this.#s.request(j, (id) => unregisterMsg(id, registration), { kind: 'unregister', registration });
    reg.phase = 'unregistering';
    return id;
  }

  yield(request: number, payload?: Arguments, options?: YieldOptions): boolean {
    const s = this.#s;
    const j = s.joinedForReply('yield');
    if (j === undefined) return false;
    const inv = invocationFor(j, request);
    if (inv === undefined) return false;
    const wire = yieldOptionsToWire(options);
    const progress = wire.dict['progress'] === true;
    if (progress && !inv.receiveProgress) {
      throw new LocalProtocolError(
        ErrorUri.INVALID_ARGUMENT,
        `invocation ${request}: the caller did not ask for progressive results`,
      );
    }
    const args = checkArguments(payload);
    const dict = payload?.passthru !== undefined ? withPassthru(wire.dict, payload.passthru, j.roles.dealer, 'dealer') : wire.dict;
    const msg = yield_(request, args, dict);
    const frame = s.encode(msg);
    if (!progress) this.#endInvocation(j, request);
    s.warnUnknown('YieldOptions', wire.unknown);
    s.transmit(frame, msg);
    return true;
  }

  yieldError(request: number, error: string, payload?: Arguments, details: Dict = EMPTY): boolean {
    const s = this.#s;
    const j = s.joinedForReply('yieldError');
    if (j === undefined) return false;
    const inv = invocationFor(j, request);
    if (inv === undefined) return false;
    checkUri(error, s.uriRule, 'error');
    const args = checkArguments(payload);
    let dict = checkDict(details, 'details');
    if (payload?.passthru !== undefined) dict = withPassthru(dict, payload.passthru, j.roles.dealer, 'dealer');
    const msg = errorMsg(MessageType.INVOCATION, request, error, args, dict);
    const frame = s.encode(msg);
    this.#endInvocation(j, request);
    s.transmit(frame, msg);
    return true;
  }

  // -------------------------------------------------------------------------
  // Router messages

  onRegistered(j: Joined, msg: Registered): void {
    const p = this.#s.pendingFor(j, msg.request, 'register', 'REGISTERED');
    if (p === undefined) return;
    j.requests.delete(msg.request);
    // An ID this session already holds stays as it is: if it is being
    // unregistered, the UNREGISTER sent after this REGISTER will end it.
    if (!j.registrations.has(msg.registration)) {
      j.registrations.set(msg.registration, { procedure: p.procedure, phase: 'active' });
    }
    this.#s.emit({ type: 'registered', request: msg.request, registration: msg.registration, procedure: p.procedure });
  }

  onUnregistered(j: Joined, msg: Unregistered): void {
    if (msg.request === 0) {
      // Advanced profile "Registration Revocation": [UNREGISTERED, 0, {registration, reason}].
      const registration = msg.details?.['registration'];
      if (!isId(registration) || !j.registrations.has(registration)) return this.#s.unknownRegistration('UNREGISTERED revokes', registration);
      j.registrations.delete(registration);
      this.#s.emit({ type: 'registrationRevoked', registration, reason: stringOf(msg.details?.['reason']) });
      return;
    }
    const p = this.#s.pendingFor(j, msg.request, 'unregister', 'UNREGISTERED');
    if (p === undefined) return;
    j.requests.delete(msg.request);
    j.registrations.delete(p.registration);
    this.#s.emit({ type: 'unregistered', request: msg.request, registration: p.registration });
  }

  /**
   * INVOCATION, including the chunks of a progressive call invocation, which
   * reuse the request ID (advanced profile "Progressive Call Invocations",
   * "Continuations on Completed Calls": a chunk for an invocation this
   * callee already answered is dropped).
   */
  onInvocation(j: Joined, msg: Invocation, now: number | (() => number)): void {
    const reg = j.registrations.get(msg.registration);
    if (reg === undefined) return this.#s.unknownRegistration('INVOCATION for', msg.registration);
    const progress = msg.details['progress'] === true;
    const procedure = stringOf(msg.details['procedure']) ?? reg.procedure;
    const receiveProgress = msg.details['receive_progress'] === true;
    const existing = j.invocations.get(msg.request);
    if (existing !== undefined) {
      if (!existing.receiving) {
        return this.#s.violate(`INVOCATION reuses request ${msg.request} of an invocation in progress`);
      }
      if (existing.registration !== msg.registration) {
        return this.#s.violate(`INVOCATION continues request ${msg.request} under another registration`);
      }
      existing.receiving = progress;
    } else {
      if (msg.request <= j.invocationWatermark) {
        this.#s.warn(`INVOCATION chunk for finished invocation ${msg.request} dropped`);
        return;
      }
      j.invocationWatermark = msg.request;
      j.invocations.set(msg.request, {
        registration: msg.registration,
        receiveProgress,
        receiving: progress,
        interrupted: false,
      });
      // Advanced profile "Call Timeouts": the dealer hands the timeout to a callee announcing call_timeout.
      const timeout = msg.details['timeout'];
      if (typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout)) this.#s.deadlines.set(-msg.request, timeOf(now) + timeout);
    }
    this.#s.emit(
      withDelivered(
        withCaller({
          type: 'invocation',
          request: msg.request,
          registration: msg.registration,
          procedure,
          details: msg.details,
          // A chunk keeps what the first INVOCATION of the call asked for.
          receiveProgress: existing?.receiveProgress ?? receiveProgress,
          progress,
          continuation: existing !== undefined,
        }, msg.details),
        msg,
      ),
    );
  }

  /** INTERRUPT (advanced profile "Call Canceling"). */
  onInterrupt(j: Joined, msg: Interrupt): void {
    const inv = j.invocations.get(msg.request);
    if (inv === undefined) {
      if (msg.request > j.invocationWatermark) return this.#s.unknownInvocation(msg.request);
      // Already answered: the INTERRUPT crossed our YIELD or ERROR.
      return;
    }
    if (inv.interrupted) {
      this.#s.warn(`second INTERRUPT for invocation ${msg.request} ignored`);
      return;
    }
    const mode = msg.options['mode'] === 'killnowait' ? 'killnowait' : 'kill';
    if (mode === 'killnowait') {
      // "any responses from the Callee are ignored": forget it, so a late answer is dropped here.
      this.#endInvocation(j, msg.request);
    } else {
      inv.interrupted = true;
    }
    this.#s.emit({ type: 'interrupt', request: msg.request, mode, reason: stringOf(msg.options['reason']) });
  }

  /**
   * The timeout of an invocation passed (callee-side call timeout): the
   * application is told as by an INTERRUPT `kill` with reason
   * `wamp.error.timeout`, and still answers (a handler that gives up answers
   * `wamp.error.canceled`).
   */
  onInvocationTimeout(request: number): void {
    const st = this.#s.state;
    if (st.tag !== 'established') return;
    const inv = st.joined.invocations.get(request);
    if (inv === undefined || inv.interrupted) return;
    inv.interrupted = true;
    this.#s.emit({ type: 'interrupt', request, mode: 'kill', reason: ErrorUri.TIMEOUT });
  }

  /** An invocation is over (answered, or interrupted with `killnowait`): forget it and its deadline. */
  #endInvocation(j: Joined, request: number): void {
    j.invocations.delete(request);
    this.#s.deadlines.delete(-request);
  }
}

/** The invocation to answer, undefined if it already ended; throws if it never existed. */
function invocationFor(j: Joined, request: number): InvocationEntry | undefined {
  const inv = j.invocations.get(request);
  if (inv !== undefined) return inv;
  if (isId(request) && request <= j.invocationWatermark) return undefined;
  throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `no invocation with request ID ${request}`);
}

/**
 * The identity and trust fields of INVOCATION.Details, decoded once here
 * (advanced profile "Caller Identification", "Call Timeouts", "Call Trust
 * Levels"); a field of the wrong type reads as absent.
 */
function withCaller<T extends object>(event: T, d: Dict): T & CallerFields {
  const out = event as T & { -readonly [K in keyof CallerFields]: CallerFields[K] };
  const caller = d['caller'];
  out.caller = typeof caller === 'number' ? caller : undefined;
  out.callerAuthid = stringOf(d['caller_authid']);
  out.callerAuthrole = stringOf(d['caller_authrole']);
  out.timeout = positiveIntOf(d['timeout']);
  out.trustlevel = levelOf(d['trustlevel']);
  return out;
}

type CallerFields = Pick<InvocationEvent, 'caller' | 'callerAuthid' | 'callerAuthrole' | 'timeout' | 'trustlevel'>;

function positiveIntOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/**
 * The client session with the callee role built in: a
 * {@link LeanClientSession} with `register`, `unregister`, `yield` and
 * `yieldError` as methods (see {@link ClientCallee}).
 */
export class ClientSession extends LeanClientSession implements ClientCallee {
  readonly #calleeSide: ClientCallee;

  constructor(options: ClientSessionOptions) {
    super(options);
    this.#calleeSide = clientCallee(this);
  }

  /** Send REGISTER; returns its request ID. Answered by a `registered` or `error` event. */
  register(procedure: string, options?: RegisterOptions): number {
    return this.#calleeSide.register(procedure, options);
  }

  /** Send UNREGISTER; returns its request ID. Answered by an `unregistered` or `error` event. */
  unregister(registration: number): number {
    return this.#calleeSide.unregister(registration);
  }

  /**
   * Answer an invocation with YIELD. `progress: true` sends a progressive
   * result (only if the caller asked for them) and keeps the invocation open.
   * Returns false, sending nothing, when the invocation is gone (interrupted
   * with `killnowait`, or the session ended): a late answer is not a fault.
   */
  yield(request: number, payload?: Arguments, options?: YieldOptions): boolean {
    return this.#calleeSide.yield(request, payload, options);
  }

  /** Answer an invocation with ERROR (basic profile "Invocation ERROR"). Returns false when the invocation is gone. */
  yieldError(request: number, error: string, payload?: Arguments, details: Dict = EMPTY): boolean {
    return this.#calleeSide.yieldError(request, error, payload, details);
  }

  /**
   * Send the next chunk of a progressive call invocation (a CALL with the
   * same request ID). `progress: false` (the default) sends the last chunk.
   * Returns false, sending nothing, when the call already ended (the callee
   * answered, or it was cancelled): the spec lets either side race here.
   * On a {@link LeanClientSession}: the function {@link continueCall}.
   */
  continueCall(request: number, payload?: Arguments, options: ContinueCallOptions = {}): boolean {
    return continueCall(this, request, payload, options);
  }
}
