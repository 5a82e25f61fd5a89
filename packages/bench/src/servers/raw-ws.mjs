// Plain `ws` servers for the physical-limit rows: no WAMP, frames forwarded as
// received (a Buffer passed back to send() is written without re-encoding).
//   /echo                     each frame back to its sender
//   /relay/ID/a, /relay/ID/b  frames from a go to b and from b to a
//   /broadcast/ID/pub|sub     each frame from pub goes to every sub of ID
// Started by the orchestrator with an IPC channel (see ./serve.mjs).

import { WebSocketServer } from 'ws';
import { serve } from './serve.mjs';

serve(async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });
  const relays = new Map();
  const rooms = new Map();

  wss.on('connection', (ws, req) => {
    const parts = (req.url ?? '').split('/').filter(Boolean);
    const [mode, id, role] = parts;
    if (mode === 'echo') {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    } else if (mode === 'relay' && id !== undefined && (role === 'a' || role === 'b')) {
      let pair = relays.get(id);
      if (pair === undefined) relays.set(id, (pair = { a: undefined, b: undefined }));
      pair[role] = ws;
      const other = role === 'a' ? 'b' : 'a';
      ws.on('message', (data, isBinary) => pair[other]?.send(data, { binary: isBinary }));
      ws.on('close', () => {
        pair[role] = undefined;
        if (pair.a === undefined && pair.b === undefined) relays.delete(id);
      });
    } else if (mode === 'broadcast' && id !== undefined && (role === 'pub' || role === 'sub')) {
      let room = rooms.get(id);
      if (room === undefined) rooms.set(id, (room = new Set()));
      if (role === 'sub') {
        room.add(ws);
        ws.on('close', () => {
          room.delete(ws);
          if (room.size === 0) rooms.delete(id);
        });
      } else {
        ws.on('message', (data, isBinary) => {
          for (const sub of room) sub.send(data, { binary: isBinary });
        });
      }
    } else {
      ws.close(1008, 'unknown path');
    }
  });

  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  return {
    endpoints: { ws: `ws://127.0.0.1:${wss.address().port}` },
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  };
});
