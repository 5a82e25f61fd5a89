import { connect, type Socket } from 'node:net';

export { until, within } from '../../core/test/kit/wait.js';

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
