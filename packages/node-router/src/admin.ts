/**
 * The operations endpoint: a plain HTTP listener, apart from the WAMP
 * listeners, for monitoring and orchestration.
 *
 * - `GET /metrics`: the router's metrics in the Prometheus text format;
 * - `GET /health`: 200 while the process serves HTTP at all (liveness);
 * - `GET /ready`: 200 when every readiness check passes (the WAMP listeners
 *   are open; a cluster, when one is configured, has been joined), else 503
 *   with the checks that fail (readiness).
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A readiness check: true when ready, or a string saying why not. */
export type ReadinessCheck = () => true | string;

/** What the operations endpoint serves. */
export interface AdminServerOptions {
  /** Served on `/metrics`. */
  readonly registry: Registry;
  /** The current checks, by name. */
  readonly checks: () => ReadonlyMap<string, ReadinessCheck>;
  /** Server errors after `listen` (and failures while answering). */
  readonly onError: (err: Error) => void;
}

/** The HTTP server of the operations endpoint. */
export class AdminServer {
  private readonly server: Server;

  constructor(private readonly opts: AdminServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        opts.onError(e instanceof Error ? e : new Error(String(e)));
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      });
    });
    // Scrapers keep connections alive; do not let them hold up a shutdown.
    this.server.keepAliveTimeout = 5_000;
  }

  /** Listen; resolves with the real address (port 0 resolves to a free port). */
  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((res, rej) => {
      this.server.once('error', rej);
      this.server.listen(port, host, () => {
        this.server.off('error', rej);
        this.server.on('error', this.opts.onError);
        res();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /** Stop listening and wait until the server has closed. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((res) => this.server.close(() => res()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    switch (path) {
      case '/metrics': {
        const body = await this.opts.registry.metrics();
        res.writeHead(200, { 'Content-Type': this.opts.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      case '/health':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ status: 'alive' }) + '\n');
        return;
      case '/ready': {
        const failing: Record<string, string> = {};
        for (const [name, check] of this.opts.checks()) {
          let r: true | string;
          try {
            r = check();
          } catch (e) {
            r = e instanceof Error ? e.message : String(e);
          }
          if (r !== true) failing[name] = r;
        }
        const ready = Object.keys(failing).length === 0;
        res.writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json' });
        const body = ready ? { status: 'ready' } : { status: 'not ready', failing };
        res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body) + '\n');
        return;
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('not found: try /metrics, /health or /ready\n');
    }
  }
}
