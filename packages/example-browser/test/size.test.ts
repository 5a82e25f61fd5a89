// `pnpm size` checks each shape against size-budget.json: growth beyond 5 %
// fails, and the committed budget holds for the packages as built.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_DIR } from '../scripts/bundle.mjs';

const run = promisify(execFile);
const SCRIPT = join(PACKAGE_DIR, 'scripts', 'size.mjs');

async function size(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args], { cwd: PACKAGE_DIR });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe('pnpm size', () => {
  it('passes against the committed budget and fails on a shape more than 5 % over its budget', { timeout: 120_000 }, async () => {
    const ok = await size();
    expect(ok.out).toContain('every shape within its budget');
    expect(ok.code).toBe(0);

    const budget = JSON.parse(await readFile(join(PACKAGE_DIR, 'size-budget.json'), 'utf8')) as {
      shapes: Record<string, { gz: number }>;
    };
    const dir = await mkdtemp(join(tmpdir(), 'wamp-size-test-'));
    try {
      // The minimal shape's budget shrunk by 10 %: today's bundle is then about 11 % over it.
      const tight = { ...budget, shapes: { ...budget.shapes, minimal: { gz: Math.floor(budget.shapes['minimal']!.gz * 0.9) } } };
      const file = join(dir, 'budget.json');
      await writeFile(file, JSON.stringify(tight));
      const bad = await size('--budget', file);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(/FAILED minimal: .* % over the budget/);
      expect(bad.out).not.toMatch(/FAILED full/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
