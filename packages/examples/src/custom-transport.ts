/**
 * A custom transport: the sans-IO client (`ClientSession`) and the sans-IO
 * router (`Router`) of @wamp/core, driven over a plain `node:net` TCP socket
 * with this program's own framing — each WAMP message is a 4-byte big-endian
 * length followed by that many octets of UTF-8 JSON. No @wamp/ws, no RawSocket.
 *
 * Both cores follow the same contract: feed input (`handleMessage(frame, now)`,
 * a command, `handleTimeout(now)`), then drain the output (frames to send,
 * events to handle) and re-arm one timer at `pollTimeout()`. This file is
 * that contract written out once for each side.
 *
 * The client registers a procedure, calls it asking for progressive results,
 * and reads what the messages say with the helpers on decoded messages
 * (`wantsProgress`, `isProgress`) in its trace.
 *
 *   node packages/examples/dist/custom-transport.js
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import {
  ClientSession,
  MessageType,
  Router,
  isProgress,
  jsonSerializer,
  wantsProgress,
  type ClientEvent,
  type Frame,
  type RouterSession,
} from '@wamp/core';

// ---------------------------------------------------------------------------
// The framing: 4-byte length prefix, then the message.

const MAX_FRAME = 1 << 20;

function encodeFrame(frame: Frame): Buffer {
  const body = typeof frame === 'string' ? Buffer.from(frame, 'utf8') : Buffer.from(frame);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** Cuts a byte stream into frames; whatever TCP does to the chunks, each frame comes out whole. */
function frameReader(onFrame: (frame: string) => void, onTooLarge: () => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const n = pending.readUInt32BE(0);
      if (n > MAX_FRAME) return onTooLarge();
      if (pending.length < 4 + n) return;
      onFrame(pending.subarray(4, 4 + n).toString('utf8'));
      pending = pending.subarray(4 + n);
    }
  };
}

/** A timer re-armed at each core's `pollTimeout()`. */
function timerFor(fire: (now: number) => void): (at: number | undefined) => void {
  let timer: NodeJS.Timeout | undefined;
  return (at) => {
    clearTimeout(timer);
    timer = at === undefined ? undefined : setTimeout(() => fire(Date.now()), Math.max(0, at - Date.now()));
  };
}

// ---------------------------------------------------------------------------
// The router side: one Router, one RouterSession per TCP connection.

/** Session and publication IDs: uniform in [1, 2^53], from the OS's CSPRNG. */
const randomId = (): number => Number(randomBytes(8).readBigUInt64BE() >> 11n) + 1;
const router = new Router({ realms: [{ name: 'realm1' }] }, { randomId });
const sockets = new Map<RouterSession, Socket>();
const armRouter = timerFor((now) => {
  router.handleTimeout(now);
  drainRouter();
});

/** The router's output, after every input: frames (and closes) per session, events, the next deadline. */
function drainRouter(): void {
  for (let s = router.pollReady(); s !== undefined; s = router.pollReady()) {
    const socket = sockets.get(s);
    for (let f = s.pollTransmit(); f !== undefined; f = s.pollTransmit()) socket?.write(encodeFrame(f));
    if (s.pollClose() !== undefined) socket?.end();
  }
  for (let e = router.pollEvent(); e !== undefined; e = router.pollEvent()) {
    if (e.type === 'session_joined' || e.type === 'session_left') console.log(`router ${e.type}`);
  }
  armRouter(router.pollTimeout());
}

const server = createServer((socket) => {
  const session = router.openSession(
    { transport: 'tcp-length-prefixed', serializer: jsonSerializer, peer: `tcp4:${socket.remoteAddress}:${socket.remotePort}` },
    Date.now(),
  );
  sockets.set(session, socket);
  socket.on(
    'data',
    frameReader(
      (frame) => {
        session.handleMessage(frame, Date.now());
        drainRouter();
      },
      () => socket.destroy(),
    ),
  );
  socket.on('close', () => {
    sockets.delete(session);
    session.handleTransportClosed(Date.now());
    drainRouter();
  });
  socket.on('error', () => undefined);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
console.log(`ready tcp-length-prefixed://127.0.0.1:${port}`);

// ---------------------------------------------------------------------------
// The client side: one ClientSession on one TCP connection.

const client = new ClientSession({ serializer: jsonSerializer, trace: true });
const socket = connect({ host: '127.0.0.1', port });
const armClient = timerFor((now) => {
  client.handleTimeout(now);
  drainClient();
});
let done!: () => void;
const finished = new Promise<void>((resolve) => (done = resolve));

/** The client's output, after every input: frames, then events (handling them may issue commands: drain again), then the deadline. */
function drainClient(): void {
  for (;;) {
    for (let f = client.pollTransmit(); f !== undefined; f = client.pollTransmit()) socket.write(encodeFrame(f));
    const e = client.pollEvent();
    if (e === undefined) break;
    onClientEvent(e);
  }
  armClient(client.pollTimeout());
}

function onClientEvent(e: ClientEvent): void {
  const now = Date.now();
  switch (e.type) {
    case 'trace': {
      // The helpers on decoded messages answer with the specification's defaults.
      const m = e.message;
      if (m.type === MessageType.CALL) console.log(`${e.direction} CALL receive_progress=${wantsProgress(m)}`);
      if (m.type === MessageType.RESULT) console.log(`${e.direction} RESULT progress=${isProgress(m)}`);
      return;
    }
    case 'joined':
      console.log('client joined realm1');
      client.register('com.example.countdown');
      return;
    case 'registered':
      client.call('com.example.countdown', { args: [3] }, { receiveProgress: true }, now);
      return;
    case 'invocation': {
      // The callee: progressive results when the caller asked for them, then the final one.
      const from = Number(e.args[0]);
      if (e.receiveProgress) for (let i = from; i > 0; i--) client.yield(e.request, { args: [i] }, { progress: true });
      client.yield(e.request, { args: ['liftoff'] });
      return;
    }
    case 'progress':
      console.log(`progress ${String(e.args[0])}`);
      return;
    case 'result':
      console.log(`result ${String(e.args[0])}`);
      client.leave({}, now);
      return;
    case 'closed':
      console.log(`client closed ${e.reason}`);
      socket.end();
      done();
      return;
    case 'error':
      console.log(`error ${e.error.uri}`);
      client.leave({}, now);
      return;
    default:
      return;
  }
}

socket.on(
  'data',
  frameReader(
    (frame) => {
      client.handleMessage(frame, Date.now());
      drainClient();
    },
    () => socket.destroy(),
  ),
);
socket.on('close', () => {
  client.handleTransportClosed();
  drainClient();
});
socket.once('connect', () => {
  client.join({ realm: 'realm1' }, Date.now());
  drainClient();
});

await finished;
await new Promise<void>((resolve) => server.close(() => resolve()));
armRouter(undefined);
armClient(undefined);
