import { afterEach, describe, expect, it } from 'vitest';
import { runExample, type ExampleRun } from './run.js';

let run: ExampleRun | undefined;
afterEach(async () => run?.stop());

describe('examples/app-server', () => {
  it('serves HTTP routes and WAMP route sets on one server, with cookie authentication, typed and progressive procedures', async () => {
    run = runExample('app-server');
    await run.line(/^ready http:\/\/127\.0\.0\.1:\d+$/);
    await run.line(/^health ok$/);
    await run.line(/^stranger joined as guest by anonymous$/);
    await run.line(/^stranger refused: com\.app\.error\.not_logged_in$/);
    await run.line(/^joined as alice \(user\) by cookie$/);
    await run.line(/^whoami alice$/);
    await run.line(/^add 5$/);
    await run.line(/^add positional 42$/);
    await run.line(/^add invalid: wamp\.error\.invalid_argument kwargs\.a: /);
    await run.line(/^countdown 3 2 1 liftoff$/);
    await run.line(/^news welcome, you are the only one who sees this$/);
    expect((await run.exit()).code).toBe(0);
    expect(run.lines.filter((l) => l.startsWith('log '))).toEqual([
      'log com.app.whoami by alice',
      'log com.app.add by alice',
      'log com.app.add by alice',
      'log com.app.countdown by alice',
    ]);
  });
});
