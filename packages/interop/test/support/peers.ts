/**
 * One small interface over three WAMP client libraries — Autobahn|JS
 * (`autobahn` 22.x), wampy 8 and this project's `@wamp/client` — so that the
 * same scenario can be run by any of them, and any two of them can be paired.
 *
 * The adapters translate calling conventions only (argument order, result
 * wrapping, how an error is thrown); they never repair what a library puts on
 * the wire. Values a library decodes differently (bigints, Buffers) are left as
 * the library delivers them; the tests compare them with {@link canon} and
 * assert the documented representation where it matters.
 */

import { createRequire } from 'node:module';
import autobahn from 'autobahn';
import { Wampy } from 'wampy';
import { JsonSerializer } from 'wampy/JsonSerializer.js';
import { MsgpackSerializer } from 'wampy/MsgpackSerializer.js';
import { CborSerializer } from 'wampy/CborSerializer.js';
import { sign as wampyCraSign } from 'wampy/wampcra.js';
import { sign as wampyCryptosignSign } from 'wampy/cryptosign.js';
import WebSocket from 'ws';
import { Result, Session, WampError, cryptosign, ticket, wampcra, type AuthMethod, type Transport } from '@wamp/client';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';
import { cborSerializer, jsonSerializer, msgpackSerializer, toWire, type Serializer } from '@wamp/core';
import { rawSocketTransport } from '@wamp/rawsocket';
import { nodeWebSocketTransport } from '@wamp/ws/node';
import { CREDENTIALS, CRYPTOSIGN_KEYPAIR, CRYPTOSIGN_PUBKEY, REALM, type TestRouter } from './router.js';
import { deferred } from '../../../core/test/kit/wait.js';

export type Library = 'autobahn' | 'wampy' | 'wamp-client';
export type SerializerName = 'json' | 'msgpack' | 'cbor';
export type TransportName = 'websocket' | 'rawsocket';
export type AuthName = 'anonymous' | 'ticket' | 'wampcra' | 'cryptosign';

export interface PeerSpec {
  readonly library: Library;
  readonly serializer: SerializerName;
  readonly transport: TransportName;
}

export const label = (s: PeerSpec): string => `${s.library}/${s.transport === 'rawsocket' ? 'rawsocket' : 'ws'}/${s.serializer}`;

export type Kwargs = Record<string, unknown>;

export interface Reply {
  readonly args: unknown[];
  readonly kwargs: Kwargs;
}

/** An ERROR answer: thrown by a handler to send it, and what `call` rejects with. */
export class RemoteError extends Error {
  constructor(
    readonly uri: string,
    readonly args: unknown[] = [],
    readonly kwargs: Kwargs = {},
  ) {
    super(`${uri} ${JSON.stringify(args, bigintSafe)} ${JSON.stringify(kwargs, bigintSafe)}`);
    this.name = 'RemoteError';
  }
}

function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

export interface Invocation extends Reply {
  /** The procedure as the callee learns it (for a pattern registration, the actual URI). */
  readonly procedure: string | undefined;
  readonly caller: unknown;
  readonly callerAuthid: unknown;
  readonly callerAuthrole: unknown;
  /** Present when the caller asked for progressive results and the dealer passed that on. */
  readonly progress: ((args: unknown[], kwargs?: Kwargs) => void) | undefined;
  /** Fires on INTERRUPT; only `@wamp/client` exposes one (the other peers announce no call_canceling as callee). */
  readonly signal: AbortSignal | undefined;
}

export type Handler = (inv: Invocation) => Reply | Promise<Reply>;

export interface EventInfo extends Reply {
  readonly topic: string | undefined;
  readonly publisher: unknown;
  readonly publisherAuthid: unknown;
}

export interface Welcome {
  readonly session: unknown;
  readonly authid: unknown;
  readonly authrole: unknown;
  readonly authmethod: unknown;
}

export interface CallOptions {
  readonly discloseMe?: boolean;
  /** Ask for progressive results and receive them here. */
  readonly onProgress?: (part: Reply) => void;
}

export interface PublishOptions {
  readonly acknowledge?: boolean;
  readonly excludeMe?: boolean;
  readonly discloseMe?: boolean;
}

export type CancelMode = 'skip' | 'kill' | 'killnowait';

export interface CancelableCall {
  readonly result: Promise<Reply>;
  /** Send CANCEL with the mode given to `callCancelable`. */
  cancel(): void;
}

export interface Peer {
  readonly spec: PeerSpec;
  readonly name: string;
  readonly welcome: Welcome;
  /** The session ID as a number (wampy over MessagePack delivers it as a bigint). */
  readonly id: number;
  register(procedure: string, handler: Handler, options?: { match?: 'prefix' | 'wildcard'; discloseCaller?: boolean }): Promise<void>;
  call(procedure: string, args?: unknown[], kwargs?: Kwargs, options?: CallOptions): Promise<Reply>;
  callCancelable(procedure: string, args: unknown[], mode: CancelMode): CancelableCall;
  subscribe(topic: string, handler: (ev: EventInfo) => void, options?: { match?: 'prefix' | 'wildcard' }): Promise<void>;
  publish(topic: string, args?: unknown[], kwargs?: Kwargs, options?: PublishOptions): Promise<void>;
  /** GOODBYE, and wait for the router's answer and the transport to close. */
  leave(): Promise<void>;
  /** Resolves when the session has ended, for whatever reason, with the reason the library reports. */
  readonly closed: Promise<string | undefined>;
  /** Every message the library sent since it joined, as it handed it to its serializer. */
  readonly sent: readonly unknown[][];
}

export const SERIALIZERS: readonly SerializerName[] = ['json', 'msgpack', 'cbor'];

const CORE_SERIALIZERS: Record<SerializerName, Serializer> = { json: jsonSerializer, msgpack: msgpackSerializer, cbor: cborSerializer };

/**
 * A value in a form that compares equal across libraries: Buffers and other
 * Uint8Array subclasses become plain Uint8Arrays, bigints within the WAMP
 * integer range become numbers. Everything else is copied as it is.
 */
export function canon(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = canon(x);
    return out;
  }
  return v;
}

/** Reject after `ms` with a message naming what was awaited; every wait in the suites is bounded by one. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export { deferred };

const JOIN_MS = 5_000;

/** Join the interop realm with `spec`, authenticating with `auth` through the library's own helpers. */
export function join(router: TestRouter, spec: PeerSpec, auth: AuthName = 'anonymous'): Promise<Peer> {
  const p =
    spec.library === 'autobahn' ? joinAutobahn(router, spec, auth) : spec.library === 'wampy' ? joinWampy(router, spec, auth) : joinWampClient(router, spec, auth);
  return within(JOIN_MS, `${label(spec)} joining with ${auth}`, p);
}

// ---------------------------------------------------------------------------
// Autobahn|JS

/** What Autobahn|JS exports beyond @types/autobahn 20.9. */
export interface AutobahnExtras {
  serializer: { JSONSerializer: new () => unknown; MsgpackSerializer: new () => unknown; CBORSerializer: new () => unknown };
  nacl: { sign: { keyPair: { fromSeed(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } } } };
  auth_cra: { derive_key(secret: string, salt: string, iterations?: number, keylen?: number): string; sign(key: string, challenge: string): string };
  auth_cryptosign: {
    public_key(pkey: unknown): string;
    sign_challenge(pkey: unknown, extra: { challenge: string }): string;
    create_connection(config: Record<string, unknown>): any;
  };
}
export const autobahnExtras = autobahn as unknown as AutobahnExtras;

// Autobahn|JS warns on the console at every close ("connection closed",
// "auto-reconnect disabled!"), hundreds of lines in a run; its logger is a
// module of its own, so those two are dropped there and the rest kept.
const autobahnLog = createRequire(import.meta.url)('autobahn/lib/log.js') as { warn: (...a: unknown[]) => void };
const autobahnWarn = autobahnLog.warn;
autobahnLog.warn = (...a: unknown[]) => {
  if (a[0] === 'connection closed' || a[0] === 'auto-reconnect disabled!') return;
  autobahnWarn(...a);
};

interface AutobahnSession {
  id: number;
  features: unknown;
  register(procedure: string, endpoint: (...a: any[]) => unknown, options?: object): Promise<unknown>;
  call(procedure: string, args?: unknown[], kwargs?: object, options?: object): any;
  subscribe(topic: string, handler: (...a: any[]) => void, options?: object): Promise<unknown>;
  publish(topic: string, args?: unknown[], kwargs?: object, options?: object): Promise<unknown> | undefined;
}

const AUTOBAHN_SERIALIZERS: Record<SerializerName, () => unknown> = {
  json: () => new autobahnExtras.serializer.JSONSerializer(),
  msgpack: () => new autobahnExtras.serializer.MsgpackSerializer(),
  cbor: () => new autobahnExtras.serializer.CBORSerializer(),
};

/**
 * Autobahn|JS reports every exception of an invocation handler here, also an
 * `autobahn.Error` thrown on purpose to answer with ERROR; only others are news.
 */
function autobahnUserError(error: unknown, message?: string): void {
  if (!(error instanceof autobahn.Error)) console.error(message ?? 'autobahn user error', error);
}

function autobahnConnection(router: TestRouter, spec: PeerSpec, auth: AuthName): any {
  const serializers = [AUTOBAHN_SERIALIZERS[spec.serializer]()];
  const transports =
    spec.transport === 'rawsocket'
      ? [{ type: 'rawsocket', host: router.rawSocketHost, port: router.rawSocketPort }]
      : [{ type: 'websocket', url: router.wsUrl, serializers }];
  const common = { realm: REALM, transports, max_retries: 0, retry_if_unreachable: false, on_user_error: autobahnUserError };
  switch (auth) {
    case 'anonymous':
      return new autobahn.Connection({ ...common, url: router.wsUrl } as any);
    case 'ticket':
      return new autobahn.Connection({
        ...common,
        authid: CREDENTIALS.ticket.authid,
        authmethods: ['ticket'],
        onchallenge: (_s: unknown, method: string) => {
          if (method !== 'ticket') throw new Error(`unexpected challenge ${method}`);
          return CREDENTIALS.ticket.ticket;
        },
      } as any);
    case 'wampcra':
      return new autobahn.Connection({
        ...common,
        authid: CREDENTIALS.wampcra.authid,
        authmethods: ['wampcra'],
        onchallenge: (_s: unknown, method: string, extra: { challenge: string; salt?: string; iterations?: number; keylen?: number }) => {
          if (method !== 'wampcra') throw new Error(`unexpected challenge ${method}`);
          const cra = autobahnExtras.auth_cra;
          const key = extra.salt === undefined ? CREDENTIALS.wampcra.secret : cra.derive_key(CREDENTIALS.wampcra.secret, extra.salt, extra.iterations, extra.keylen);
          return cra.sign(key, extra.challenge);
        },
      } as any);
    case 'cryptosign': {
      // Autobahn|JS's helpers: the public key for HELLO.authextra.pubkey and the challenge signer.
      const cs = autobahnExtras.auth_cryptosign;
      return new autobahn.Connection({
        ...common,
        authid: CREDENTIALS.cryptosign.authid,
        authmethods: ['cryptosign'],
        authextra: { pubkey: cs.public_key(CRYPTOSIGN_KEYPAIR) },
        onchallenge: (_s: unknown, method: string, extra: { challenge: string }) => {
          if (method !== 'cryptosign') throw new Error(`unexpected challenge ${method}`);
          return cs.sign_challenge(CRYPTOSIGN_KEYPAIR, extra);
        },
      } as any);
    }
  }
}

/**
 * Join with Autobahn|JS's all-in-one `auth_cryptosign.create_connection`
 * (WebSocket only). Its HELLO.authextra carries `trustroot: null`,
 * `challenge: null`, `channel_binding: null` and two keys set to undefined.
 */
export function joinAutobahnCreateConnection(router: TestRouter, serializer: SerializerName): Promise<Peer> {
  const spec: PeerSpec = { library: 'autobahn', transport: 'websocket', serializer };
  const c = autobahnExtras.auth_cryptosign.create_connection({
    url: router.wsUrl,
    realm: REALM,
    authid: CREDENTIALS.cryptosign.authid,
    pkey: CRYPTOSIGN_KEYPAIR,
    serializers: [AUTOBAHN_SERIALIZERS[serializer]()],
  });
  // The helper takes no retry options; a failed join must not reconnect.
  c._max_retries = 0;
  c._retry_if_unreachable = false;
  c._options.on_user_error = autobahnUserError;
  return within(JOIN_MS, 'autobahn create_connection', joinAutobahnWith(spec, c));
}

function joinAutobahn(router: TestRouter, spec: PeerSpec, auth: AuthName): Promise<Peer> {
  return joinAutobahnWith(spec, autobahnConnection(router, spec, auth));
}

function joinAutobahnWith(spec: PeerSpec, connection: any): Promise<Peer> {
  const closed = deferred<string | undefined>();
  return new Promise<Peer>((resolve, reject) => {
    let open = false;
    connection.onclose = (reason: string, details: { reason?: string | null; message?: string | null }) => {
      if (!open) reject(new Error(`autobahn could not join: ${reason} ${JSON.stringify(details)}`));
      closed.resolve(details?.reason ?? reason);
      return true; // no reconnection
    };
    connection.onopen = (session: AutobahnSession, details: Record<string, unknown>) => {
      open = true;
      resolve(autobahnPeer(spec, connection, session, details, closed.promise));
    };
    connection.open();
  });
}

function autobahnReply(r: unknown): Reply {
  if (r instanceof autobahn.Result) return { args: r.args ?? [], kwargs: r.kwargs ?? {} };
  // Autobahn|JS unwraps a single positional result, and gives null for none.
  return r === null || r === undefined ? { args: [], kwargs: {} } : { args: [r], kwargs: {} };
}

function autobahnError(e: unknown): unknown {
  if (e instanceof autobahn.Error) return new RemoteError(e.error, e.args ?? [], e.kwargs ?? {});
  return e;
}

function autobahnPeer(spec: PeerSpec, connection: any, session: AutobahnSession, details: Record<string, unknown>, closed: Promise<string | undefined>): Peer {
  const sent: unknown[][] = [];
  const s = session as unknown as { _send_wamp: (msg: unknown[]) => void };
  const send = s._send_wamp;
  s._send_wamp = (msg) => {
    sent.push(msg);
    send(msg);
  };
  const call = (procedure: string, args: unknown[] = [], kwargs: Kwargs = {}, options: CallOptions = {}): Promise<Reply> => {
    const opts: Record<string, unknown> = {};
    if (options.discloseMe) opts['disclose_me'] = true;
    if (options.onProgress) opts['receive_progress'] = true;
    const onProgress = options.onProgress;
    // With when.js (an optional dependency, installed here) the third `then`
    // callback receives progressive results; native promises have no such slot.
    const p = session.call(procedure, args, kwargs, opts);
    return new Promise<Reply>((resolve, reject) => {
      p.then(
        (r: unknown) => resolve(autobahnReply(r)),
        (e: unknown) => reject(autobahnError(e)),
        onProgress ? (r: unknown) => onProgress(autobahnReply(r)) : undefined,
      );
    });
  };
  return {
    spec,
    name: label(spec),
    welcome: { session: session.id, authid: details['authid'], authrole: details['authrole'], authmethod: details['authmethod'] },
    id: Number(session.id),
    async register(procedure, handler, options = {}) {
      const opts: Record<string, unknown> = {};
      if (options.match) opts['match'] = options.match;
      if (options.discloseCaller) opts['disclose_caller'] = true;
      await session.register(
        procedure,
        async (args: unknown[], kwargs: Kwargs, d: any) => {
          try {
            const r = await handler({
              args: args ?? [],
              kwargs: kwargs ?? {},
              procedure: d.procedure,
              caller: d.caller,
              callerAuthid: d.caller_authid,
              callerAuthrole: d.caller_authrole,
              progress: typeof d.progress === 'function' ? (a: unknown[], k?: Kwargs) => d.progress(a, k) : undefined,
              signal: undefined,
            });
            return new autobahn.Result(r.args, r.kwargs);
          } catch (e) {
            if (e instanceof RemoteError) throw new autobahn.Error(e.uri, e.args, e.kwargs);
            throw e;
          }
        },
        opts,
      );
    },
    call,
    callCancelable(procedure, args, mode) {
      const p = session.call(procedure, args, {}, {});
      return {
        result: new Promise<Reply>((resolve, reject) => p.then((r: unknown) => resolve(autobahnReply(r)), (e: unknown) => reject(autobahnError(e)))),
        cancel: () => p.cancel({ mode }),
      };
    },
    async subscribe(topic, handler, options = {}) {
      await session.subscribe(
        topic,
        (args: unknown[], kwargs: Kwargs, ev: any) =>
          handler({ args: args ?? [], kwargs: kwargs ?? {}, topic: ev.topic, publisher: ev.publisher, publisherAuthid: ev.publisher_authid }),
        options.match ? { match: options.match } : {},
      );
    },
    async publish(topic, args = [], kwargs = {}, options = {}) {
      const opts: Record<string, unknown> = {};
      if (options.acknowledge) opts['acknowledge'] = true;
      if (options.excludeMe !== undefined) opts['exclude_me'] = options.excludeMe;
      if (options.discloseMe) opts['disclose_me'] = true;
      await session.publish(topic, args, kwargs, opts);
    },
    async leave() {
      connection.close();
      await within(3_000, `${label(spec)} leaving`, closed);
    },
    closed,
    sent,
  };
}

// ---------------------------------------------------------------------------
// wampy

const WAMPY_SERIALIZERS: Record<SerializerName, () => any> = {
  json: () => new JsonSerializer(),
  msgpack: () => new MsgpackSerializer(),
  cbor: () => new CborSerializer(),
};

async function joinWampy(router: TestRouter, spec: PeerSpec, auth: AuthName): Promise<Peer> {
  if (spec.transport !== 'websocket') throw new Error('wampy speaks WebSocket only');
  const closed = deferred<string | undefined>();
  const authOptions: Record<string, unknown> =
    auth === 'ticket'
      ? { authid: CREDENTIALS.ticket.authid, authmethods: ['ticket'], authMode: 'auto', authPlugins: { ticket: () => CREDENTIALS.ticket.ticket } }
      : auth === 'wampcra'
        ? { authid: CREDENTIALS.wampcra.authid, authmethods: ['wampcra'], authMode: 'auto', authPlugins: { wampcra: wampyCraSign(CREDENTIALS.wampcra.secret) } }
        : auth === 'cryptosign'
          ? {
              authid: CREDENTIALS.cryptosign.authid,
              authmethods: ['cryptosign'],
              authextra: { pubkey: CRYPTOSIGN_PUBKEY },
              authMode: 'auto',
              authPlugins: { cryptosign: wampyCryptosignSign(CREDENTIALS.cryptosign.seed) },
            }
          : {};
  const wampy = new Wampy(router.wsUrl, {
    realm: REALM,
    // In Node wampy needs a WebSocket class; `ws` is the one it documents.
    ws: WebSocket as any,
    serializer: WAMPY_SERIALIZERS[spec.serializer](),
    autoReconnect: false,
    onClose: () => closed.resolve(undefined),
    onError: () => closed.resolve('error'),
    ...authOptions,
  });
  const details = (await wampy.connect()) as Record<string, unknown>;
  return wampyPeer(spec, wampy, details, closed.promise);
}

function wampyReply(r: { argsList?: unknown[]; argsDict?: Kwargs } | undefined): Reply {
  return { args: r?.argsList ?? [], kwargs: r?.argsDict ?? {} };
}

function wampyError(e: unknown): unknown {
  // wampy rejects calls with a CallError (errorUri, argsList, argsDict).
  const x = e as { errorUri?: unknown; argsList?: unknown[]; argsDict?: Kwargs };
  if (typeof x?.errorUri === 'string') return new RemoteError(x.errorUri, x.argsList ?? [], x.argsDict ?? {});
  return e;
}

function wampyPeer(spec: PeerSpec, wampy: Wampy, details: Record<string, unknown>, closed: Promise<string | undefined>): Peer {
  const w = wampy as any;
  const sent: unknown[][] = [];
  const send = w._send.bind(wampy);
  w._send = (msg: unknown[]) => {
    sent.push(msg);
    return send(msg);
  };
  return {
    spec,
    name: label(spec),
    welcome: { session: wampy.getSessionId(), authid: details['authid'], authrole: details['authrole'], authmethod: details['authmethod'] },
    id: Number(wampy.getSessionId()),
    async register(procedure, handler, options = {}) {
      if (options.discloseCaller) throw new Error('wampy 8 cannot send REGISTER.Options.disclose_caller');
      await wampy.register(
        procedure,
        async (inv) => {
          const d = inv.details as Record<string, any>;
          try {
            const r = await handler({
              args: inv.argsList ?? [],
              kwargs: inv.argsDict ?? {},
              procedure: d['procedure'],
              caller: d['caller'],
              callerAuthid: d['caller_authid'],
              callerAuthrole: d['caller_authrole'],
              progress: d['receive_progress'] ? (a, k) => inv.result_handler({ argsList: a, argsDict: k ?? {}, options: { progress: true } }) : undefined,
              signal: undefined,
            });
            return { argsList: r.args, argsDict: r.kwargs };
          } catch (e) {
            // wampy sends ERROR with the URI, args and kwargs of a thrown `{ error, argsList, argsDict }`.
            if (e instanceof RemoteError) throw { error: e.uri, argsList: e.args, argsDict: e.kwargs };
            throw e;
          }
        },
        options.match ? { match: options.match } : {},
      );
    },
    async call(procedure, args = [], kwargs = {}, options = {}) {
      const adv: Record<string, unknown> = {};
      if (options.discloseMe) adv['disclose_me'] = true;
      const onProgress = options.onProgress;
      if (onProgress) adv['progress_callback'] = (r: { argsList?: unknown[]; argsDict?: Kwargs }) => onProgress(wampyReply(r));
      try {
        return wampyReply(await wampy.call(procedure, { argsList: args, argsDict: kwargs }, adv));
      } catch (e) {
        throw wampyError(e);
      }
    },
    callCancelable(procedure, args, mode) {
      const p = wampy.call(procedure, { argsList: args });
      // The request ID of the call just sent, as wampy's `cancel` needs it.
      const reqId = wampy.getOpStatus().reqId;
      return {
        result: p.then(wampyReply, (e: unknown) => Promise.reject(wampyError(e))),
        cancel: () => {
          if (!wampy.cancel(reqId, { mode })) throw new Error(`wampy refused to cancel: ${String(wampy.getOpStatus().error)}`);
        },
      };
    },
    async subscribe(topic, handler, options = {}) {
      await wampy.subscribe(
        topic,
        (ev) => {
          const d = ev.details as Record<string, unknown>;
          handler({ args: ev.argsList ?? [], kwargs: ev.argsDict ?? {}, topic: d['topic'] as string | undefined, publisher: d['publisher'], publisherAuthid: d['publisher_authid'] });
        },
        options.match ? { match: options.match } : {},
      );
    },
    async publish(topic, args = [], kwargs = {}, options = {}) {
      // wampy always asks for acknowledgement (PUBLISH.Options.acknowledge = true).
      const adv: Record<string, unknown> = {};
      if (options.excludeMe !== undefined) adv['exclude_me'] = options.excludeMe;
      if (options.discloseMe) adv['disclose_me'] = true;
      await wampy.publish(topic, { argsList: args, argsDict: kwargs }, adv);
    },
    async leave() {
      await within(3_000, `${label(spec)} leaving`, wampy.disconnect());
      await within(3_000, `${label(spec)} closing`, closed);
    },
    closed: closed.then((r) => r ?? (w._cache?.opStatus?.error ? String(w._cache.opStatus.error) : undefined)),
    sent,
  };
}

// ---------------------------------------------------------------------------
// @wamp/client

function wampClientAuth(auth: AuthName): { authid?: string; auth?: AuthMethod } {
  switch (auth) {
    case 'anonymous':
      return {};
    case 'ticket':
      return { authid: CREDENTIALS.ticket.authid, auth: ticket(CREDENTIALS.ticket.ticket) };
    case 'wampcra':
      return { authid: CREDENTIALS.wampcra.authid, auth: wampcra(CREDENTIALS.wampcra.secret) };
    case 'cryptosign':
      return { authid: CREDENTIALS.cryptosign.authid, auth: cryptosign(CREDENTIALS.cryptosign.seed) };
  }
}

export async function wampClientTransport(router: TestRouter, spec: Pick<PeerSpec, 'serializer' | 'transport'>): Promise<Transport> {
  const serializer = CORE_SERIALIZERS[spec.serializer];
  return spec.transport === 'rawsocket'
    ? rawSocketTransport({ url: router.rawSocketUrl, serializer })()
    : nodeWebSocketTransport({ url: router.wsUrl, subprotocols: [serializer.subprotocol] })();
}

async function joinWampClient(router: TestRouter, spec: PeerSpec, auth: AuthName): Promise<Peer> {
  const transport = await wampClientTransport(router, spec);
  const sent: unknown[][] = [];
  const session = await Session.join(transport, {
    realm: REALM,
    crypto: nodeCryptoProvider(),
    ...wampClientAuth(auth),
    onTrace: (t) => {
      if (t.direction === 'out') sent.push(toWire(t.message) as unknown[]);
    },
  });
  return wampClientPeer(spec, session, sent);
}

function wampClientError(e: unknown): unknown {
  if (e instanceof WampError) return new RemoteError(e.uri, [...(e.args ?? [])], { ...(e.kwargs ?? {}) });
  return e;
}

export function wampClientPeer(spec: PeerSpec, session: Session, sent: unknown[][] = []): Peer {
  const closed = session.closed.then((info) => info.reason);
  const reply = (r: Result): Reply => ({ args: [...(r.args ?? [])], kwargs: { ...(r.kwargs ?? {}) } });
  return {
    spec,
    name: label(spec),
    welcome: { session: session.id, authid: session.authid, authrole: session.authrole, authmethod: session.details['authmethod'] },
    id: session.id,
    async register(procedure, handler, options = {}) {
      await session.register(
        procedure,
        async (args, kwargs, d) => {
          try {
            const r = await handler({
              args: [...args],
              kwargs: { ...kwargs },
              procedure: d.procedure,
              caller: d.caller,
              callerAuthid: d.callerAuthid,
              callerAuthrole: d.callerAuthrole,
              progress: d.receiveProgress ? (a, k) => d.progress(a, k ?? {}) : undefined,
              signal: d.signal,
            });
            return new Result(r.args, r.kwargs);
          } catch (e) {
            if (e instanceof RemoteError) throw new WampError(e.uri, e.args, e.kwargs);
            throw e;
          }
        },
        { ...(options.match ? { match: options.match } : {}), ...(options.discloseCaller ? { discloseCaller: true } : {}) },
      );
    },
    async call(procedure, args = [], kwargs = {}, options = {}) {
      const onProgress = options.onProgress;
      try {
        const r = await session.call(procedure, args, kwargs, {
          ...(options.discloseMe ? { discloseMe: true } : {}),
          ...(onProgress ? { onProgress: (p: Result) => onProgress(reply(p)) } : {}),
        });
        return reply(r);
      } catch (e) {
        throw wampClientError(e);
      }
    },
    callCancelable(procedure, args, mode) {
      const ac = new AbortController();
      const result = session
        .call(procedure, args, {}, { signal: ac.signal, cancelMode: mode })
        .then(reply, (e: unknown) => Promise.reject(wampClientError(e)));
      return { result, cancel: () => ac.abort() };
    },
    async subscribe(topic, handler, options = {}) {
      await session.subscribe(
        topic,
        (args, kwargs, d) =>
          handler({ args: [...args], kwargs: { ...kwargs }, topic: d.topic, publisher: d.publisher, publisherAuthid: d.publisherAuthid }),
        options.match ? { match: options.match } : {},
      );
    },
    async publish(topic, args = [], kwargs = {}, options = {}) {
      await session.publish(topic, args, kwargs, {
        ...(options.acknowledge ? { acknowledge: true } : {}),
        ...(options.excludeMe !== undefined ? { excludeMe: options.excludeMe } : {}),
        ...(options.discloseMe ? { discloseMe: true } : {}),
      });
    },
    async leave() {
      await within(3_000, `${label(spec)} leaving`, session.leave());
    },
    closed,
    sent,
  };
}
