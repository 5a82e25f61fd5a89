#!/usr/bin/env node
/**
 * `wamp-router`: start a WAMP router. With no arguments it runs the embedded
 * default (realm `realm1` open to anonymous, WebSocket on
 * ws://127.0.0.1:8080/ws, RawSocket on 127.0.0.1:8081, JSON/MessagePack/CBOR).
 */

import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { RouterConfigError } from '@wamp/core';
import { HELP, cliFromArgs, type CliOptions } from './args.js';
import { ClusterUnavailableError } from './cluster-nats.js';
import type { NodeRouterConfig } from './config.js';
import { openRealms } from './open-realms.js';
import { WampRouter } from './router.js';

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--version')) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`wamp-router ${pkg.version}\n`);
    return 0;
  }
  let cli: CliOptions | 'help';
  try {
    cli = cliFromArgs(argv);
  } catch (e) {
    // Every configuration fault, one line each.
    const lines = e instanceof RouterConfigError ? e.errors.map((f) => f.message) : [e instanceof Error ? e.message : String(e)];
    if (lines.length > 1) process.stderr.write(`wamp-router: ${lines.length} faults in the configuration:\n`);
    for (const l of lines) process.stderr.write(`wamp-router: ${l}\n`);
    process.stderr.write('Run wamp-router --help for the options.\n');
    return 2;
  }
  if (cli === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (cli.workers > 1 && cluster.isPrimary) return supervise(cli);
  let config = cli.config;
  if (cluster.isWorker && config.cluster !== undefined) {
    // Each worker is a node of its own; they share the listening sockets through the primary.
    config = { ...config, cluster: { ...config.cluster, node: `${config.cluster.node}-w${process.env['WAMP_WORKER'] ?? cluster.worker?.id}` } };
  }
  return serve(config);
}

async function serve(config: NodeRouterConfig): Promise<number> {
  // The addresses go to stdout (scripts wait for them), not also to the log.
  const router = new WampRouter(config, { logListening: false });
  try {
    await router.listen();
  } catch (e) {
    const what = e instanceof ClusterUnavailableError ? 'cannot join the cluster' : 'cannot listen';
    process.stderr.write(`wamp-router: ${what}: ${e instanceof Error ? e.message : String(e)}\n`);
    await router.close();
    return 1;
  }
  const realms = config.router.realms.map((r) => r.name).join(', ');
  for (const a of router.addresses) process.stdout.write(`wamp-router: listening on ${a.url} (realms: ${realms})\n`);
  const admin = router.adminAddress;
  if (admin !== undefined) process.stdout.write(`wamp-router: operations endpoint on ${admin.url} (/metrics, /health, /ready)\n`);
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

/**
 * `--workers N`: the primary process forks N workers (Node's cluster module:
 * they share the listening ports, connections are spread among them) and
 * restarts one that dies; the workers meet through NATS as cluster nodes.
 */
async function supervise(cli: CliOptions): Promise<number> {
  let stopping = false;
  const fork = (i: number): void => {
    const w = cluster.fork({ WAMP_WORKER: String(i) });
    w.on('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`wamp-router: worker ${i} exited (${signal ?? code}); starting it again\n`);
      setTimeout(() => fork(i), 500).unref();
    });
  };
  for (let i = 1; i <= cli.workers; i++) fork(i);
  process.stdout.write(`wamp-router: ${cli.workers} worker processes, cluster ${cli.config.cluster?.name} via ${cli.config.cluster?.servers.join(', ')}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      const left = (): void => {
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve();
      };
      cluster.on('exit', left);
      left();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
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
