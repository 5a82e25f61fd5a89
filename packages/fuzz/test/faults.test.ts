// The kit must catch a router that misbehaves: these tests wrap the in-memory
// router in a driver that breaks one rule (drops, duplicates, alters or
// reorders what the router sends) and check that the model-based suite
// reports it, under the rule one would expect.

import { describe, expect, test } from 'vitest';
import { MessageType, jsonSerializer, type Frame } from '@wamp/core';
import { MemoryDriver, runModelSuite, type ConnectionSink, type Driver, type DriverConnection, type Rule } from '@wamp/fuzz';

type Out = { sink: ConnectionSink; kind: 'frame'; wire: unknown[] } | { sink: ConnectionSink; kind: 'closed'; info: { code?: number; reason?: string } };

/** Rewrites each batch of router output; `state` lives for one run (one driver). */
type Tamper = (batch: Out[], state: { done: boolean }) => Out[];

class TamperingDriver implements Driver {
  readonly synchronous = true;
  readonly name = 'memory (tampered)';
  readonly serializer = jsonSerializer;
  private batch: Out[] = [];
  private readonly state = { done: false };

  constructor(
    private readonly inner: MemoryDriver,
    private readonly tamper: Tamper,
  ) {}

  connect(sink: ConnectionSink): Promise<DriverConnection> {
    return this.inner.connect({
      frame: (f: Frame) => this.batch.push({ sink, kind: 'frame', wire: JSON.parse(f as string) as unknown[] }),
      closed: (info) => this.batch.push({ sink, kind: 'closed', info }),
      transportViolation: (r) => sink.transportViolation(r),
    });
  }

  flush(): void {
    this.inner.flush();
    const out = this.tamper(this.batch, this.state);
    this.batch = [];
    for (const o of out) {
      if (o.kind === 'frame') o.sink.frame(JSON.stringify(o.wire));
      else o.sink.closed(o.info);
    }
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/** Apply `change` to the first frame (per run) that `pick` selects. */
function once(pick: (wire: unknown[]) => boolean, change: (o: Out & { kind: 'frame' }) => Out[]): Tamper {
  return (batch, state) =>
    batch.flatMap((o) => {
      if (state.done || o.kind !== 'frame' || !pick(o.wire)) return [o];
      state.done = true;
      return change(o);
    });
}

const is = (type: number) => (w: unknown[]) => w[0] === type;

const FAULTS: { name: string; tamper: Tamper; rules: Rule[] }[] = [
  { name: 'an EVENT is lost', tamper: once(is(MessageType.EVENT), () => []), rules: ['missing-reply'] },
  { name: 'a RESULT arrives twice', tamper: once(is(MessageType.RESULT), (o) => [o, o]), rules: ['unexpected-message'] },
  {
    name: 'a RESULT payload is altered',
    tamper: once(is(MessageType.RESULT), (o) => [{ ...o, wire: [...o.wire.slice(0, 3), ['altered']] }]),
    rules: ['wrong-reply'],
  },
  {
    name: 'an INVOCATION names the wrong registration',
    tamper: once(is(MessageType.INVOCATION), (o) => [{ ...o, wire: [o.wire[0], o.wire[1], (o.wire[2] as number) + 1000, ...o.wire.slice(3)] }]),
    rules: ['wrong-reply'],
  },
  {
    name: 'no_such_procedure becomes another error',
    tamper: once(
      (w) => w[0] === MessageType.ERROR && w[4] === 'wamp.error.no_such_procedure',
      (o) => [{ ...o, wire: [...o.wire.slice(0, 4), 'wamp.error.runtime_error'] }],
    ),
    rules: ['wrong-reply'],
  },
  {
    name: 'the caller of a departed callee is never told',
    tamper: once(
      (w) => w[0] === MessageType.ERROR && w[1] === MessageType.CALL && w[4] !== 'wamp.error.no_such_procedure',
      () => [],
    ),
    rules: ['missing-reply'],
  },
  {
    name: 'a protocol violation is closed without ABORT',
    tamper: once(is(MessageType.ABORT), () => []),
    rules: ['wrong-reply', 'missing-reply'],
  },
  {
    name: 'ABORT carries another reason',
    tamper: once(is(MessageType.ABORT), (o) => [{ ...o, wire: [MessageType.ABORT, {}, 'wamp.error.invalid_argument'] }]),
    rules: ['wrong-reply'],
  },
  {
    name: 'SUBSCRIBED is lost',
    tamper: once(is(MessageType.SUBSCRIBED), () => []),
    rules: ['missing-reply'],
  },
  {
    name: 'the router sends a malformed message',
    tamper: once(is(MessageType.PUBLISHED), (o) => [{ ...o, wire: [MessageType.PUBLISHED, 'not an id', 1] }]),
    rules: ['malformed-from-router'],
  },
  {
    name: 'two EVENTs from one publisher arrive out of order',
    tamper: (batch, state) => {
      if (state.done) return batch;
      const events = batch.map((o, i) => [o, i] as const).filter(([o]) => o.kind === 'frame' && o.wire[0] === MessageType.EVENT);
      for (let a = 0; a < events.length; a++) {
        for (let b = a + 1; b < events.length; b++) {
          const [oa, ia] = events[a]!;
          const [ob, ib] = events[b]!;
          if (oa.sink !== ob.sink) continue;
          state.done = true;
          const out = batch.slice();
          out[ia] = ob;
          out[ib] = oa;
          return out;
        }
      }
      return batch;
    },
    rules: ['ordering'],
  },
];

describe('the model-based suite catches a misbehaving router', () => {
  for (const f of FAULTS) {
    test(f.name, async () => {
      const r = await runModelSuite({
        driver: ({ seed }) => new TamperingDriver(new MemoryDriver({ realm: 'realm1', seed }), f.tamper),
        realm: 'realm1',
        runs: 300,
        seed: 7,
      });
      expect(r.finding, `no finding for "${f.name}"`).toBeDefined();
      expect(f.rules).toContain(r.finding!.rule);
      // The shrunk counterexample is short and replays.
      expect(r.finding!.path).toBeDefined();
      const replay = await runModelSuite({
        driver: ({ seed }) => new TamperingDriver(new MemoryDriver({ realm: 'realm1', seed }), f.tamper),
        realm: 'realm1',
        seed: r.finding!.seed,
        path: r.finding!.path!,
      });
      expect(replay.finding?.rule).toBe(r.finding!.rule);
    });
  }

  test('the untampered router passes the same runs', async () => {
    const r = await runModelSuite({ driver: ({ seed }) => new MemoryDriver({ realm: 'realm1', seed }), realm: 'realm1', runs: 300, seed: 7 });
    expect(r.finding).toBeUndefined();
  });
});
