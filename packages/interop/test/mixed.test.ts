// Mixed sessions: every pairing of Autobahn|JS, wampy and @wamp/client, in
// both roles, for RPC (callee × caller) and PubSub (subscriber × publisher),
// across serializers and transports — the router translates between them.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRouter, type TestRouter } from './support/router.js';
import { label } from './support/peers.js';
import { CONFIGS, pubSubPairScenario, rpcPairScenario } from './support/pairs.js';
import { Sessions, violations } from './support/scenarios.js';


/** Ordered pairs of configurations of two different libraries. */
const PAIRS = CONFIGS.flatMap((a) => CONFIGS.filter((b) => b.library !== a.library).map((b) => [a, b] as const));

describe('mixed sessions', () => {
  let router: TestRouter;
  const sessions = new Sessions(() => router);
  let mark = 0;

  beforeAll(async () => {
    router = await startRouter();
  });
  beforeEach(() => {
    mark = router.log.length;
  });
  afterEach(async () => {
    await sessions.leaveAll();
    expect(violations(router, mark)).toEqual([]);
  });
  afterAll(async () => {
    await router?.close();
  });

  describe('RPC: callee × caller', () => {
    for (const [calleeSpec, callerSpec] of PAIRS) {
      it(`${label(calleeSpec)} called by ${label(callerSpec)}`, async () => {
        await rpcPairScenario(sessions, calleeSpec, sessions, callerSpec);
      });
    }
  });

  describe('PubSub: subscriber × publisher', () => {
    for (const [subSpec, pubSpec] of PAIRS) {
      it(`${label(subSpec)} receives from ${label(pubSpec)}`, async () => {
        await pubSubPairScenario(sessions, subSpec, sessions, pubSpec);
      });
    }
  });
});
