// An ordered list of ways to reach one router (RawSocket MessagePack, then
// RawSocket JSON, then WebSocket, ...): each connection attempt tries them in
// turn and keeps the first that opens. Only the transport is tried here; once a
// transport is open, joining is the session's business (a router that refuses
// the realm or the credentials would refuse them on every transport alike).

import { TRANSPORT_LOST, WampError } from '@wamp/core';
import type { Transport, TransportFactory } from './transport.js';

/** One entry of a connector list: a name for messages (usually its URL and serializers) and the factory that opens it. */
export interface Connector {
  readonly name: string;
  readonly open: TransportFactory;
}

/** One failed attempt of a connector list: which connector, and what it failed with. */
export interface ConnectAttempt {
  readonly connector: string;
  readonly error: unknown;
}

/**
 * Every connector of a list failed. `attempts` holds each one, in the order
 * tried, with its error; the message lists them as
 * `name: reason; name: reason`. Its URI is `wamp.close.transport_lost`, the
 * reason a `Client` reports for a connection attempt that failed (it retries
 * after it, as after any transport failure).
 */
export class TransportsFailedError extends WampError {
  readonly attempts: readonly ConnectAttempt[];

  constructor(attempts: readonly ConnectAttempt[]) {
    const list = attempts.map((a) => `${a.connector}: ${messageOf(a.error)}`).join('; ');
    super(TRANSPORT_LOST, [], {}, `no transport could be opened (${attempts.length} tried) — ${list}`);
    this.name = 'TransportsFailedError';
    this.attempts = Object.freeze([...attempts]);
  }
}

/** Observes a connector list at work (for logs): called after each failed attempt, before the next. */
export type ConnectorFailureListener = (attempt: ConnectAttempt) => void;

/**
 * A `TransportFactory` that tries `connectors` in order on every call and
 * resolves with the first transport that opens; when all fail it rejects with
 * a {@link TransportsFailedError} listing each attempt (also for a list of
 * one, so that the error has one type).
 */
export function firstOpening(connectors: readonly Connector[], onFailure?: ConnectorFailureListener): TransportFactory {
  if (connectors.length === 0) throw new TypeError('a connector list needs at least one connector');
  const list = [...connectors];
  return async (): Promise<Transport> => {
    const attempts: ConnectAttempt[] = [];
    for (const c of list) {
      try {
        return await c.open();
      } catch (error) {
        const attempt = { connector: c.name, error };
        attempts.push(attempt);
        try {
          onFailure?.(attempt);
        } catch {
          // A listener that throws does not stop the list.
        }
      }
    }
    throw new TransportsFailedError(attempts);
  };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
