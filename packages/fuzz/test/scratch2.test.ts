import { test } from 'vitest';
import { MemoryDriver, runModelSuite, runMalformedSuite, formatReport } from '@wamp/fuzz';

test('scratch memory', async () => {
  const seed = Number(process.env.SEED ?? 1);
  const r = await runModelSuite({ driver: ({ seed }) => new MemoryDriver({ realm: 'realm1', seed }), realm: 'realm1', runs: Number(process.env.RUNS ?? 2000), seed });
  const r2 = await runMalformedSuite({ driver: ({ seed }) => new MemoryDriver({ realm: 'realm1', seed }), realm: 'realm1', runs: Number(process.env.RUNS ?? 2000), seed });
  console.log(formatReport({ target: 'memory', seed, suites: [r, r2], routerStayedUp: true, ok: r.finding === undefined }));
}, 300_000);
