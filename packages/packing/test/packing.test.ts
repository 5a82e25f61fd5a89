// The packages as a user installs them: packed by pnpm, installed by npm into
// a folder outside the workspace, and the README's first example run there
// against the installed router, on Node 20 and Node 22. See ../README.md.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PUBLIC = ['core', 'client', 'ws', 'rawsocket', 'node-router', 'fuzz', 'cli'];
const DEFAULT_URL = 'ws://127.0.0.1:8080/ws';

const execFileP = promisify(execFile);

/** The environment without what pnpm sets for its scripts, so that npm behaves as in a user's shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_)/i.test(k)));
}

async function run(file: string, args: readonly string[], cwd: string, timeout = 120_000): Promise<string> {
  try {
    const { stdout } = await execFileP(file, [...args], { cwd, env: cleanEnv(), timeout, maxBuffer: 16 << 20 });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** pnpm as `pnpm test` runs it, else the one on PATH. */
function pnpm(): [string, string[]] {
  const execPath = process.env['npm_execpath'];
  if (execPath !== undefined && /pnpm/.test(execPath)) return [process.execPath, [execPath]];
  return ['pnpm', []];
}

/** The first code block of the repository's README: the example a newcomer runs first. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /```js\n([\s\S]*?)```/.exec(readme);
  if (m === null) throw new Error('README.md has no ```js block');
  return m[1]!;
}

/** Node 22 from the registry (`npx -y node@22`), or why not. */
async function node22(): Promise<string | { skip: string }> {
  try {
    const path = (await run('npx', ['-y', 'node@22', '-p', 'process.execPath'], tmpdir(), 90_000)).trim();
    if (!existsSync(path)) return { skip: `npx -y node@22 printed ${path}, which does not exist` };
    return path;
  } catch (e) {
    return { skip: `Node 22 is not reachable through npx -y node@22 (${(e as Error).message.split('\n')[0]})` };
  }
}

describe('the packed packages, installed with npm outside the workspace', () => {
  let dir: string;
  let router: ChildProcess | undefined;
  let routerUrl: string;
  let routerErr = '';
  let node22Path: Promise<string | { skip: string }>;

  beforeAll(async () => {
    node22Path = node22();
    dir = mkdtempSync(join(tmpdir(), 'wamp-packing-'));
    const tarballs = join(dir, 'tarballs');
    const [cmd, pre] = pnpm();
    await run(cmd, [...pre, ...PUBLIC.flatMap((p) => ['--filter', `@wamp/${p}`]), 'pack', '--pack-destination', tarballs], ROOT);
    const files = readdirSync(tarballs).filter((f) => f.endsWith('.tgz'));
    expect(files.sort()).toEqual(PUBLIC.map((p) => `wamp-${p}-0.1.0.tgz`).sort());

    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }, null, 2));
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '@types/node@20', ...files.map((f) => join(tarballs, f))], app);

    router = spawn(join(app, 'node_modules', '.bin', 'wamp-router'), ['--ws', '127.0.0.1:0', '--admin', 'off'], { cwd: app, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    router.stderr!.setEncoding('utf8').on('data', (d: string) => (routerErr += d));
    routerUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the installed wamp-router did not listen within 15 s:\n${out}\n${routerErr}`)), 15_000);
      router!.once('exit', (code) => reject(new Error(`the installed wamp-router exited (${code}):\n${out}\n${routerErr}`)));
      router!.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /listening on (ws:\/\/\S+)/.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const example = readmeExample();
    expect(example).toContain(DEFAULT_URL);
    writeFileSync(join(app, 'quick-start.mjs'), example.replace(DEFAULT_URL, routerUrl));
    writeFileSync(join(app, 'quick-start.ts'), example);
  }, 180_000);

  afterAll(async () => {
    if (router !== undefined && router.exitCode === null) {
      const exited = new Promise((r) => router!.once('exit', r));
      router.kill('SIGTERM');
      await exited;
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('installs publishable packages: versions for workspace ranges, types first, LICENSE and README, no tests', () => {
    for (const p of PUBLIC) {
      const pkgDir = join(dir, 'app', 'node_modules', '@wamp', p);
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        exports: Record<string, string | Record<string, string>>;
        license: string;
        sideEffects: unknown;
        engines: { node: string };
      };
      expect(Object.values(pkg.dependencies ?? {}).filter((v) => v.startsWith('workspace:')), p).toEqual([]);
      for (const [sub, target] of Object.entries(pkg.exports)) {
        if (typeof target === 'string') continue;
        expect(Object.keys(target)[0], `${p} exports ${sub}`).toBe('types');
        for (const file of Object.values(target)) expect(existsSync(join(pkgDir, file)), `${p}: ${file}`).toBe(true);
      }
      expect(pkg.license).toBe('MIT');
      expect(pkg.engines.node).toBe('>=20');
      expect(pkg.sideEffects).toBeDefined();
      expect(readFileSync(join(pkgDir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
      expect(existsSync(join(pkgDir, 'README.md'))).toBe(true);
      expect(existsSync(join(pkgDir, 'test'))).toBe(false);
      expect(existsSync(join(pkgDir, 'dist', '.tsbuildinfo'))).toBe(false);
    }
  });

  it('runs the README example as quick-start.mjs on this Node against the installed router', async () => {
    const out = await run(process.execPath, ['quick-start.mjs'], join(dir, 'app'), 30_000);
    expect(out.trim()).toBe('5');
  });

  it('runs the README example as quick-start.mjs on Node 22', async (ctx) => {
    const node = await node22Path;
    if (typeof node !== 'string') {
      console.warn(`skipped: ${node.skip}`);
      ctx.skip();
      return;
    }
    expect((await run(node, ['--version'], dir)).trim()).toMatch(/^v22\./);
    const out = await run(node, ['quick-start.mjs'], join(dir, 'app'), 30_000);
    expect(out.trim()).toBe('5');
  }, 120_000);

  it('type-checks the README example as TypeScript against the installed declarations', async () => {
    const app = join(dir, 'app');
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['quick-start.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', app], app, 60_000);
  }, 60_000);

  it('installs the bins, which answer --version', async () => {
    const bin = join(dir, 'app', 'node_modules', '.bin');
    expect((await run(join(bin, 'wamp-router'), ['--version'], dir)).trim()).toBe('wamp-router 0.1.0');
    expect((await run(join(bin, 'wamp-fuzz'), ['--version'], dir)).trim()).toBe('wamp-fuzz 0.1.0');
    expect((await run(join(bin, 'wamp'), ['--version'], dir)).trim()).toMatch(/0\.1\.0/);
  });
});
