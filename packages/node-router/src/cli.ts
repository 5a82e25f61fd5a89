#!/usr/bin/env node
/**
 * `wamp-router`: start a WAMP router. With no arguments it runs the embedded
 * default (realm `realm1` open to anonymous, WebSocket on
 * ws://127.0.0.1:8080/ws, RawSocket on 127.0.0.1:8081, JSON/MessagePack/CBOR).
 */

import { readFileSync } from 'node:fs';
import { HELP, configFromArgs } from './args.js';
import type { NodeRouterConfig } from './config.js';
import { openRealms } from './open-realms.js';
import { WampRouter } from './router.js';

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--version')) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`wamp-router ${pkg.version}\n`);
    return 0;
  }
  let config: NodeRouterConfig | 'help';
  try {
    config = configFromArgs(argv);
  } catch (e) {
    process.stderr.write(`wamp-router: ${e instanceof Error ? e.message : String(e)}\nRun wamp-router --help for the options.\n`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const router = new WampRouter(config);
  try {
    await router.listen();
  } catch (e) {
    process.stderr.write(`wamp-router: cannot listen: ${e instanceof Error ? e.message : String(e)}\n`);
    await router.close();
    return 1;
  }
  const realms = config.router.realms.map((r) => r.name).join(', ');
  for (const a of router.addresses) process.stdout.write(`wamp-router: listening on ${a.url} (realms: ${realms})\n`);
  for (const realm of openRealms(config.router)) {
    router.log.warn(
      `realm "${realm}" lets anonymous sessions call, register, publish and subscribe on every URI: ` +
        'for development only; give it roles and authentication (--config) before exposing it',
      { realm },
    );
  }
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
