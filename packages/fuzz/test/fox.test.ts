// The kit against a router nobody here wrote: it must report at least one of
// the known findings recorded in FINDINGS.md (matched by their signatures), so
// that its ability to catch a real bug is itself under test.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { jsonSerializer } from '@wamp/core';
import { WebSocketDriver, formatSuiteResult, runMalformedSuite, runModelSuite, type SuiteResult } from '@wamp/fuzz';
import { startFox, type Fox } from './fox.js';

const FINDINGS = readFileSync(new URL('../FINDINGS.md', import.meta.url), 'utf8');
const SIGNATURES = [...FINDINGS.matchAll(/^- Signature: `(.+)`$/gm)].map((m) => m[1]!);

let fox: Fox | undefined;
afterEach(async () => {
  await fox?.stop();
  fox = undefined;
});

/** The signatures of FINDINGS.md that the suite's finding carries (at least one). */
function knownFindings(r: SuiteResult): string[] {
  expect(r.finding, `no finding against fox-wamp\n${formatSuiteResult(r)}`).toBeDefined();
  const text = `${r.finding!.detail}\n${r.finding!.counterexample}`;
  const sigs = SIGNATURES.filter((s) => text.includes(s));
  expect(sigs.length, `a finding that FINDINGS.md does not know:\n${formatSuiteResult(r)}`).toBeGreaterThan(0);
  return sigs;
}

describe('fox-wamp (npm), over WebSocket', () => {
  test('FINDINGS.md records signatures', () => {
    expect(SIGNATURES.length).toBeGreaterThanOrEqual(8);
  });

  test('the model-based suite reports a known finding, shrunk and replayable', async () => {
    fox = await startFox();
    const driver = () => new WebSocketDriver({ url: fox!.url, serializer: jsonSerializer });
    const r = await runModelSuite({ driver, realm: 'realm1', runs: 100, seed: 1, replyTimeoutMs: 2000, quietMs: 10 });
    // Seed 1 finds F1 (see FINDINGS.md) in three commands.
    const sig = 'error URI wamp.error.callee_failure, the callee sent';
    expect(knownFindings(r)).toContain(sig);
    expect(r.finding!.counterexample).toContain('register(0, proc0),call(0, proc0),error(0, #0, failed)');
    const again = await runModelSuite({ driver, realm: 'realm1', seed: r.finding!.seed, path: r.finding!.path!, replyTimeoutMs: 2000, quietMs: 10 });
    expect(again.finding?.detail).toContain(sig);
  });

  test('looking past known findings with skip lists, the model-based suite finds another', async () => {
    fox = await startFox();
    const driver = () => new WebSocketDriver({ url: fox!.url, serializer: jsonSerializer });
    const r = await runModelSuite({
      driver,
      realm: 'realm1',
      runs: 100,
      seed: 13,
      skip: ['wrong-state', 'non-sequential-id', 'malformed', 'pre-join', 'error', 'publish'],
      replyTimeoutMs: 400,
      quietMs: 10,
    });
    expect(knownFindings(r)).toContain('ERROR procedure_already_exists for REGISTER');
  });

  test('the malformed-input suite reports a known finding', async () => {
    fox = await startFox();
    const driver = () => new WebSocketDriver({ url: fox!.url, serializer: jsonSerializer });
    const r = await runMalformedSuite({ driver, realm: 'realm1', runs: 100, seed: 31, skip: ['bytes', 'mutant', 'unknown-option'], oversizeBytes: 0, replyTimeoutMs: 2000, quietMs: 10 });
    expect(knownFindings(r)).toContain('WELCOME for a malformed HELLO');
  });

  test('a message that kills the router is reported as such, with the input that did it', async () => {
    fox = await startFox();
    const driver = () => new WebSocketDriver({ url: fox!.url, serializer: jsonSerializer });
    const r = await runMalformedSuite({ driver, realm: 'realm1', runs: 50, seed: 53, skip: ['bytes', 'mutant', 'unknown-option'], oversizeBytes: 0, replyTimeoutMs: 2000, quietMs: 10 });
    expect(knownFindings(r)).toContain('The router stopped answering after the input below');
    expect(r.finding!.rule).toBe('router-down');
    expect(r.finding!.counterexample).toContain('sent [1] as the first message');
  });
});
