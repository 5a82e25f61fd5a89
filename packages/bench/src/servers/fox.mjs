// fox-wamp, a Node WAMP router from npm that a user might pick instead of ours:
// WebSocket, JSON only, any realm created on first use.

import FoxRouter from 'fox-wamp';
import { serve } from './serve.mjs';

serve(async () => {
  const router = new FoxRouter();
  const wss = router.listenWAMP({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  return {
    endpoints: { ws: `ws://127.0.0.1:${wss.address().port}` },
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  };
});
