/**
 * The one transition table of a router session (basic profile, "Sessions",
 * the state chart and transitions 1–14, seen from the router; advanced
 * profile, "Authentication").
 *
 * Rows are states, columns are inputs, a cell is the next state.
 * `RouterSession` looks every input up here before acting: a message from the
 * client whose cell is missing is a protocol violation (ABORT
 * `wamp.error.protocol_violation`), and {@link routerStateDiagram} renders the
 * same table for the documentation.
 */

import { stateDiagram, type StateDiagramOptions } from '../transitions-diagram.js';

/** The states of a router session, as the `tag` of `RouterSession.state`. */
export type RouterStateTag =
  /** Transport open, nothing received yet. */
  | 'awaitingHello'
  /** HELLO received; the router is deciding (a dynamic authenticator, or a signature being verified). */
  | 'authenticating'
  /** CHALLENGE sent; waiting for AUTHENTICATE. */
  | 'challenging'
  | 'established'
  /** The router sent GOODBYE (the session was killed, or the router shuts down) and waits for the reply. */
  | 'shuttingDown'
  | 'closed';

/**
 * - `RECV_*`: client messages. `RECV_SESSION_MSG` is everything an
 *   established client sends (PUBLISH, SUBSCRIBE, UNSUBSCRIBE, CALL, CANCEL,
 *   REGISTER, UNREGISTER, YIELD, ERROR); `RECV_INVALID` is a frame that does
 *   not decode, or a message only a router sends (WELCOME, EVENT, ...).
 * - `SEND_*`: what the router decides to send.
 * - `*_TIMEOUT`: deadlines reported by `Router.handleTimeout(now)`.
 * - `TRANSPORT_CLOSED`: the adapter says the connection is gone.
 */
export type RouterInput =
  | 'RECV_HELLO'
  | 'RECV_AUTHENTICATE'
  | 'RECV_GOODBYE'
  | 'RECV_ABORT'
  | 'RECV_SESSION_MSG'
  | 'RECV_INVALID'
  | 'SEND_CHALLENGE'
  | 'SEND_WELCOME'
  | 'SEND_GOODBYE'
  | 'SEND_ABORT'
  | 'HELLO_TIMEOUT'
  | 'AUTH_TIMEOUT'
  | 'GOODBYE_TIMEOUT'
  | 'TRANSPORT_CLOSED';

/** The router session's transition table: state × input → next state; a missing pair is a protocol violation. */
export type RouterTransitionTable = {
  readonly [S in RouterStateTag]: { readonly [I in RouterInput]?: RouterStateTag };
};

const IGNORE_ALL_RECV = {
  RECV_HELLO: 'closed',
  RECV_AUTHENTICATE: 'closed',
  RECV_GOODBYE: 'closed',
  RECV_ABORT: 'closed',
  RECV_SESSION_MSG: 'closed',
  RECV_INVALID: 'closed',
} as const;

/**
 * Notes on the less obvious cells:
 * - `authenticating` accepts nothing from the client but ABORT: AUTHENTICATE
 *   before a CHALLENGE, or a second HELLO, is a violation (transitions 8, 13).
 * - `established` + `RECV_GOODBYE` is answered with GOODBYE
 *   `wamp.close.goodbye_and_out` (transition 4).
 * - `shuttingDown` ignores everything but GOODBYE and ABORT (transition 14).
 * - `closed` ignores whatever the client still sends: after ABORT or GOODBYE
 *   the spec says to stop processing the peer's messages.
 */
export const ROUTER_TRANSITIONS: RouterTransitionTable = Object.freeze({
  awaitingHello: {
    RECV_HELLO: 'authenticating',
    RECV_ABORT: 'closed',
    SEND_ABORT: 'closed',
    HELLO_TIMEOUT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  authenticating: {
    SEND_CHALLENGE: 'challenging',
    SEND_WELCOME: 'established',
    SEND_ABORT: 'closed',
    RECV_ABORT: 'closed',
    AUTH_TIMEOUT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  challenging: {
    RECV_AUTHENTICATE: 'authenticating',
    RECV_ABORT: 'closed',
    SEND_ABORT: 'closed',
    AUTH_TIMEOUT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  established: {
    RECV_SESSION_MSG: 'established',
    RECV_GOODBYE: 'closed',
    RECV_ABORT: 'closed',
    SEND_GOODBYE: 'shuttingDown',
    SEND_ABORT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  shuttingDown: {
    RECV_HELLO: 'shuttingDown',
    RECV_AUTHENTICATE: 'shuttingDown',
    RECV_SESSION_MSG: 'shuttingDown',
    RECV_INVALID: 'shuttingDown',
    RECV_GOODBYE: 'closed',
    RECV_ABORT: 'closed',
    SEND_ABORT: 'closed',
    GOODBYE_TIMEOUT: 'closed',
    TRANSPORT_CLOSED: 'closed',
  },
  closed: {
    ...IGNORE_ALL_RECV,
    TRANSPORT_CLOSED: 'closed',
  },
});

/** The next state for `input` in `state`, or undefined when the pair is not allowed. */
export function routerNextState(state: RouterStateTag, input: RouterInput): RouterStateTag | undefined {
  return ROUTER_TRANSITIONS[state][input];
}

/**
 * The transition table as a Mermaid `stateDiagram-v2` (see {@link stateDiagram}):
 * edges between the same two states are merged into one with all their
 * inputs; self-loops are left out unless `selfLoops` is true.
 */
export function routerStateDiagram(options: StateDiagramOptions = {}): string {
  return stateDiagram(ROUTER_TRANSITIONS, 'awaitingHello', 'closed', options);
}
