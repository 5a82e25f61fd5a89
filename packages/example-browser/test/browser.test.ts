// End to end: the example app, bundled with esbuild and served on 127.0.0.1,
// in Debian's Chromium driven headless by Playwright, against the project's
// router and a Node callee/publisher. Saves a screenshot under test-results/.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, buildApp } from '../scripts/bundle.mjs';
import { startBackend } from '../scripts/backend.mjs';

const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking switches Chromium stalls on a network
// that reaches nothing but loopback.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const STEP = 15_000;

describe('the example web app in headless Chromium', () => {
  it('connects, calls com.example.add2 on a click, and shows pushed events live', { timeout: 90_000 }, async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: this test drives Debian's Chromium; install it with \`apt-get install -y chromium\` (.ci/run does)`);
    }
    const work = await mkdtemp(join(tmpdir(), 'wamp-example-'));
    const appDir = join(work, 'app');
    const profile = join(work, 'profile');
    let backend: Awaited<ReturnType<typeof startBackend>> | undefined;
    let context: BrowserContext | undefined;
    try {
      await buildApp({ outdir: appDir });
      backend = await startBackend({ appDir, tickMs: 200, maxTicks: 300 });
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: FLAGS,
        timeout: 30_000,
        viewport: { width: 900, height: 700 },
      });
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(STEP);
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });

      await page.goto(backend.pageUrl, { timeout: STEP });
      await page.locator('#status[data-state="open"]').waitFor();
      expect(await page.locator('#status').textContent()).toMatch(/^joined as session \d+$/);

      await page.locator('#a').fill('20');
      await page.locator('#b').fill('22');
      await page.locator('#call').click();
      await page.waitForFunction(() => document.querySelector('#result')?.textContent === '42', undefined, { timeout: STEP });
      expect(await page.locator('#error').textContent()).toBe('');

      // Events pushed by the Node publisher appear without any action on the page.
      await page.locator('#events li').nth(2).waitFor();
      const first = await page.locator('#events li').allTextContents();
      expect(first[0]).toMatch(/^tick \d+ at \d{4}-\d\d-\d\dT/);
      const ticks = first.map((t) => Number(/^tick (\d+)/.exec(t)?.[1]));
      expect(ticks).toEqual(ticks.map((_, i) => ticks[0]! + i));
      await page.waitForFunction((n) => document.querySelectorAll('#events li').length > n, first.length, { timeout: STEP });

      await mkdir(join(REPO_ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(REPO_ROOT, 'test-results', 'example-browser.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await context?.close().catch(() => undefined);
      await backend?.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
