// Runs fox-wamp (a WAMP router from npm, not written here) in a child process
// on 127.0.0.1 and an ephemeral port. A child process, because some inputs
// crash it; the child exits when its stdin closes, so it never outlives a test.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Fox {
  readonly url: string;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./fixtures/fox-server.cjs', import.meta.url));

export function startFox(timeLimitMs = 60_000): Promise<Fox> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [SCRIPT, String(timeLimitMs)], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    const fail = (why: string) => {
      child.kill();
      reject(new Error(`fox-wamp did not start: ${why}`));
    };
    const timer = setTimeout(() => fail('no port within 10 s'), 10_000);
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code) => fail(`exited with ${code}`));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n')[0];
      if (line === undefined || !out.includes('\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const { port } = JSON.parse(line) as { port: number };
      resolve({
        url: `ws://127.0.0.1:${port}`,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.stdin!.end();
            setTimeout(() => child.kill(), 2000).unref();
          }),
      });
    });
  });
}
