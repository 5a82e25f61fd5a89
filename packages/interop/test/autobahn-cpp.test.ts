// Autobahn|C++ (the Debian/Ubuntu package autobahn-cpp-dev, 17.5.1) against
// the router: RawSocket + MessagePack, with the library's unmodified HELLO
// (`authmethods: []`, `authid: ""`), a subscription and a call. Skipped, with
// the reason, when the headers or g++ are missing; build by hand with
// packages/interop/cpp/build.sh.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRouter, createLogger } from '@wamp/node-router';

const BUILD = fileURLToPath(new URL('../cpp/build.sh', import.meta.url));
const HEADERS = '/usr/include/autobahn/autobahn.hpp';

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

const missing = !existsSync(HEADERS)
  ? `Autobahn|C++ headers missing (${HEADERS}): apt-get install autobahn-cpp-dev g++ to run this test`
  : !['/usr/bin/g++', '/usr/local/bin/g++'].some((p) => existsSync(p))
    ? 'g++ missing: apt-get install g++ to run this test'
    : undefined;

if (missing !== undefined) {
  describe.skip(`Autobahn|C++ — skipped: ${missing}`, () => {
    it('joins, subscribes and calls over RawSocket + MessagePack', () => undefined);
  });
} else {
  describe('Autobahn|C++ over RawSocket + MessagePack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autobahn-cpp-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('joins with its unmodified HELLO (authmethods []), subscribes, calls, and leaves', async () => {
      const bin = join(dir, 'autobahn_cpp_client');
      const t0 = Date.now();
      const built = await run(BUILD, [bin], 240_000);
      expect(built.code, `build failed:\n${built.stderr}`).toBe(0);
      console.log(`[figure] Autobahn|C++ client built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

      // Autobahn|C++ 17.5.1 does not know RawSocket PING frames (it reads the
      // prefix as a length and hangs): its listener turns the heartbeat off, and
      // the call outlasts the heartbeat interval to show that nothing is sent.
      const router = createRouter(
        {
          realms: [{ name: 'realm1' }],
          heartbeatMs: 100,
          listeners: [{ type: 'rawsocket', host: '127.0.0.1', port: 0, serializers: ['msgpack'], heartbeat: false }],
        },
        { logger: createLogger({ level: 'silent', format: 'json' }) },
      );
      try {
        await router.listen();
        const api = router.realm('realm1');
        await api.register('com.example.add', async (args) => {
          await new Promise((r) => setTimeout(r, 400));
          const sum = (args[0] as number) + (args[1] as number);
          await api.publish('com.example.topic', [sum]);
          return sum;
        });
        const port = router.addresses[0]!.port!;
        const out = await run(bin, ['127.0.0.1', String(port)], 20_000);
        const lines = out.stdout.trim().split('\n');
        expect(out.code, `client failed:\n${out.stdout}\n${out.stderr}`).toBe(0);
        expect(lines[0]).toMatch(/^JOINED \d+$/);
        expect(lines).toContain('SUBSCRIBED');
        expect(lines).toContain('RESULT 5');
        expect(lines).toContain('EVENT 5');
        expect(lines[lines.length - 1]).toMatch(/^LEFT wamp\.(close|error)\.goodbye_and_out$/);
      } finally {
        await router.close();
      }
    }, 300_000);
  });
}
