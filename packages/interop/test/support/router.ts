/**
 * The project's router as the interop suites run it: one process-local router
 * on 127.0.0.1 with a WebSocket listener (JSON, MessagePack, CBOR) and a
 * RawSocket listener, ports from the OS (listen on 0), and one realm that
 * accepts every authentication method the peers implement.
 */

import { createLogger, createRouter, type LogSink, type WampRouter } from '@wamp/node-router';
import autobahn from 'autobahn';

// tweetnacl comes with Autobahn|JS, which exports it (not in @types/autobahn).
const nacl = (autobahn as unknown as { nacl: { sign: { keyPair: { fromSeed(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } } } } }).nacl;

export const REALM = 'com.interop';

/** Credentials shared by the router's configuration and the peers' auth helpers. */
export const CREDENTIALS = {
  ticket: { authid: 'joe', ticket: 'ticket-für-joe', authrole: 'ticket-user' },
  // Salted WAMP-CRA: the router derives the key with PBKDF2-SHA256 and sends
  // salt, iterations and keylen in the CHALLENGE; each peer derives it too.
  wampcra: { authid: 'peter', secret: 'pässwörd-of-peter', salt: 'salt-of-peter', iterations: 1000, keylen: 32, authrole: 'cra-user' },
  cryptosign: {
    authid: 'alice',
    // A fixed Ed25519 seed (32 bytes, hex); the public key is derived below.
    seed: '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510',
    authrole: 'cryptosign-user',
  },
} as const;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function unhex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

/** The Ed25519 key pair of {@link CREDENTIALS.cryptosign}, computed with the tweetnacl that Autobahn|JS exports. */
export const CRYPTOSIGN_KEYPAIR: { publicKey: Uint8Array; secretKey: Uint8Array } = nacl.sign.keyPair.fromSeed(
  unhex(CREDENTIALS.cryptosign.seed),
);
export const CRYPTOSIGN_PUBKEY = hex(CRYPTOSIGN_KEYPAIR.publicKey);

export interface TestRouter {
  readonly router: WampRouter;
  /** `ws://127.0.0.1:PORT/ws` */
  readonly wsUrl: string;
  readonly rawSocketHost: string;
  readonly rawSocketPort: number;
  /** `rs://127.0.0.1:PORT` */
  readonly rawSocketUrl: string;
  /** Warnings and errors the router logged (protocol violations, refused upgrades...). */
  readonly log: string[];
  close(): Promise<void>;
}

export interface TestRouterOptions {
  /** The router's session-scope request ID rule; default the spec's `strict`. */
  readonly requestIds?: 'strict' | 'lenient';
  /** Run as a node of a cluster (NATS servers and this node's name). */
  readonly cluster?: { readonly servers: readonly string[]; readonly node: string };
}

export async function startRouter(options: TestRouterOptions = {}): Promise<TestRouter> {
  const log: string[] = [];
  const sink: LogSink = { write: (line) => void log.push(line.trimEnd()) };
  const router = createRouter(
    {
      realms: [
        {
          name: REALM,
          auth: {
            anonymous: { type: 'static', authrole: 'anonymous' },
            ticket: {
              type: 'static',
              principals: { [CREDENTIALS.ticket.authid]: { ticket: CREDENTIALS.ticket.ticket, authrole: CREDENTIALS.ticket.authrole } },
            },
            wampcra: {
              type: 'static',
              principals: {
                [CREDENTIALS.wampcra.authid]: {
                  secret: CREDENTIALS.wampcra.secret,
                  salt: CREDENTIALS.wampcra.salt,
                  iterations: CREDENTIALS.wampcra.iterations,
                  keylen: CREDENTIALS.wampcra.keylen,
                  authrole: CREDENTIALS.wampcra.authrole,
                },
              },
            },
            cryptosign: {
              type: 'static',
              principals: {
                [CREDENTIALS.cryptosign.authid]: { authorizedKeys: [CRYPTOSIGN_PUBKEY], authrole: CREDENTIALS.cryptosign.authrole },
              },
            },
          },
        },
      ],
      ...(options.requestIds === undefined ? {} : { requestIds: options.requestIds }),
      ...(options.cluster === undefined ? {} : { cluster: { servers: [...options.cluster.servers], node: options.cluster.node } }),
      listeners: [
        { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
        { type: 'rawsocket', host: '127.0.0.1', port: 0 },
      ],
      // The suites close every socket themselves; no pings during a short run.
      heartbeatMs: 0,
    },
    { logger: createLogger({ level: 'warn', format: 'json', sink }) },
  );
  const addresses = await router.listen();
  const ws = addresses.find((a) => a.type === 'websocket');
  const rs = addresses.find((a) => a.type === 'rawsocket');
  if (ws === undefined || rs === undefined || rs.port === undefined || rs.host === undefined) {
    await router.close();
    throw new Error(`the router did not open both listeners: ${JSON.stringify(addresses)}`);
  }
  return {
    router,
    wsUrl: ws.url,
    rawSocketHost: rs.host,
    rawSocketPort: rs.port,
    rawSocketUrl: rs.url,
    log,
    close: () => router.close(),
  };
}
