/**
 * The router's Prometheus metrics, on a registry of its own (never the global
 * one of prom-client, so that two routers in one process, or the embedding
 * application, do not mix their figures). The hot paths only bump plain
 * counters; prom-client reads them when `/metrics` is scraped.
 */

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  ErrorUri,
  MessageType,
  messageTypeName,
  type CallOutcome,
  type Frame,
  type RouterEvent,
  type RouterProbe,
  type RouterSession,
} from '@wamp/core';
import type { TransportCloseInfo } from '@wamp/client';
import type { HostObserver } from './host.js';
import { peekMessageType } from './trace.js';

/** Refusal reasons counted as authentication failures (`wamp_auth_failures_total`). */
const AUTH_FAILURES: ReadonlySet<string> = new Set([
  ErrorUri.AUTHENTICATION_FAILED,
  ErrorUri.NO_AUTH_METHOD,
  ErrorUri.NO_SUCH_ROLE,
  ErrorUri.NOT_AUTHORIZED,
  ErrorUri.AUTHORIZATION_FAILED,
]);

/** Upper bounds of the call duration histogram, in seconds. */
export const CALL_DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Metrics of one router. Built by `WampRouter` when the operations endpoint
 * is configured; `registry` is what `/metrics` serves.
 */
export class RouterMetrics implements HostObserver {
  readonly registry = new Registry();
  /** Hooks the core router calls (call durations). */
  readonly probe: RouterProbe;
  private readonly received = new Float64Array(256);
  private readonly sent = new Float64Array(256);
  private eventsDropped = 0;
  /** The frame being handed to a transport: a drop reported during that `send` is this frame. */
  private sending: { frame: Frame; session: RouterSession } | undefined;
  private readonly sessions: Gauge<'realm' | 'transport' | 'serializer'>;
  private readonly framesDropped: Counter<'transport' | 'reason'>;
  private readonly backpressureDisconnects: Counter<'transport'>;
  private readonly authFailures: Counter<'realm' | 'reason'>;
  private readonly protocolViolations: Counter;
  private readonly callDuration: Histogram<'outcome'>;

  /**
   * `realms` are the configured realm names (the only values of a `realm`
   * label); `connections` returns the number of attached transports. Give
   * `probe` to the core router (`RouterOptions.probe`).
   */
  constructor(realms: readonly string[], connections: () => number) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const received = this.received;
    const sent = this.sent;
    const byType = (counts: Float64Array, c: Counter<'type'>): void => {
      c.reset();
      for (let t = 0; t < counts.length; t++) {
        const n = counts[t]!;
        if (n > 0) c.inc({ type: t === 0 ? 'UNKNOWN' : (messageTypeName(t) ?? String(t)) }, n);
      }
    };
    new Counter({
      name: 'wamp_messages_received_total',
      help: 'WAMP messages received from clients, by message type',
      labelNames: ['type'],
      registers,
      collect() {
        byType(received, this);
      },
    });
    new Counter({
      name: 'wamp_messages_sent_total',
      help: 'WAMP messages sent to clients (handed to the transport and not dropped), by message type',
      labelNames: ['type'],
      registers,
      collect() {
        byType(sent, this);
      },
    });
    this.sessions = new Gauge({
      name: 'wamp_sessions',
      help: 'Joined sessions, by realm, transport and serializer',
      labelNames: ['realm', 'transport', 'serializer'],
      registers,
    });
    new Gauge({
      name: 'wamp_connections',
      help: 'Open client connections (joined or not)',
      registers,
      collect() {
        this.set(connections());
      },
    });
    const inFlight = new Gauge({
      name: 'wamp_calls_in_flight',
      help: 'Calls routed to a callee and not yet answered',
      registers,
    });
    this.callDuration = new Histogram({
      name: 'wamp_call_duration_seconds',
      help: 'Time from CALL to its end (RESULT, ERROR, cancel, timeout), by outcome',
      labelNames: ['outcome'],
      buckets: [...CALL_DURATION_BUCKETS],
      registers,
    });
    new Counter({
      name: 'wamp_events_delivered_total',
      help: 'EVENT messages sent to subscribers',
      registers,
      collect() {
        this.reset();
        this.inc(sent[MessageType.EVENT]!);
      },
    });
    const eventsDropped = (): number => this.eventsDropped;
    new Counter({
      name: 'wamp_events_dropped_total',
      help: 'EVENT messages dropped because the subscriber stopped reading (backpressure policy "drop")',
      registers,
      collect() {
        this.reset();
        this.inc(eventsDropped());
      },
    });
    this.framesDropped = new Counter({
      name: 'wamp_frames_dropped_total',
      help: 'Outbound frames dropped, by transport and reason (backpressure, oversize)',
      labelNames: ['transport', 'reason'],
      registers,
    });
    this.backpressureDisconnects = new Counter({
      name: 'wamp_backpressure_disconnects_total',
      help: 'Connections closed because the peer stopped reading (backpressure policy "disconnect")',
      labelNames: ['transport'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'wamp_auth_failures_total',
      help: 'Sessions refused at authentication or for their role, by realm and reason',
      labelNames: ['realm', 'reason'],
      registers,
    });
    this.protocolViolations = new Counter({
      name: 'wamp_protocol_violations_total',
      help: 'Sessions aborted with wamp.error.protocol_violation',
      registers,
    });
    const duration = this.callDuration;
    this.probe = {
      callStarted(): void {
        inFlight.inc();
      },
      callEnded(durationMs: number, outcome: CallOutcome): void {
        inFlight.dec();
        duration.observe({ outcome }, durationMs / 1000);
      },
    };
    // Realm labels come from the configuration only: a HELLO cannot add label values.
    this.realms = new Set(realms);
  }

  private readonly realms: ReadonlySet<string>;

  frameIn(session: RouterSession, frame: Frame): void {
    const t = peekMessageType(frame, session.info.serializer.name);
    this.received[t !== undefined && t < 256 ? t : 0]!++;
  }

  frameOut(session: RouterSession, frame: Frame): void {
    const t = peekMessageType(frame, session.info.serializer.name);
    this.sent[t !== undefined && t < 256 ? t : 0]!++;
    this.sending = { frame, session };
  }

  /** The frame just given to `frameOut` has been sent (or refused). */
  frameDone(): void {
    this.sending = undefined;
  }

  /** A transport dropped an outbound frame (policy `drop`, or too large for a RawSocket peer). */
  dropped(transport: string, reason: string): void {
    this.framesDropped.inc({ transport, reason });
    const s = this.sending;
    if (s === undefined) return;
    const t = peekMessageType(s.frame, s.session.info.serializer.name);
    const i = t !== undefined && t < 256 ? t : 0;
    if (this.sent[i]! > 0) this.sent[i]!--;
    if (t === MessageType.EVENT) this.eventsDropped++;
  }

  event(e: RouterEvent): void {
    switch (e.type) {
      case 'session_joined':
        this.sessions.inc({ realm: e.realm, transport: e.transport, serializer: e.serializer });
        return;
      case 'session_left':
        this.sessions.dec({ realm: e.realm, transport: e.transport, serializer: e.serializer });
        return;
      case 'session_refused':
        if (AUTH_FAILURES.has(e.reason)) {
          this.authFailures.inc({ realm: e.realm !== undefined && this.realms.has(e.realm) ? e.realm : '', reason: e.reason });
        }
        return;
      case 'warning':
        if (e.code === 'protocol_violation') this.protocolViolations.inc();
        return;
      default:
        return;
    }
  }

  transportClosed(session: RouterSession, info: TransportCloseInfo): void {
    if (info.reason?.startsWith('outbound queue bound exceeded') === true) {
      this.backpressureDisconnects.inc({ transport: session.info.transport });
    }
  }
}
