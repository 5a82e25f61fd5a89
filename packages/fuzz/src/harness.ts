/**
 * The harness between the model's commands and a {@link Driver}: one
 * connection per simulated session ("slot"), every frame from the router
 * decoded and matched against what the model expects, and a wait that is
 * exact in memory and bounded in time over a network.
 *
 * Contract for commands: register expectations, send, then `await settle()`.
 * Every message the router sends must match an open expectation; one that
 * matches none is a violation whenever it arrives (a late duplicate is caught
 * by a later command's settle, or by `finish()`). `settle()` returns when all
 * required expectations are met and throws the first {@link InvariantViolation}.
 */

import { decodeMessage, messageTypeName, toWire, type Frame, type Message } from '@wamp/core';
import type { Driver, DriverConnection } from './driver.js';

/** Names of the invariants the fuzzer checks; a report groups findings by them. */
export type Rule =
  /** The router sent a message nothing in the model allows. */
  | 'unexpected-message'
  /** A reply the specification requires did not come (in memory: after the router went idle; live: within the timeout). */
  | 'missing-reply'
  /** A reply came for the right request but is wrong (URI, payload, IDs). */
  | 'wrong-reply'
  /** The router sent a frame that is not a valid WAMP message. */
  | 'malformed-from-router'
  /** The router closed a connection where the model allows no close. */
  | 'unexpected-close'
  /** The router broke its transport's rules (RawSocket framing, WebSocket subprotocol). */
  | 'transport'
  /** Events from one publisher, or invocations from one caller, arrived out of order. */
  | 'ordering'
  /** The router could not be reached, or threw (in memory). */
  | 'router-down';

/** A broken invariant; thrown out of a command so that fast-check shrinks the run. */
export class InvariantViolation extends Error {
  /** For `router-down`: the run had not sent anything yet (so an earlier run brought the router down). */
  beforeAnyTraffic = false;
  constructor(
    readonly rule: Rule,
    readonly detail: string,
    /** The specification text the rule comes from, quoted where it helps. */
    readonly spec?: string,
  ) {
    super(`[${rule}] ${detail}${spec === undefined ? '' : `\n  spec: ${spec}`}`);
    this.name = 'InvariantViolation';
  }
}

/** What arrives on a slot: a decoded message, or the end of the connection. */
export type Inbound =
  | { readonly kind: 'message'; readonly msg: Message }
  | { readonly kind: 'closed'; readonly code?: number | undefined; readonly reason?: string | undefined };

/** `ok`: this is the expected thing; `no`: not about this expectation; a string: about it, but wrong (the string says how). */
export type Verdict = 'ok' | 'no' | string;

/** What a command waits for: each inbound message of a slot is matched until the expectation is met or fails. */
export interface Expectation {
  /** For reports: "RESULT for CALL 5 at slot 1". */
  readonly what: string;
  /** The slots it may arrive at (any one of them, once). */
  readonly slots: readonly number[];
  /** Required expectations hold `settle()` until met; optional ones allow a message without demanding it. */
  readonly required: boolean;
  /** Optional expectations may match any number of times (e.g. a router's spontaneous close). */
  readonly repeatable?: boolean;
  /** The specification text to quote when the reply is missing. */
  readonly spec?: string;
  /** Judge one inbound message: `ok` (the expected one), `no` (not about this expectation), or what is wrong. */
  match(ev: Inbound, slot: number): Verdict;
  /** Called once on a match, with the slot it came at (binds the router's IDs into the model). */
  onMatch?(ev: Inbound, slot: number): void;
}

/** Options of {@link Harness}. */
export interface HarnessOptions {
  /** How long a live router may take to send a required reply. Default 2000 ms. */
  readonly replyTimeoutMs?: number;
  /** How long `finish()` listens for late, unexpected messages on a live router. Default 50 ms. */
  readonly quietMs?: number;
  /** Called with every frame in both directions (for `--verbose`). */
  readonly trace?: (line: string) => void;
}

interface Slot {
  readonly conn: DriverConnection;
  /** Bumped per connection, so that events of a replaced connection are ignored. */
  readonly epoch: number;
  /** The fuzzer closed it, or the session ended in a way that permits the router to close it. */
  closeAllowed: boolean;
  closed: boolean;
}

/** Render a wire value for reports: binary as `<hex>`, long strings cut. */
export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof Uint8Array) return `<${Array.from(x.subarray(0, 32), (b) => b.toString(16).padStart(2, '0')).join('')}${x.length > 32 ? '…' : ''}>`;
    if (typeof x === 'string' && x.length > 120) return `${x.slice(0, 120)}…(${x.length} chars)`;
    return x;
  });
}

/** A message for reports, in wire form with its type name. */
export function showMessage(m: Message): string {
  return `${messageTypeName(m.type) ?? m.type} ${show(toWire(m))}`;
}

/**
 * The sessions of one fuzz run over a driver: sends messages and bytes per slot, and checks every reply
 * against the expectations of the commands.
 */
export class Harness {
  private readonly slots = new Map<number, Slot>();
  private readonly open = new Set<Expectation>();
  private readonly violations: InvariantViolation[] = [];
  private wake: (() => void) | undefined;
  private epochs = 0;
  private readonly replyTimeoutMs: number;
  private readonly quietMs: number;
  /** Commands run through this harness, for the report. */
  commands = 0;
  /** The same, by kind. */
  readonly byKind = new Map<string, number>();
  /** Messages sent and received, for the report. */
  sent = 0;
  received = 0;

  constructor(
    readonly driver: Driver,
    private readonly opts: HarnessOptions = {},
  ) {
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 2000;
    this.quietMs = opts.quietMs ?? 50;
  }

  /** Is there a live connection at `slot`? */
  connected(slot: number): boolean {
    const s = this.slots.get(slot);
    return s !== undefined && !s.closed;
  }

  /** Open a new connection at `slot` (closing any previous one). */
  async connect(slot: number): Promise<void> {
    this.disconnect(slot);
    const epoch = ++this.epochs;
    let conn: DriverConnection;
    try {
      conn = await this.driver.connect({
        frame: (f) => this.onFrame(slot, epoch, f),
        closed: (info) => this.onClosed(slot, epoch, info.code, info.reason),
        transportViolation: (reason) => this.fail(new InvariantViolation('transport', `slot ${slot}: ${reason}`)),
      });
    } catch (e) {
      const v = new InvariantViolation('router-down', `cannot connect to ${this.driver.name}: ${e instanceof Error ? e.message : String(e)}`);
      v.beforeAnyTraffic = this.sent === 0;
      throw v;
    }
    this.slots.set(slot, { conn, epoch, closeAllowed: false, closed: false });
  }

  /** Close the connection at `slot` from the fuzzer's side, if any. */
  disconnect(slot: number): void {
    const s = this.slots.get(slot);
    if (s === undefined) return;
    this.slots.delete(slot);
    s.closeAllowed = true;
    if (!s.closed) {
      s.closed = true;
      s.conn.close();
    }
  }

  /** From now on, the router may close `slot` (after an ABORT or GOODBYE). */
  allowClose(slot: number): void {
    const s = this.slots.get(slot);
    if (s !== undefined) s.closeAllowed = true;
  }

  /** Encode `msg` and send it on slot `slot`. */
  send(slot: number, msg: Message): void {
    this.trace(`→ ${slot} ${showMessage(msg)}`);
    this.connection(slot).send(this.driver.serializer.encode(toWire(msg)));
    this.sent++;
  }

  /** Send a wire value that may be no valid message (the serializer encodes anything in its data model). */
  sendWire(slot: number, wire: unknown): void {
    this.trace(`→ ${slot} (raw) ${show(wire)}`);
    this.connection(slot).send(this.driver.serializer.encode(wire as unknown[]));
    this.sent++;
  }

  /** Send raw bytes (a malformed frame) on slot `slot`. */
  sendBytes(slot: number, bytes: Uint8Array): void {
    this.trace(`→ ${slot} (${bytes.length} bytes)`);
    this.connection(slot).sendBytes(bytes);
    this.sent++;
  }

  /** Count one command (or case) of `kind`, for the report. */
  note(kind: string): void {
    this.commands++;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
  }

  /** Register an expectation; returns it, for {@link retire}. */
  expect(e: Expectation): Expectation {
    this.open.add(e);
    return e;
  }

  /** Withdraw an expectation that can no longer be met (e.g. an optional INTERRUPT after the call ended). */
  retire(e: Expectation | undefined): void {
    if (e !== undefined) this.open.delete(e);
  }

  /** Record a violation found by a command itself (e.g. a duplicate ID); thrown at the next settle. */
  fail(v: InvariantViolation): void {
    this.violations.push(v);
    this.wake?.();
  }

  /**
   * Wait until every required expectation is met; throw the first violation.
   * In memory this runs the router to idle and decides at once.
   */
  async settle(): Promise<void> {
    if (this.driver.synchronous) {
      this.pump();
      this.throwIfViolated();
      const missing = this.firstRequired();
      if (missing !== undefined) this.missing(missing);
      return;
    }
    const deadline = Date.now() + this.replyTimeoutMs;
    for (;;) {
      this.throwIfViolated();
      const missing = this.firstRequired();
      if (missing === undefined) return;
      const left = deadline - Date.now();
      if (left <= 0) this.missing(missing);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /** End of a run: listen for stragglers (live), then check nothing unexpected arrived. */
  async finish(): Promise<void> {
    if (this.driver.synchronous) this.pump();
    else await new Promise((r) => setTimeout(r, this.quietMs));
    this.throwIfViolated();
  }

  /** Close every connection and the driver. */
  async dispose(): Promise<void> {
    for (const slot of [...this.slots.keys()]) this.disconnect(slot);
    this.open.clear();
    await this.driver.dispose();
  }

  private pump(): void {
    try {
      this.driver.flush();
    } catch (e) {
      this.fail(new InvariantViolation('router-down', `the router threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    }
  }

  private connection(slot: number): DriverConnection {
    const s = this.slots.get(slot);
    if (s === undefined) throw new Error(`fuzzer bug: no connection at slot ${slot}`);
    return s.conn;
  }

  private firstRequired(): Expectation | undefined {
    for (const e of this.open) if (e.required) return e;
    return undefined;
  }

  private missing(e: Expectation): never {
    const how = this.driver.synchronous ? 'after the router went idle' : `within ${this.replyTimeoutMs} ms`;
    throw new InvariantViolation('missing-reply', `expected ${e.what} (slots ${e.slots.join(', ')}), nothing came ${how}`, e.spec);
  }

  private throwIfViolated(): void {
    const v = this.violations[0];
    if (v !== undefined) throw v;
  }

  private trace(line: string): void {
    this.opts.trace?.(line);
  }

  private onFrame(slot: number, epoch: number, frame: Frame): void {
    const s = this.slots.get(slot);
    if (s === undefined || s.epoch !== epoch) return;
    this.received++;
    let msg: Message;
    try {
      msg = decodeMessage(this.driver.serializer, frame, { uriRule: 'loose' });
    } catch (e) {
      const text = typeof frame === 'string' ? frame : `<${frame.length} bytes>`;
      this.fail(
        new InvariantViolation('malformed-from-router', `slot ${slot} received ${show(text)}: ${e instanceof Error ? e.message : String(e)}`),
      );
      return;
    }
    this.trace(`← ${slot} ${showMessage(msg)}`);
    this.dispatch(slot, { kind: 'message', msg }, () => `slot ${slot} received ${showMessage(msg)}`);
  }

  private onClosed(slot: number, epoch: number, code: number | undefined, reason: string | undefined): void {
    const s = this.slots.get(slot);
    if (s === undefined || s.epoch !== epoch || s.closed) return;
    s.closed = true;
    this.trace(`← ${slot} closed ${code ?? ''} ${reason ?? ''}`);
    const ev: Inbound = { kind: 'closed', code, reason };
    if (s.closeAllowed) {
      // Still offer it: an expectation may be waiting for exactly this close.
      this.dispatch(slot, ev, () => '', true);
      return;
    }
    this.dispatch(slot, ev, () => `the router closed the connection of slot ${slot}${code === undefined ? '' : ` (code ${code}${reason ? `, "${reason}"` : ''})`}`);
  }

  private dispatch(slot: number, ev: Inbound, describe: () => string, quietIfUnmatched = false): void {
    const wrong: string[] = [];
    for (const e of this.open) {
      if (!e.slots.includes(slot)) continue;
      const v = e.match(ev, slot);
      if (v === 'no') continue;
      if (v === 'ok') {
        if (!e.repeatable) this.open.delete(e);
        e.onMatch?.(ev, slot);
        this.wake?.();
        return;
      }
      wrong.push(`${e.what}: ${v}`);
    }
    if (quietIfUnmatched) return;
    if (wrong.length > 0) {
      this.fail(new InvariantViolation('wrong-reply', `${describe()}; ${wrong.join('; ')}`));
    } else if (ev.kind === 'closed') {
      this.fail(new InvariantViolation('unexpected-close', describe()));
    } else {
      const open = [...this.open].filter((e) => e.slots.includes(slot)).map((e) => e.what);
      this.fail(
        new InvariantViolation(
          'unexpected-message',
          `${describe()}, which nothing explains${open.length > 0 ? ` (open expectations there: ${open.join('; ')})` : ''}`,
        ),
      );
    }
  }
}
