import { test, vi } from 'vitest';
import { createRequire } from 'node:module';
import { jsonSerializer } from '@wamp/core';
import { WebSocketDriver, runModelSuite, runMalformedSuite, formatReport, STRICT_KINDS } from '@wamp/fuzz';

const require = createRequire(import.meta.url);

test('scratch fox', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const FoxRouter = require('fox-wamp');
  const router = new FoxRouter();
  const port = 39200 + Math.floor(Math.random() * 500);
  const server = router.listenWAMP({ port, host: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const url = `ws://127.0.0.1:${port}`;
  const skip = (process.env.SKIP ?? '').split(',').filter(Boolean) as any;
  const mskip = (process.env.MSKIP ?? '').split(',').filter(Boolean) as any;
  const out: string[] = [];
  try {
    if (process.env.MODEL !== '0') {
      const r = await runModelSuite({ driver: () => new WebSocketDriver({ url, serializer: jsonSerializer }), realm: 'realm1', runs: Number(process.env.RUNS ?? 30), seed: Number(process.env.SEED ?? 1), replyTimeoutMs: 300, skip, mutantKinds: STRICT_KINDS.filter((k) => !mskip.includes(k)) });
      out.push(formatReport({ target: url, seed: 1, suites: [r], routerStayedUp: true, ok: r.finding === undefined }));
    }
    if (process.env.MAL !== '0') {
      const r2 = await runMalformedSuite({ driver: () => new WebSocketDriver({ url, serializer: jsonSerializer }), realm: 'realm1', runs: Number(process.env.RUNS ?? 50), seed: Number(process.env.SEED ?? 1), replyTimeoutMs: 300, mutantKinds: STRICT_KINDS.filter((k) => !mskip.includes(k)) });
      out.push(formatReport({ target: url, seed: 1, suites: [r2], routerStayedUp: true, ok: r2.finding === undefined }));
    }
  } finally {
    server.close();
    vi.restoreAllMocks();
  }
  console.log(out.join('\n'));
}, 300_000);
