// The project's own router, in memory: deterministic seeds, thousands of runs.

import { describe, expect, test } from 'vitest';
import { cborSerializer, jsonSerializer, msgpackSerializer, type Serializer } from '@wamp/core';
import { MemoryDriver, formatSuiteResult, runMalformedSuite, runModelSuite, type SuiteResult } from '@wamp/fuzz';

const REALM = 'realm1';
const memory = (serializer: Serializer) => ({ seed }: { seed: number }) => new MemoryDriver({ realm: REALM, seed, serializer });

function passes(r: SuiteResult): void {
  // On failure the report names the rule, the shrunk counterexample and the replay path.
  expect(r.finding, formatSuiteResult(r)).toBeUndefined();
  expect(r.interrupted).toBe(false);
}

describe('the @wamp/core router, in memory', () => {
  test('model-based suite: 2,000 runs (JSON)', async () => {
    const r = await runModelSuite({ driver: memory(jsonSerializer), realm: REALM, runs: 2000, seed: 0x5eed });
    passes(r);
    expect(r.runs).toBe(2000);
    // Every family of commands was exercised, not only joins.
    for (const kind of ['call', 'yield', 'error', 'cancel', 'publish', 'subscribe', 'unsubscribe', 'register', 'register-taken', 'unregister', 'leave', 'disconnect', 'malformed', 'wrong-state', 'pre-join', 'non-sequential-id']) {
      expect(r.byKind[kind] ?? 0, kind).toBeGreaterThan(20);
    }
    // About 10 s alone; on a loaded two-core machine it has taken 30 s.
  }, 120_000);

  for (const ser of [msgpackSerializer, cborSerializer]) {
    test(`model-based suite: 300 runs (${ser.name})`, async () => {
      passes(await runModelSuite({ driver: memory(ser), realm: REALM, runs: 300, seed: 0x5eed + 1 }));
    });
  }

  test('malformed-input suite: 1,500 runs (JSON)', async () => {
    const r = await runMalformedSuite({ driver: memory(jsonSerializer), realm: REALM, runs: 1500, seed: 0x5eed });
    passes(r);
    for (const kind of ['bytes', 'wrong-type', 'out-of-range-id', 'bad-uri', 'wrong-arity', 'unknown-type', 'not-a-message', 'unknown-option', 'bad-option-value', 'oversized']) {
      expect(r.byKind[kind] ?? 0, kind).toBeGreaterThan(5);
    }
  });

  for (const ser of [msgpackSerializer, cborSerializer]) {
    test(`malformed-input suite: 300 runs (${ser.name})`, async () => {
      passes(await runMalformedSuite({ driver: memory(ser), realm: REALM, runs: 300, seed: 0x5eed + 2 }));
    });
  }

  test('a seed replays the same run', async () => {
    const a = await runModelSuite({ driver: memory(jsonSerializer), realm: REALM, runs: 50, seed: 99 });
    const b = await runModelSuite({ driver: memory(jsonSerializer), realm: REALM, runs: 50, seed: 99 });
    expect(b.byKind).toEqual(a.byKind);
    expect(b.messagesReceived).toBe(a.messagesReceived);
  });
});
