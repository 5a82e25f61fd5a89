// An echo endpoint over any transport server of the adapters (RawSocket, WebSocket):
// it sends every frame back and records connections and closes, so the
// transport tests see both ends of a real socket.

/** The server end of one connection, as the transport adapters give it. */
export interface EchoConnection<F, C> {
  onFrame: ((frame: F) => void) | undefined;
  onClose: ((info: C) => void) | undefined;
  send(frame: F): void;
}

/** A transport server that can listen on a port. */
export interface EchoListener {
  listen(opts: { port: number; host: string }): Promise<unknown>;
  address(): unknown;
}

/** A listening echo server, its port and what it has seen. */
export interface Echo<S, K, C> {
  readonly server: S;
  readonly port: number;
  readonly conns: K[];
  readonly closes: C[];
}

/**
 * Create a server with `create(onConnection)` that echoes every frame, and
 * listen on an OS-chosen port of 127.0.0.1.
 */
export async function echoServer<F, C, K extends EchoConnection<F, C>, S extends EchoListener>(
  create: (onConnection: (c: K) => void) => S,
): Promise<Echo<S, K, C>> {
  const conns: K[] = [];
  const closes: C[] = [];
  const server = create((c) => {
    conns.push(c);
    c.onFrame = (f) => c.send(f);
    c.onClose = (info) => closes.push(info);
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, port: (server.address() as { port: number }).port, conns, closes };
}
