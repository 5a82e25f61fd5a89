import { afterEach, describe, expect, it } from 'vitest';
import { runExample, type ExampleRun } from './run.js';

let run: ExampleRun | undefined;
afterEach(async () => run?.stop());

describe('examples/custom-transport', () => {
  it('drives the sans-IO client and router over TCP with its own framing', async () => {
    run = runExample('custom-transport');
    await run.line(/^ready tcp-length-prefixed:\/\/127\.0\.0\.1:\d+$/);
    await run.line(/^client closed /);
    expect((await run.exit()).code).toBe(0);
    // The whole conversation, in order: progressive results, the final one, GOODBYE.
    expect(run.lines.slice(1)).toEqual([
      'router session_joined',
      'client joined realm1',
      'out CALL receive_progress=true',
      'in RESULT progress=true',
      'progress 3',
      'in RESULT progress=true',
      'progress 2',
      'in RESULT progress=true',
      'progress 1',
      'in RESULT progress=false',
      'result liftoff',
      'router session_left',
      'client closed wamp.close.close_realm',
    ]);
  });
});
