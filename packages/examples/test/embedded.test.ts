import { afterEach, describe, expect, it } from 'vitest';
import { runExample, type ExampleRun } from './run.js';

let run: ExampleRun | undefined;
afterEach(async () => run?.stop());

describe('examples/embedded', () => {
  it('serves a procedure from an embedded router and calls it over WebSocket', async () => {
    run = runExample('embedded');
    await run.line(/^ready ws:\/\/127\.0\.0\.1:\d+/);
    await run.line(/^result 5$/);
    expect((await run.exit()).code).toBe(0);
  });
});
