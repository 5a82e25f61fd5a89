// The two builds behind `import ... from '@wamp/ws'`: Node resolves the
// package's `node` condition to index.node (on the `ws` client, so Node 20
// needs no global WebSocket), everything else to index (WHATWG WebSocket).
// Both share one declaration file, so they must export the same names.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger, createRouter, type WampRouter } from '@wamp/node-router';
import * as browserEntry from '../src/index.js';
import * as nodeEntry from '../src/index.node.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('@wamp/ws entries', () => {
  let router: WampRouter;
  let url: string;

  beforeAll(async () => {
    router = createRouter({ listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' }] }, { logger: createLogger({ level: 'silent' }) });
    url = (await router.listen())[0]!.url;
    await router.realm('realm1').register('com.app.add', ([a, b]) => (a as number) + (b as number));
  });
  afterAll(() => router.close());

  it('export the same names', () => {
    expect(Object.keys(nodeEntry).sort()).toEqual(Object.keys(browserEntry).sort());
  });

  it('Node resolves @wamp/ws to the build on ws, and to the browser build under the browser condition', () => {
    const resolve = (...flags: string[]): string =>
      execFileSync(process.execPath, [...flags, '--input-type=module', '-e', "console.log(import.meta.resolve('@wamp/ws'))"], {
        cwd: PACKAGE_DIR,
        encoding: 'utf8',
      }).trim();
    expect(resolve()).toMatch(/\/packages\/ws\/dist\/index\.node\.js$/);
    expect(resolve('--conditions=browser')).toMatch(/\/packages\/ws\/dist\/index\.js$/);
  });

  it('the Node build joins without a WebSocket given, offering JSON as in a browser', async () => {
    const session = await nodeEntry.connect({ url, realm: 'realm1' });
    expect((await session.call('com.app.add', [2, 3])).value).toBe(5);
    await session.leave();
    const transport = await nodeEntry.webSocketTransport({ url })();
    expect(transport.subprotocol).toBe('wamp.2.json');
    // The ws client can ping (the browser API cannot): the Client heartbeat works in Node.
    await transport.keepalive!();
    transport.close();
  });

  it('the Node build uses a WebSocket when one is given', async () => {
    const opened: string[] = [];
    class Recording extends WebSocket {
      constructor(u: string, protocols: string[]) {
        super(u, protocols);
        opened.push(u);
      }
    }
    const Ctor = Recording as unknown as nodeEntry.WebSocketConstructor;
    const session = await nodeEntry.connect({ url, realm: 'realm1', WebSocket: Ctor });
    await session.leave();
    const client = nodeEntry.createClient({ url, realm: 'realm1', WebSocket: Ctor, retry: false });
    const s2 = await client.connect();
    expect((await s2.call('com.app.add', [1, 1])).value).toBe(2);
    await client.close();
    expect(opened).toEqual([url, url]);
  });

  it('the browser build says what to do in a runtime without WebSocket', () => {
    // A process of its own, without a global WebSocket (Node 22 has one), loading the browser build.
    const code = `delete globalThis.WebSocket;
      const { connectWebSocket } = await import('@wamp/ws');
      await connectWebSocket({ url: ${JSON.stringify(url)} }).then(() => console.log('connected'), (e) => console.log(e.name + ': ' + e.message));`;
    const out = execFileSync(process.execPath, ['--conditions=browser', '--input-type=module', '-e', code], { cwd: PACKAGE_DIR, encoding: 'utf8' });
    expect(out).toMatch(/^WebSocketTransportError: no WebSocket implementation in this runtime: pass `WebSocket`/);
  });
});
