// The plain `ws` client sockets of the raw loads (../load/raw-ws.mjs,
// ../load/raw-wamp.mjs): opening one, and closing a set at the end of a run.

import WebSocket from 'ws';

/**
 * Opens a `ws` client to `url` (offering `protocols`, if any) without
 * compression; a close after the open is reported through `fail`.
 */
export function openPeer(url, fail, protocols = []) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
    ws.once('open', () => {
      ws.on('close', (code, reason) => fail(new Error(`${url} closed: ${code} ${reason}`)));
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

/** Closes every socket, waiting for each close (at most 500 ms each). */
export const closePeers = (sockets) =>
  Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.close();
          setTimeout(resolve, 500).unref();
        }),
    ),
  );
