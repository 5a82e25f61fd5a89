#!/usr/bin/env node
/** `wamp`: the entry point of the command (see `main`). */

import { main } from './main.js';

// `wamp subscribe ... | head -1`: the reader went away; that is the end, not a crash.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    // Let stdout drain (a pipe may be slower than us), then exit: open handles must not keep the CLI alive.
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`wamp: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
