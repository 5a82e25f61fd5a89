/**
 * Runs one compiled example (`dist/<name>.js`) as its own process, the way a
 * user runs it, and hands its output back line by line. Examples print
 * `ready <url>` once they listen and exit with code 0 when they are done.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export interface ExampleRun {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves with the first stdout line that matches. */
  line(match: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (and all stderr) when the program ends. */
  exit(timeoutMs?: number): Promise<{ code: number | null; stderr: string }>;
  stop(): Promise<void>;
}

/** Start `dist/<name>.js` with the given extra arguments and environment. */
export function runExample(name: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): ExampleRun {
  const file = fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [file, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters: Array<{ match: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const m = l.match(waiters[i]!.match);
      if (m) waiters.splice(i, 1)[0]!.resolve(m);
    }
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    lines,
    line(match, timeoutMs = 15_000) {
      for (const l of lines) {
        const m = l.match(match);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no line matching ${match} within ${timeoutMs} ms\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({ match, resolve: (m) => (clearTimeout(t), resolve(m)) });
      });
    },
    async exit(timeoutMs = 30_000) {
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code] = await exited;
      clearTimeout(t);
      return { code, stderr };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
