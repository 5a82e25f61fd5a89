import { test } from 'vitest';
import { jsonSerializer } from '@wamp/core';
import { MemoryDriver, formatSuiteResult, runMalformedSuite, runModelSuite } from '@wamp/fuzz';
test('seeds', async () => {
  for (let seed = 100; seed < 110; seed++) {
    const r = await runModelSuite({ driver: ({ seed }) => new MemoryDriver({ realm: 'realm1', seed, serializer: jsonSerializer }), realm: 'realm1', runs: 2000, seed, maxCommands: 48 });
    if (r.finding) console.log(formatSuiteResult(r));
    const r2 = await runMalformedSuite({ driver: ({ seed }) => new MemoryDriver({ realm: 'realm1', seed }), realm: 'realm1', runs: 2000, seed });
    if (r2.finding) console.log(formatSuiteResult(r2));
  }
}, 600_000);
