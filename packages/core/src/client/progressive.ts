/**
 * The caller's side of "Progressive Call Invocations" (advanced profile)
 * after the first chunk: a function rather than a method of
 * {@link LeanClientSession}, so that a client that never sends a call in
 * chunks does not carry it. {@link ClientSession} has it as a method.
 */

import { ErrorUri, LocalProtocolError } from '../errors.js';
import { isId } from '../ids.js';
import { call as callMsg } from '../wire/messages.js';
import type { Dict } from '../types.js';
import type { ContinueCallOptions } from './options.js';
import { EMPTY, checkArguments, withPassthru, type Arguments, type LeanClientSession } from './session.js';

/**
 * Send the next chunk of a progressive call invocation of `session` (a CALL
 * with the same request ID as the call sent with `progress: true`).
 * `progress: false` (the default) sends the last chunk. Returns false,
 * sending nothing, when the call already ended (the callee answered, or it
 * was cancelled): the spec lets either side race here.
 */
export function continueCall(session: LeanClientSession, request: number, payload?: Arguments, options: ContinueCallOptions = {}): boolean {
  const j = session.established('continueCall');
  const p = j.requests.get(request);
  if (p === undefined) {
    if (isId(request) && request <= j.lastRequest) return false;
    throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `no call with request ID ${request}`);
  }
  if (p.kind !== 'call' || !p.sending) {
    throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `request ${request} is not an open progressive call`);
  }
  if (p.phase === 'abandoned') return false;
  const more = options.progress === true;
  const args = checkArguments(payload);
  let dict: Dict = more ? { progress: true } : EMPTY;
  if (payload?.passthru !== undefined) dict = withPassthru(dict, payload.passthru, j.roles.dealer, 'dealer');
  const msg = callMsg(request, p.procedure, args, dict);
  const frame = session.encode(msg);
  if (!more) p.sending = false;
  session.transmit(frame, msg);
  return true;
}
