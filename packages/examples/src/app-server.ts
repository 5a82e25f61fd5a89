/**
 * An application server: one `http.Server` with ordinary HTTP routes
 * (`GET /health`, `POST /login`) and WAMP on `/ws` beside them; cookie
 * authentication (the session cookie `POST /login` set, checked by the
 * realm's `cookie` authenticator when the WebSocket connects); a route set
 * with middleware (only logged-in users, a call log), a typed procedure
 * (valibot schemas, positional or named arguments), a progressive one (an
 * async generator) and a subscription hook that greets each new subscriber
 * alone. Then a client logs in over HTTP, connects with the cookie and uses
 * it all.
 *
 *   node packages/examples/dist/app-server.js
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { RouteSet, WampError, anonymous, callTyped, cookie, procedure, type Middleware } from '@wamp/client';
import type { SessionInfo } from '@wamp/core';
import { createRouter } from '@wamp/node-router';
import { connect } from '@wamp/ws/node';

// ---------------------------------------------------------------------------
// The server

const USERS: Record<string, string> = { alice: 'wonderland' };
/** Login cookie value → user name. */
const logins = new Map<string, string>();

const router = createRouter({
  realms: [
    {
      name: 'app',
      auth: {
        // Cookie authentication: the WebSocket upgrade's cookies are checked against the logins
        // of POST /login. A miss (`null`) passes the session on to the next method the client offered.
        cookie: {
          type: 'dynamic',
          authenticator: (_realm: string, _authid: string | undefined, _details: unknown, transport: SessionInfo) => {
            const user = logins.get(transport.http?.cookies['sid'] ?? '');
            return user === undefined ? null : { authid: user, role: 'user' };
          },
        },
        anonymous: { type: 'static', authrole: 'guest' },
      },
    },
  ],
  listeners: [],
});

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function http(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (req.method === 'POST' && req.url === '/login') {
    const { user, password } = await readJson(req);
    if (typeof user !== 'string' || USERS[user] === undefined || USERS[user] !== password) {
      res.writeHead(401).end();
      return;
    }
    const sid = randomBytes(18).toString('base64url');
    logins.set(sid, user);
    res.writeHead(204, { 'set-cookie': `sid=${sid}; HttpOnly; SameSite=Strict; Path=/` }).end();
  } else {
    res.writeHead(404).end();
  }
}

const server = createServer((req, res) => void http(req, res));
// WAMP on /ws of the same server; every other path stays the application's.
router.attach(server, { path: '/ws' });

/** Middleware: only sessions the cookie authenticated (role `user`); guests are refused. */
const requireLogin: Middleware = (ctx, next) => {
  const who = ctx.kind === 'call' ? ctx.caller : ctx.publisher;
  if (who.authrole !== 'user') throw new WampError('com.app.error.not_logged_in', ['log in with POST /login first']);
  ctx.state.set('user', who.authid);
  return next();
};

/** Middleware: one log line per call. */
const callLog: Middleware = async (ctx, next) => {
  const result = await next();
  if (ctx.kind === 'call') console.log(`log ${ctx.procedure} by ${String(ctx.state.get('user'))}`);
  return result;
};

const add = procedure({
  uri: 'com.app.add',
  kwargs: v.object({ a: v.number(), b: v.number() }),
  result: v.number(),
});

const routes = new RouteSet({ prefix: 'com.app.' })
  .use(requireLogin, callLog)
  .procedure(add, (_args, { a, b }) => a + b)
  .procedure('countdown', async function* ([from]) {
    for (let i = Number(from); i > 0; i--) yield i;
    return 'liftoff';
  })
  .procedure('whoami', (_args, _kwargs, ctx) => ctx.state.get('user'))
  .onSubscribe('news', async (subscriber) => {
    await subscriber.send(['welcome, you are the only one who sees this']);
  });
await router.realm('app').mount(routes);

await new Promise<void>((resolve) => server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`ready ${base}`);

// ---------------------------------------------------------------------------
// A client of it

console.log(`health ${(await (await fetch(`${base}/health`)).text()).trim()}`);

const stranger = await connect({ url: `${base.replace('http', 'ws')}/ws`, realm: 'app', auth: [cookie(), anonymous()] });
console.log(`stranger joined as ${String(stranger.authrole)} by ${String(stranger.authmethod)}`);
await stranger.call('com.app.whoami').catch((e: unknown) => console.log(`stranger refused: ${e instanceof WampError ? e.uri : String(e)}`));
await stranger.leave();

const login = await fetch(`${base}/login`, { method: 'POST', body: JSON.stringify({ user: 'alice', password: 'wonderland' }) });
const jar = login.headers.get('set-cookie')!.split(';')[0]!;
const session = await connect({ url: `${base.replace('http', 'ws')}/ws`, realm: 'app', auth: [cookie(), anonymous()], wsOptions: { headers: { cookie: jar } } });
console.log(`joined as ${String(session.authid)} (${String(session.authrole)}) by ${String(session.authmethod)}`);
console.log(`whoami ${String((await session.call('com.app.whoami')).value)}`);
console.log(`add ${(await callTyped(session, add, [], { a: 2, b: 3 })).value}`);
console.log(`add positional ${(await session.call('com.app.add', [20, 22])).value as number}`);
await session.call('com.app.add', ['two', 3]).catch((e: unknown) => console.log(`add invalid: ${e instanceof WampError ? `${e.uri} ${e.args.join('; ')}` : String(e)}`));
const parts: unknown[] = [];
for await (const part of session.callProgressive('com.app.countdown', [3])) parts.push(part.value);
console.log(`countdown ${parts.join(' ')}`);
const greeted = new Promise<unknown>((resolve) => void session.subscribe('com.app.news', (args) => resolve(args[0])));
console.log(`news ${String(await greeted)}`);

await session.leave();
await router.close();
await new Promise<void>((resolve) => server.close(() => resolve()));
