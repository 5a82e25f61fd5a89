// Typed procedures and topics (@wamp/client typed.ts) and the handler return
// shapes, over a real router on a WebSocket (JSON) listener bound to port 0.
// The schemas are valibot's, used without any adapter (Standard Schema).

import { afterEach, describe, expect, it } from 'vitest';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as v from 'valibot';
import {
  Result,
  SchemaError,
  WampError,
  callTyped,
  procedure,
  publishTyped,
  registerTyped,
  subscribeTyped,
  topic,
  type Session,
} from '@wamp/client';
import { createRouter, type WampRouter } from '@wamp/node-router';
import { COMBOS, Cleanup, runReadmeBlock, deferred, joinSession, quietLogger, transportFor, waitFor } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WS_JSON = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'json' && !c.batched && !c.tls)!;

async function start(): Promise<WampRouter> {
  const router = createRouter(
    { realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0 }], heartbeatMs: 0 },
    { logger: quietLogger() },
  );
  cleanup.add(() => router.close());
  await router.listen();
  return router;
}

async function two(warnings: string[] = []): Promise<{ callee: Session; caller: Session }> {
  const router = await start();
  const { session: callee } = await joinSession(cleanup, transportFor(router, WS_JSON), {
    realm: 'realm1',
    onWarning: (m) => warnings.push(m),
  });
  const { session: caller } = await joinSession(cleanup, transportFor(router, WS_JSON), { realm: 'realm1' });
  return { callee, caller };
}

async function rejection(p: Promise<unknown>): Promise<WampError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WampError);
  return e as WampError;
}

describe('handler return shapes (plain register)', () => {
  it('a returned WampError is answered with ERROR, like a thrown one', async () => {
    const { callee, caller } = await two();
    await callee.register('com.test.returned', () => new WampError('com.test.nope', ['returned'], { n: 1 }));
    await callee.register('com.test.thrown', () => {
      throw new WampError('com.test.nope', ['thrown']);
    });
    await callee.register('com.test.async', async () => new WampError('com.test.nope', ['async']));
    const returned = await rejection(caller.call('com.test.returned'));
    expect([returned.uri, returned.args, returned.kwargs]).toEqual(['com.test.nope', ['returned'], { n: 1 }]);
    const thrown = await rejection(caller.call('com.test.thrown'));
    expect([thrown.uri, thrown.args]).toEqual(['com.test.nope', ['thrown']]);
    const async_ = await rejection(caller.call('com.test.async'));
    expect([async_.uri, async_.args]).toEqual(['com.test.nope', ['async']]);
  });

  it('single value, Result(args, kwargs), generator yields then return', async () => {
    const { callee, caller } = await two();
    await callee.register('com.test.single', () => 42);
    await callee.register('com.test.many', () => new Result([1, 2], { sum: 3 }));
    await callee.register('com.test.gen', async function* () {
      yield 1;
      yield 2;
      return 3;
    });
    await callee.register('com.test.gen_error', async function* () {
      yield 1;
      return new WampError('com.test.late');
    });
    expect((await caller.call('com.test.single')).args).toEqual([42]);
    const many = await caller.call('com.test.many');
    expect([many.args, many.kwargs]).toEqual([[1, 2], { sum: 3 }]);
    const progress: unknown[] = [];
    const final = await caller.call('com.test.gen', [], {}, { onProgress: (r) => progress.push(r.value) });
    expect([progress, final.value]).toEqual([[1, 2], 3]);
    expect((await rejection(caller.call('com.test.gen_error'))).uri).toBe('com.test.late');
  });
});

const add = procedure({
  uri: 'com.test.add',
  kwargs: v.object({ a: v.number(), b: v.number() }),
  result: v.number(),
});

const schedule = procedure({
  uri: 'com.test.schedule',
  args: v.tuple([v.string(), v.pipe(v.string(), v.isoDateTime(), v.transform((s) => new Date(s)))]),
  result: v.pipe(v.string(), v.transform((s) => s.length)),
});

describe('typed procedures', () => {
  it('binds positional arguments to the kwargs keys in declaration order', async () => {
    const { callee, caller } = await two();
    const seen: unknown[] = [];
    await registerTyped(callee, add, (args, { a, b }) => {
      seen.push([args, a, b]);
      return a + b;
    });
    expect((await callTyped(caller, add, [1, 2])).value).toBe(3);
    expect((await callTyped(caller, add, [], { a: 1, b: 2 })).value).toBe(3);
    expect((await callTyped(caller, add, [1], { b: 2 } as { a: number; b: number })).value).toBe(3);
    expect(seen).toEqual([
      [[], 1, 2],
      [[], 1, 2],
      [[], 1, 2],
    ]);
    const twice = await rejection(callTyped(caller, add, [1, 2], { a: 1, b: 2 }));
    expect(twice.uri).toBe('wamp.error.invalid_argument');
    expect(twice.args).toEqual(['kwargs.a: given both as positional argument 0 and by name']);
    const tooMany = await rejection(callTyped(caller, add, [1, 2, 3]));
    expect(tooMany.args[0]).toMatch(/^args: at most 2 positional arguments \(a, b\), got 3/);
  });

  it('answers invalid input with invalid_argument listing each issue, and the handler does not run', async () => {
    const { callee, caller } = await two();
    let runs = 0;
    await registerTyped(callee, add, (_args, { a, b }) => {
      runs++;
      return a + b;
    });
    const e = await rejection(caller.call('com.test.add', [], { a: 'x', b: null }));
    expect(e.uri).toBe('wamp.error.invalid_argument');
    expect(e.args).toHaveLength(2);
    expect(e.args[0]).toMatch(/^kwargs\.a: .*number/);
    expect(e.args[1]).toMatch(/^kwargs\.b: .*number/);
    expect(e.kwargs['issues']).toEqual([
      { path: 'kwargs.a', message: expect.any(String) },
      { path: 'kwargs.b', message: expect.any(String) },
    ]);
    expect(runs).toBe(0);
  });

  it('applies transforms before the handler sees the value, and checks the result where the caller asks', async () => {
    const { callee, caller } = await two();
    await registerTyped(callee, schedule, ([name, when]) => {
      expect(when).toBeInstanceOf(Date);
      return `${name}@${when.getUTCFullYear()}`;
    });
    const raw = await callTyped(caller, schedule, ['launch', '2026-12-06T21:00']);
    expect(raw.value).toBe('launch@2026');
    const checked = await callTyped(caller, schedule, ['launch', '2026-12-06T21:00'], undefined, { checkResult: true });
    const n: number = checked.value;
    expect(n).toBe('launch@2026'.length);
    const bad = await rejection(caller.call('com.test.schedule', ['launch', 'tomorrow']));
    expect(bad.uri).toBe('wamp.error.invalid_argument');
    expect(bad.args[0]).toMatch(/^args\.1: /);
  });

  it('a result that does not fit rejects with a SchemaError when checked, and passes when not', async () => {
    const { callee, caller } = await two();
    await callee.register('com.test.add', () => 'three');
    expect((await callTyped(caller, add, [1, 2])).value).toBe('three');
    const e = await rejection(callTyped(caller, add, [1, 2], undefined, { checkResult: true }));
    expect(e).toBeInstanceOf(SchemaError);
    expect((e as SchemaError).where).toBe('result');
    expect((e as SchemaError).issues[0]!.path).toBe('result');
  });
});

/** A Standard Schema written by hand (no library): an object of two numbers x, y; it exposes no keys. */
const point: StandardSchemaV1<{ x: number; y: number }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => {
      const o = value as Record<string, unknown>;
      const issues = ['x', 'y'].filter((k) => typeof o[k] !== 'number').map((k) => ({ message: 'expected a number', path: [k] }));
      return issues.length > 0 ? { issues } : { value: { x: o['x'] as number, y: o['y'] as number } };
    },
  },
};

describe('typed procedures with a schema of no library', () => {
  it('refuses positional arguments when the keys cannot be read, and binds them in the order given by `positional`', async () => {
    const { callee, caller } = await two();
    const unordered = procedure({ uri: 'com.test.norm1', kwargs: point, result: point });
    const ordered = procedure({ uri: 'com.test.norm2', kwargs: point, positional: ['x', 'y'] });
    await registerTyped(callee, unordered, (_a, { x, y }) => Math.abs(x) + Math.abs(y));
    await registerTyped(callee, ordered, (_a, { x, y }) => Math.abs(x) + Math.abs(y));
    expect((await callTyped(caller, unordered, [], { x: 3, y: -4 })).value).toBe(7);
    const refused = await rejection(callTyped(caller, unordered, [3, -4]));
    expect(refused.args).toEqual(['args: positional arguments are not accepted: pass keyword arguments', 'kwargs.x: expected a number', 'kwargs.y: expected a number']);
    expect((await callTyped(caller, ordered, [3, -4])).value).toBe(7);
    const bad = await rejection(callTyped(caller, ordered, [3, 'four']));
    expect(bad.args).toEqual(['kwargs.y: expected a number']);
  });
});

describe('typed topics', () => {
  const temperature = topic({ uri: 'com.test.temperature', kwargs: v.object({ celsius: v.number(), room: v.string() }) });

  it('hands events that fit to the handler and reports the others through onWarning', async () => {
    const warnings: string[] = [];
    const { callee: subscriber, caller: publisher } = await two(warnings);
    const got: unknown[] = [];
    const third = deferred();
    await subscribeTyped(subscriber, temperature, (_args, { celsius, room }) => {
      got.push([celsius, room]);
      if (got.length === 2) third.resolve();
    });
    await publishTyped(publisher, temperature, [], { celsius: 21.5, room: 'hall' }, { acknowledge: true });
    await publisher.publish('com.test.temperature', [], { celsius: 'hot', room: 'hall' }, { acknowledge: true });
    await publishTyped(publisher, temperature, [19, 'attic'], undefined, { acknowledge: true });
    await third.promise;
    await waitFor(() => warnings.length > 0, 'the warning of the bad event');
    expect(got).toEqual([
      [21.5, 'hall'],
      [19, 'attic'],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^event \d+ on com\.test\.temperature dropped: kwargs\.celsius: /);
  });

  it('publishTyped refuses arguments that do not fit, and publishes nothing', async () => {
    const { caller: publisher } = await two();
    const e = await rejection(publishTyped(publisher, temperature, [], { celsius: 'hot', room: 'hall' } as never));
    expect(e).toBeInstanceOf(SchemaError);
    expect((e as SchemaError).issues.map((i) => i.path)).toEqual(['kwargs.celsius']);
  });
});

describe('packages/client/README.md', () => {
  it('the typed example runs as written and prints what its comments say', async () => {
    const printed = await runReadmeBlock(cleanup, '../../client/README.md', 'typed-example');
    expect(printed.slice(0, 3)).toEqual(['3', '3', '36']);
    expect(printed[3]).toBe('wamp.error.invalid_argument ["kwargs.a: Invalid type: Expected number but received \\"one\\""]');
    expect(printed[4]).toBe('21.5 °C');
    expect(printed[5]).toMatch(/^warning: event \d+ on com\.app\.reading dropped: kwargs\.celsius: Invalid type: Expected number/);
    expect(printed).toHaveLength(6);
  });
});
