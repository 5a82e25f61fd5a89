/**
 * Running both suites against one target and printing what they found: the
 * shape of the `wamp-fuzz` CLI, usable from code as well.
 */

import { MessageType, hello, serializerByName, type Serializer } from '@wamp/core';
import type { DriverFactory } from './driver.js';
import { RawSocketDriver } from './drivers/rawsocket.js';
import { WebSocketDriver } from './drivers/websocket.js';
import { ALL_COMMAND_KINDS, type CommandKind } from './commands.js';
import { Harness } from './harness.js';
import { HELLO_DETAILS } from './model.js';
import { ALL_CASE_KINDS, runMalformedSuite, runModelSuite, type CaseKind, type SuiteResult } from './suite.js';

/** A driver factory for `ws://`, `wss://`, `rawsocket://host:port` (or `tcp://`). */
export function driverForUrl(url: string, serializer: Serializer, opts: { connectTimeoutMs?: number } = {}): DriverFactory {
  const u = new URL(url);
  if (u.protocol === 'ws:' || u.protocol === 'wss:') {
    return () => new WebSocketDriver({ url, serializer, ...opts });
  }
  if (u.protocol === 'rawsocket:' || u.protocol === 'tcp:') {
    const port = Number(u.port);
    if (!Number.isInteger(port) || port <= 0) throw new RangeError(`${url}: a RawSocket URL needs a port`);
    return () => new RawSocketDriver({ host: u.hostname, port, serializer, ...opts });
  }
  throw new RangeError(`${url}: unsupported scheme (use ws://, wss://, rawsocket:// or tcp://)`);
}

/** Options of {@link fuzz}: the target, the runs of each suite, and the seed. */
export interface FuzzOptions {
  readonly driver: DriverFactory;
  readonly realm: string;
  /** Runs of the model-based suite; the malformed-input suite gets as many. Default 100. */
  readonly runs?: number;
  readonly malformedRuns?: number;
  readonly seed?: number;
  /** Replay: the suite and path of a finding (run only that suite). */
  readonly replay?: { readonly suite: 'model' | 'malformed'; readonly path: string };
  readonly maxCommands?: number;
  /** Command families (model suite) and case families (malformed suite) not to generate. */
  readonly skip?: readonly (CommandKind | CaseKind)[];
  readonly replyTimeoutMs?: number;
  readonly timeLimitMs?: number;
  readonly oversizeBytes?: number;
  /** Receives a line per frame sent and received (`--verbose`). */
  readonly trace?: (line: string) => void;
}

/** What {@link fuzz} found: each suite's result, and whether the router stayed up. */
export interface FuzzReport {
  readonly target: string;
  readonly seed: number;
  readonly suites: readonly SuiteResult[];
  /** A session could join before the suites started (when false, nothing ran). */
  readonly reachable: boolean;
  /** A fresh session could still join and be answered at the end. */
  readonly routerStayedUp: boolean;
  readonly ok: boolean;
}

/** Run the model-based suite, then the malformed-input suite, then check the router is still up. */
export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const seed = o.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const common = {
    driver: o.driver,
    realm: o.realm,
    seed,
    ...(o.replyTimeoutMs === undefined ? {} : { replyTimeoutMs: o.replyTimeoutMs }),
    ...(o.timeLimitMs === undefined ? {} : { timeLimitMs: o.timeLimitMs }),
    ...(o.trace === undefined ? {} : { trace: o.trace }),
  };
  const suites: SuiteResult[] = [];
  if (!(await stillUp(o))) {
    return { target: '', seed, suites, reachable: false, routerStayedUp: false, ok: false };
  }
  const skipped = new Set<string>(o.skip ?? []);
  const modelRuns = o.runs ?? 100;
  const malformedRuns = o.malformedRuns ?? modelRuns;
  // A suite whose every kind is skipped, or given no runs, is left out.
  const wantModel = ALL_COMMAND_KINDS.some((k) => !skipped.has(k)) && modelRuns > 0;
  const wantMalformed = ALL_CASE_KINDS.some((k) => !skipped.has(k)) && malformedRuns > 0;
  if (wantModel && (o.replay === undefined || o.replay.suite === 'model')) {
    suites.push(
      await runModelSuite({
        ...common,
        runs: modelRuns,
        ...(o.replay === undefined ? {} : { path: o.replay.path }),
        ...(o.maxCommands === undefined ? {} : { maxCommands: o.maxCommands }),
        ...(o.skip === undefined ? {} : { skip: o.skip.filter((k): k is CommandKind => (ALL_COMMAND_KINDS as readonly string[]).includes(k)) }),
      }),
    );
  }
  if (wantMalformed && (o.replay === undefined || o.replay.suite === 'malformed')) {
    suites.push(
      await runMalformedSuite({
        ...common,
        runs: malformedRuns,
        ...(o.replay === undefined ? {} : { path: o.replay.path }),
        ...(o.oversizeBytes === undefined ? {} : { oversizeBytes: o.oversizeBytes }),
        ...(o.skip === undefined ? {} : { skip: o.skip.filter((k): k is CaseKind => (ALL_CASE_KINDS as readonly string[]).includes(k)) }),
      }),
    );
  }
  const routerStayedUp = await stillUp(o);
  const target = suites.find((s) => s.target !== '')?.target ?? '';
  return { target, seed, suites, reachable: true, routerStayedUp, ok: routerStayedUp && suites.every((s) => s.finding === undefined) };
}

/** One more session: HELLO must be answered with WELCOME. */
async function stillUp(o: FuzzOptions): Promise<boolean> {
  const driver = await o.driver({ seed: 1 });
  const h = new Harness(driver, { replyTimeoutMs: o.replyTimeoutMs ?? 2000 });
  try {
    await h.connect(0);
    h.expect({ what: 'WELCOME', slots: [0], required: true, match: (ev) => (ev.kind === 'message' && ev.msg.type === MessageType.WELCOME ? 'ok' : ev.kind === 'closed' ? 'closed' : 'no') });
    h.send(0, hello(o.realm, HELLO_DETAILS));
    await h.settle();
    return true;
  } catch {
    return false;
  } finally {
    await h.dispose();
  }
}

/** Options of {@link formatReport}. */
export interface FormatOptions {
  /** The target as the CLI was given it, to print a complete replay command. */
  readonly url?: string;
  readonly realm?: string;
  readonly serializer?: string;
  /** Options that shape generation (`--skip`, `--max-commands`, `--oversize`), repeated in the replay command. */
  readonly generationArgs?: string;
}

/** One suite's result as text: what ran, and the finding with its replay command. */
export function formatSuiteResult(s: SuiteResult, opts: FormatOptions = {}): string {
  const lines: string[] = [];
  const what = s.suite === 'model' ? 'commands' : 'cases';
  lines.push(
    `${s.suite === 'model' ? 'model-based suite' : 'malformed-input suite'}: ${s.runs} runs, ${s.commands} ${what}, ${s.messagesSent} messages sent, ${s.messagesReceived} received, ${(s.durationMs / 1000).toFixed(1)} s${s.interrupted ? ' (stopped by the time limit)' : ''}`,
  );
  lines.push(`  by kind: ${Object.entries(s.byKind).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const f = s.finding;
  if (f === undefined) {
    lines.push('  no invariant violation');
    return lines.join('\n');
  }
  lines.push(`  VIOLATION [${f.rule}]`);
  lines.push(`  ${f.detail.split('\n').join('\n  ')}`);
  if (f.spec !== undefined) lines.push(`  spec: ${f.spec}`);
  lines.push(`  counterexample: ${f.counterexample}`);
  const gen = opts.generationArgs === undefined || opts.generationArgs === '' ? '' : `${opts.generationArgs} `;
  const base =
    opts.url === undefined ? '' : `wamp-fuzz ${opts.url} --realm ${opts.realm ?? '?'}${opts.serializer === undefined ? '' : ` --serializer ${opts.serializer}`} ${gen}`;
  lines.push(f.path === undefined ? '  replay: none (send the input above by hand)' : `  replay: ${base}--seed ${f.seed} --replay ${s.suite}:${f.path}`);
  return lines.join('\n');
}

/** The whole report as text. */
export function formatReport(r: FuzzReport, opts: FormatOptions = {}): string {
  const lines: string[] = [];
  lines.push(`wamp-fuzz report for ${r.target || opts.url || '?'} (seed ${r.seed})`);
  if (!r.reachable) lines.push(`\nno session could join realm ${opts.realm ?? '?'} before the suites started: nothing was run`);
  for (const s of r.suites) {
    lines.push('');
    lines.push(formatSuiteResult(s, opts));
  }
  lines.push('');
  lines.push(`router stayed up: ${r.routerStayedUp ? 'yes' : 'NO'}`);
  lines.push(r.ok ? 'result: PASS' : 'result: FAIL');
  return lines.join('\n');
}

/** `json` | `msgpack` | `cbor` to a serializer. */
export function serializerNamed(name: string): Serializer {
  const s = serializerByName(name);
  if (s === undefined) throw new RangeError(`unknown serializer ${name} (json, msgpack or cbor)`);
  return s;
}
