// The independent clients against a cluster: three router nodes in this
// process, joined through a real nats-server, and every pairing of
// Autobahn|JS, wampy and @wamp/client with the two sessions on different
// nodes — callee and caller, subscriber and publisher.

import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { NatsServer, natsAvailable } from '../../node-router/test/nats.js';
import { label } from './support/peers.js';
import { CONFIGS, pubSubPairScenario, rpcPairScenario } from './support/pairs.js';
import { startRouter, type TestRouter } from './support/router.js';
import { Sessions } from './support/scenarios.js';
import { until } from '../../core/test/kit/wait.js';

/** Ordered pairs of configurations of two different libraries. */
const PAIRS = CONFIGS.flatMap((a) => CONFIGS.filter((b) => b.library !== a.library).map((b) => [a, b] as const));

describe('independent clients across the nodes of a cluster', () => {
  let nats: NatsServer;
  const routers: TestRouter[] = [];
  const on = [0, 1, 2].map((i) => new Sessions(() => routers[i]!));

  beforeAll(async () => {
    if (!natsAvailable()) throw new Error('nats-server is not installed (apt-get install nats-server; .ci/run does it)');
    nats = await NatsServer.start();
    for (const node of ['x1', 'x2', 'x3']) routers.push(await startRouter({ cluster: { servers: [nats.url], node } }));
    // Every node has heard of the others before the scenarios start.
    await until(() => routers.every((r) => r.router.clusterNodes.length >= 2), 'the nodes to find each other', 10_000);
  }, 30_000);
  afterEach(async () => {
    await Promise.all(on.map((s) => s.leaveAll()));
  });
  afterAll(async () => {
    await Promise.allSettled(routers.map((r) => r.close()));
    await nats?.dispose();
  });

  PAIRS.forEach(([a, b], i) => {
    const x = i % 3;
    const y = (i + 1) % 3;
    it(`RPC: ${label(a)} on node ${x + 1} called by ${label(b)} on node ${y + 1}`, async () => {
      await rpcPairScenario(on[x]!, a, on[y]!, b);
    });
    it(`PubSub: ${label(a)} on node ${y + 1} receives from ${label(b)} on node ${x + 1}`, async () => {
      await pubSubPairScenario(on[y]!, a, on[x]!, b);
    });
  });
});
