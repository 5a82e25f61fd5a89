import { afterEach, describe, expect, it } from 'vitest';
import { runExample, type ExampleRun } from './run.js';

let run: ExampleRun | undefined;
afterEach(async () => run?.stop());

describe('examples/connectors', () => {
  it('walks the connector list, traces, warns, and reconnects on its state events', async () => {
    run = runExample('connectors');
    await run.line(/^ready rs:\/\/127\.0\.0\.1:\d+/);
    await run.line(/^state connecting attempt=1$/);
    // The first connector is down: a warning, then the next one (RawSocket, MessagePack refused, JSON accepted).
    await run.line(/^warning connector rawsocket\+tcp:\/\/127\.0\.0\.1:\d+ \(json\) failed: .*ECONNREFUSED/);
    await run.line(/^trace out HELLO$/);
    await run.line(/^trace in WELCOME$/);
    await run.line(/^state open serializer=json$/);
    await run.line(/^result 5$/);
    await run.line(/^state closed reason=wamp\.close\.killed retry=true$/);
    await run.line(/^result after reconnect 42$/);
    await run.line(/^sessions 2$/);
    expect((await run.exit()).code).toBe(0);
    // The state events in order: a failed connector never surfaces as a closed attempt, only as a warning.
    const states = run.lines.filter((l) => l.startsWith('state ')).map((l) => l.replace(/^(state closed) reason=\S+ (retry=false)$/, '$1 $2'));
    expect(states).toEqual([
      'state connecting attempt=1',
      'state open serializer=json',
      'state closed reason=wamp.close.killed retry=true',
      'state retrying attempt=2',
      'state connecting attempt=2',
      'state open serializer=json',
      'state closed retry=false',
    ]);
  });
});
