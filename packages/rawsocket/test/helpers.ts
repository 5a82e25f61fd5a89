import { connect, type Socket } from 'node:net';

/** Poll `cond` until true; fail after `timeoutMs`. For network tests only. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A plain TCP client that records what it reads, for driving a server byte by byte. */
export interface RawClient {
  readonly socket: Socket;
  /** Everything read so far. */
  received(): Uint8Array;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

export function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let isClosed = false;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    const closed = new Promise<void>((r) =>
      socket.on('close', () => {
        isClosed = true;
        r();
      }),
    );
    socket.once('connect', () => {
      socket.setNoDelay(true);
      resolve({ socket, received: () => new Uint8Array(Buffer.concat(chunks)), closed, isClosed: () => isClosed });
    });
    socket.once('error', reject);
  });
}

/** Resolves when `p` does, fails after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
