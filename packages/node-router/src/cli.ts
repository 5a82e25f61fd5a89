#!/usr/bin/env node
/**
 * `wamp-router`: start a WAMP router. With no arguments it runs the embedded
 * default (realm `realm1` open to anonymous, WebSocket on
 * ws://127.0.0.1:8080/ws, RawSocket on 127.0.0.1:8081, JSON/MessagePack/CBOR).
 */

import { RouterConfigError } from '@wamp/core';
import { HELP, configFromArgs } from './args.js';
import type { NodeRouterConfig } from './config.js';
import { WampRouter } from './router.js';

export async function main(argv: readonly string[]): Promise<number> {
  let config: NodeRouterConfig | 'help';
  try {
    config = configFromArgs(argv);
  } catch (e) {
    // Every configuration fault, one line each.
    const lines = e instanceof RouterConfigError ? e.errors.map((f) => f.message) : [e instanceof Error ? e.message : String(e)];
    if (lines.length > 1) process.stderr.write(`wamp-router: ${lines.length} faults in the configuration:\n`);
    for (const l of lines) process.stderr.write(`wamp-router: ${l}\n`);
    process.stderr.write('Run wamp-router --help for the options.\n');
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  // The addresses go to stdout (scripts wait for them), not also to the log.
  const router = new WampRouter(config, { logListening: false });
  try {
    await router.listen();
  } catch (e) {
    process.stderr.write(`wamp-router: cannot listen: ${e instanceof Error ? e.message : String(e)}\n`);
    await router.close();
    return 1;
  }
  const realms = config.router.realms.map((r) => r.name).join(', ');
  for (const a of router.addresses) process.stdout.write(`wamp-router: listening on ${a.url} (realms: ${realms})\n`);
  const admin = router.adminAddress;
  if (admin !== undefined) process.stdout.write(`wamp-router: operations endpoint on ${admin.url} (/metrics, /health, /ready)\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      router.log.info('shutting down', { signal });
      void router.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`wamp-router: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
