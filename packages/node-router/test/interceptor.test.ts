// The core router's message interceptor, installed through createRouter and
// exercised over a real WebSocket: refusing one request answers it with ERROR
// and keeps the session; refusing HELLO answers ABORT.

import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, messageTypeName, type MessageInterceptor } from '@wamp/core';
import { Session } from '@wamp/client';
import { createRouter, type WampRouter } from '@wamp/node-router';
import { COMBOS, Cleanup, runReadmeBlock, joinSession, quietLogger, transportFor } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WS = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'json' && !c.batched && !c.tls)!;

async function start(interceptor: MessageInterceptor): Promise<WampRouter> {
  const router = createRouter(
    { realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0 }], heartbeatMs: 0 },
    { logger: quietLogger(), interceptor },
  );
  cleanup.add(() => router.close());
  await router.listen();
  return router;
}

describe('createRouter({ interceptor })', () => {
  it('refuses one request with ERROR over a real socket; the session stays and other requests pass', async () => {
    const seen: string[] = [];
    const router = await start((s, m) => {
      seen.push(`${messageTypeName(m.type) ?? m.type}@${s.info.transport}`);
      if (m.type === MessageType.CALL && m.procedure === 'com.app.admin' && s.identity?.authrole !== 'admin') {
        return { error: 'com.app.error.forbidden', message: 'admins only' };
      }
      return undefined;
    });
    await router.realm('realm1').register('com.app.admin', () => 'done');
    await router.realm('realm1').register('com.app.echo', ([x]) => x);
    const { session } = await joinSession(cleanup, transportFor(router, WS), { realm: 'realm1' });
    await expect(session.call('com.app.admin')).rejects.toMatchObject({ uri: 'com.app.error.forbidden', args: ['admins only'] });
    expect((await session.call('com.app.echo', ['hi'])).value).toBe('hi');
    expect(session.isOpen).toBe(true);
    expect(seen).toContain('HELLO@websocket');
    expect(seen).toContain('CALL@websocket');
    // The router's own internal session is intercepted too.
    expect(seen).toContain('REGISTER@internal');
  });

  it('refuses HELLO with ABORT: the join fails with the reason', async () => {
    const router = await start((s, m) =>
      m.type === MessageType.HELLO && s.info.transport !== 'internal' ? { error: 'com.app.error.closed', message: 'maintenance' } : undefined,
    );
    const transport = await transportFor(router, WS)();
    cleanup.add(() => transport.close());
    await expect(Session.join(transport, { realm: 'realm1', joinTimeout: 5_000 })).rejects.toMatchObject({ uri: 'com.app.error.closed' });
  });
});

describe('packages/node-router/README.md', () => {
  it('the interceptor example runs as written and prints what its comments say', async () => {
    const printed = await runReadmeBlock(cleanup, '../README.md', 'interceptor-example');
    expect(printed).toEqual(['pong', 'pong', 'com.example.error.quota two calls per session']);
  });
});
