// `pnpm --filter @wamp/example-browser start` (after `pnpm build` at the
// repository root): build the app, start the router, the Node
// callee/publisher and the page server on 127.0.0.1, and print the address.

import { PACKAGE_DIR, buildApp } from './bundle.mjs';
import { startBackend } from './backend.mjs';

const appDir = PACKAGE_DIR + 'dist';
await buildApp({ outdir: appDir });
const backend = await startBackend({ appDir, routerPort: 8080, httpPort: 8000, log: 'info' });
console.log(`open ${backend.pageUrl}`);

const stop = () => {
  backend.close().then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
