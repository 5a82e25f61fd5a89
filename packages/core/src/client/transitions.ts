/**
 * The one transition table of the client session (basic profile, "Sessions",
 * state chart and transitions 1–14, seen from the client).
 *
 * Rows are states, columns are inputs, a cell is the next state. The table is
 * the whole truth: `ClientSession` looks every input up here before acting,
 * a missing pair is a protocol violation when the input came from the router
 * and a {@link LocalProtocolError} when it came from the application, and
 * {@link clientStateDiagram} renders the same table for the documentation.
 */

import { stateDiagram, type StateDiagramOptions } from '../transitions-diagram.js';

/** The states of a client session, as the `tag` of `ClientSession.state`. */
export type ClientStateTag =
  | 'closed'
  | 'establishing'
  | 'challenging'
  | 'authenticating'
  | 'established'
  | 'shuttingDown';

/**
 * Inputs that can change (or must be checked against) the state.
 *
 * - `SEND_*`: application commands. `SEND_REQUEST` is every request of an
 *   established session (CALL, CANCEL, REGISTER, UNREGISTER, SUBSCRIBE,
 *   UNSUBSCRIBE, PUBLISH); `SEND_REPLY` is YIELD or ERROR for an invocation.
 * - `RECV_*`: router messages. `RECV_SESSION_MSG` is everything an established
 *   session exchanges (RESULT, ERROR, EVENT, INVOCATION, INTERRUPT and the
 *   `*ED` acknowledgements); `RECV_INVALID` is a frame that does not decode or
 *   a message only a client may send (HELLO, CALL, YIELD, ...).
 * - `*_TIMEOUT`: local deadlines reported by `handleTimeout(now)`.
 * - `TRANSPORT_CLOSED`: the connection went away.
 */
export type ClientInput =
  | 'SEND_HELLO'
  | 'SEND_AUTHENTICATE'
  | 'SEND_REQUEST'
  | 'SEND_REPLY'
  | 'SEND_GOODBYE'
  | 'SEND_ABORT'
  | 'RECV_WELCOME'
  | 'RECV_CHALLENGE'
  | 'RECV_ABORT'
  | 'RECV_GOODBYE'
  | 'RECV_SESSION_MSG'
  | 'RECV_INVALID'
  | 'CALL_TIMEOUT'
  | 'JOIN_TIMEOUT'
  | 'GOODBYE_TIMEOUT'
  | 'TRANSPORT_CLOSED';

/** The client session's transition table: state × input → next state; a missing pair is a protocol violation. */
export type ClientTransitionTable = {
  readonly [S in ClientStateTag]: { readonly [I in ClientInput]?: ClientStateTag };
};

/**
 * Notes on the less obvious cells:
 * - `closed` ignores whatever the router still sends: after ABORT or GOODBYE
 *   the spec says to stop processing the peer's messages.
 * - `closed`/`shuttingDown` + `SEND_REPLY`: an invocation handler that
 *   finishes after the session ended is dropped, not a fault of the application.
 * - `shuttingDown` + `RECV_SESSION_MSG`: transition 14, "received other / ignore".
 * - `established` + `RECV_GOODBYE` answers with GOODBYE `wamp.close.goodbye_and_out`.
 * - `challenging` waits for the application's signature; a WELCOME or second
 *   CHALLENGE before it answered is a violation. `authenticating` may get
 *   another CHALLENGE (multi-round authentication).
 */
export const CLIENT_TRANSITIONS: ClientTransitionTable = Object.freeze({
  closed: {
    SEND_HELLO: 'establishing',
    SEND_REPLY: 'closed',
    RECV_WELCOME: 'closed',
    RECV_CHALLENGE: 'closed',
    RECV_ABORT: 'closed',
    RECV_GOODBYE: 'closed',
    RECV_SESSION_MSG: 'closed',
    RECV_INVALID: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  establishing: {
    RECV_WELCOME: 'established',
    RECV_CHALLENGE: 'challenging',
    RECV_ABORT: 'closed',
    SEND_ABORT: 'closed',
    JOIN_TIMEOUT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  challenging: {
    SEND_AUTHENTICATE: 'authenticating',
    RECV_ABORT: 'closed',
    SEND_ABORT: 'closed',
    JOIN_TIMEOUT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  authenticating: {
    RECV_WELCOME: 'established',
    RECV_CHALLENGE: 'challenging',
    RECV_ABORT: 'closed',
    SEND_ABORT: 'closed',
    JOIN_TIMEOUT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  established: {
    SEND_REQUEST: 'established',
    SEND_REPLY: 'established',
    RECV_SESSION_MSG: 'established',
    CALL_TIMEOUT: 'established',
    SEND_GOODBYE: 'shuttingDown',
    RECV_GOODBYE: 'closed',
    RECV_ABORT: 'closed',
    SEND_ABORT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  shuttingDown: {
    SEND_REPLY: 'shuttingDown',
    RECV_SESSION_MSG: 'shuttingDown',
    RECV_GOODBYE: 'closed',
    RECV_ABORT: 'closed',
    SEND_ABORT: 'closed',
    GOODBYE_TIMEOUT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
});

/** The next state for `input` in `state`, or undefined when the pair is not allowed. */
export function clientNextState(state: ClientStateTag, input: ClientInput): ClientStateTag | undefined {
  return CLIENT_TRANSITIONS[state][input];
}

/**
 * The transition table as a Mermaid `stateDiagram-v2` (see {@link stateDiagram}):
 * edges between the same two states are merged into one with all their
 * inputs; self-loops are left out unless `selfLoops` is true.
 */
export function clientStateDiagram(options: StateDiagramOptions = {}): string {
  return stateDiagram(CLIENT_TRANSITIONS, 'closed', undefined, options);
}
