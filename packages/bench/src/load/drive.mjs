// The traffic shapes, written once and driven through a small adapter per client
// library (raw ws, @wamp/client, Autobahn|JS), so that every library sees exactly
// the same load. A load process drives one shape for a fixed duration and prints
// JSON lines on stdout:
//   {"event":"start"}  when the measured window opens (after the warm-up),
//   {"event":"end"}    when it closes (before draining the calls still in flight),
//   {"event":"result", ...counts, latency percentiles, CPU of this process}.
// The orchestrator samples the server's CPU between "start" and "end".
//
// Adapter contract (every method may be async except the hot ones):
//   openRpc(spec, fail) -> { call(done: (err?) => void): void, close(): Promise<void> }
//     one call = one round trip; for WAMP, caller -> router -> callee and back.
//   openPubSub(spec, onEvent: (seq: number) => void, fail) -> { publish(seq): void, close() }
//     spec.subscribers sessions each call onEvent(seq) once per event, in order.
// `fail(err)` is for what cannot be a call's error: a connection that closes or a
// publication that fails. Before the adapter's close(), it ends the run as failed.

import { emit } from '../lib/args.mjs';
import { Samples } from '../lib/stats.mjs';

/** The string payload inside args: `payloadBytes` characters of ASCII. */
export function payloadOf(spec) {
  return 'x'.repeat(spec.payloadBytes ?? 32);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The most a warm-up by count (`spec.warmupOps`) may add to `spec.warmupMs`. */
const WARMUP_MAX_MS = 8000;

let closing = false;

/** Ends the process with a failed result, unless the run is already closing its sessions. */
export function fail(err) {
  if (closing) return;
  emit({ event: 'result', ok: false, error: String(err?.stack ?? err?.message ?? err) });
  process.exit(1);
}

/**
 * Warm-up, then the measured window, then a bounded drain. `onStop` is called
 * when no new operation may start; `isDrained` tells when the last one came back.
 */
async function timeline(spec, hooks) {
  await sleep(spec.warmupMs);
  // A time-based warm-up alone compares unequal things at one call at a time: a
  // client library has far more code for V8 to tier up than a raw `ws` loop, and
  // at a few thousand calls per second 500 ms is not enough for it (its first
  // TurboFan compiles then fall in the window; see BENCHMARKS.md "The client's
  // slow mode"). `warmupOps`: also wait for that many operations, at most
  // `warmupMaxMs` more.
  const until = performance.now() + (spec.warmupMaxMs ?? WARMUP_MAX_MS);
  while (hooks.warmedOps() < (spec.warmupOps ?? 0) && performance.now() < until) await sleep(10);
  const warmedOps = hooks.warmedOps();
  hooks.openWindow();
  emit({ event: 'start' });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(spec.durationMs);
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  hooks.closeWindow();
  emit({ event: 'end' });
  const drainUntil = performance.now() + 5000;
  while (!hooks.isDrained() && performance.now() < drainUntil) await sleep(5);
  return { elapsedMs, loadCpu: (cpu.user + cpu.system) / 1000 / elapsedMs, drained: hooks.isDrained(), warmedOps };
}

/** Round trips (RPC calls, or echo/relay messages) with `spec.inflight` outstanding at all times. */
export async function runRpc(adapter, spec) {
  const rpc = await adapter.openRpc(spec, fail);
  const lat = new Samples();
  let measuring = false;
  let stopping = false;
  let outstanding = 0;
  let completed = 0;
  let warmed = 0;
  let error;

  const issue = () => {
    outstanding++;
    const t = performance.now();
    rpc.call((err) => {
      outstanding--;
      if (err !== undefined && err !== null) {
        error ??= String(err?.stack ?? err?.message ?? err);
        stopping = true;
        return;
      }
      if (measuring) {
        completed++;
        lat.push(performance.now() - t);
      } else warmed++;
      if (!stopping) issue();
    });
  };
  for (let i = 0; i < spec.inflight; i++) issue();

  const t = await timeline(spec, {
    openWindow: () => {
      measuring = true;
      completed = 0;
      lat.reset();
    },
    closeWindow: () => {
      measuring = false;
      stopping = true;
    },
    isDrained: () => outstanding === 0,
    warmedOps: () => warmed,
  });
  closing = true;
  await rpc.close();
  if (error !== undefined) throw new Error(error);
  return { ops: completed, rate: (completed * 1000) / t.elapsedMs, latencyMs: lat.summary(), ...t };
}

/**
 * One publisher, `spec.subscribers` subscribers. At most `spec.window` events are
 * in flight end to end (published, not yet received by every subscriber), so the
 * router's queues stay bounded and the rate is what it can sustain. Completions
 * come in publication order, because each subscriber receives events in order.
 */
export async function runPubSub(adapter, spec) {
  const n = spec.subscribers;
  const w = spec.window;
  const counts = new Int32Array(w);
  const sentAt = new Float64Array(w);
  const lat = new Samples();
  let nextSeq = 0;
  let completedEvents = 0;
  let deliveries = 0;
  let events = 0;
  let measuring = false;
  let stopping = false;
  let ps;

  const publishNext = () => {
    const seq = nextSeq++;
    sentAt[seq % w] = performance.now();
    ps.publish(seq);
  };
  const onEvent = (seq) => {
    if (measuring) deliveries++;
    const slot = seq % w;
    if (++counts[slot] === n) {
      counts[slot] = 0;
      completedEvents++;
      if (measuring) {
        events++;
        lat.push(performance.now() - sentAt[slot]);
      }
      if (!stopping) publishNext();
    }
  };
  ps = await adapter.openPubSub(spec, onEvent, fail);
  for (let i = 0; i < w; i++) publishNext();

  const t = await timeline(spec, {
    openWindow: () => {
      measuring = true;
      deliveries = 0;
      events = 0;
      lat.reset();
    },
    closeWindow: () => {
      measuring = false;
      stopping = true;
    },
    isDrained: () => completedEvents === nextSeq,
    warmedOps: () => completedEvents,
  });
  closing = true;
  await ps.close();
  return {
    ops: deliveries,
    rate: (deliveries * 1000) / t.elapsedMs,
    events,
    eventRate: (events * 1000) / t.elapsedMs,
    latencyMs: lat.summary(),
    ...t,
  };
}

/** The entry point of every load process: run the shape named in the spec, print the result, exit. */
export async function main(adapter, spec) {
  // A load process never outlives its run, even if a server stops answering.
  const hardLimit = setTimeout(() => {
    emit({ event: 'result', ok: false, error: 'load process timed out' });
    process.exit(3);
  }, spec.warmupMs + (spec.warmupOps ? (spec.warmupMaxMs ?? WARMUP_MAX_MS) : 0) + spec.durationMs + 20_000);
  hardLimit.unref();
  try {
    const run = spec.shape === 'pubsub' ? runPubSub : runRpc;
    const result = await run(adapter, spec);
    emit({ event: 'result', ok: true, ...result });
    process.exit(0);
  } catch (err) {
    emit({ event: 'result', ok: false, error: String(err?.stack ?? err) });
    process.exit(1);
  }
}
