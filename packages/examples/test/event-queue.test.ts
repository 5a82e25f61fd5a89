import { afterEach, describe, expect, it } from 'vitest';
import { runExample, type ExampleRun } from './run.js';

let run: ExampleRun | undefined;
afterEach(async () => run?.stop());

describe('examples/event-queue', () => {
  it('reads typed events from a queue, drops a malformed one with a warning, and ends with the session', async () => {
    run = runExample('event-queue');
    await run.line(/^ready ws:\/\/127\.0\.0\.1:\d+/);
    await run.line(/^reading kitchen 21\.5 2026-12-06T10:00:00\.000Z$/);
    await run.line(/^reading cellar 12 2026-12-06T10:02:00\.000Z$/);
    await run.line(/^alerts door open, door closed \(ended with the session\)$/);
    expect((await run.exit()).code).toBe(0);
    const warnings = run.lines.filter((l) => l.startsWith('warning '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning event \d+ on com\.example\.reading dropped: kwargs\.celsius: /);
    // Only the two well-formed readings reached the loop.
    expect(run.lines.filter((l) => l.startsWith('reading '))).toHaveLength(2);
  });
});
