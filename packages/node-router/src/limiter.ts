/**
 * Connection caps shared by every listener of a router: how many sockets may
 * be open at once in all, and from one peer IP address. A socket over a cap
 * is destroyed as soon as it is accepted, before any handshake.
 */

import type { Socket } from 'node:net';
import type { Logger } from './log.js';

/** Counts open sockets, in total and per remote address. */
export class ConnectionLimiter {
  private total = 0;
  private readonly byAddress = new Map<string, number>();
  private refused = 0;

  constructor(
    private readonly maxConnections: number,
    private readonly maxPerAddress: number,
    private readonly log: Logger,
  ) {}

  /** Open sockets counted. */
  get size(): number {
    return this.total;
  }

  /**
   * Count `socket` in, or refuse it (false: the caller destroys it). A counted
   * socket is counted out when it closes.
   */
  admit(socket: Socket, transport: 'websocket' | 'rawsocket'): boolean {
    const address = socket.remoteAddress ?? '';
    const fromAddress = this.byAddress.get(address) ?? 0;
    let why: string | undefined;
    if (this.total >= this.maxConnections) why = `maxConnections (${this.maxConnections}) reached`;
    else if (address !== '' && fromAddress >= this.maxPerAddress) why = `maxConnectionsPerAddress (${this.maxPerAddress}) reached for ${address}`;
    if (why !== undefined) {
      // Logged on the 1st, 2nd, 4th, 8th... refusal: a flood grows the log by its logarithm.
      const n = ++this.refused;
      if ((n & (n - 1)) === 0) this.log.warn('connection refused', { transport, peer: address, reason: why, refused: n });
      return false;
    }
    this.total++;
    if (address !== '') this.byAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.total--;
      if (address === '') return;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    });
    return true;
  }
}
