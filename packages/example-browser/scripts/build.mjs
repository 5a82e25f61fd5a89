// `pnpm --filter @wamp/example-browser build`: the app into dist/.
import { PACKAGE_DIR, buildApp } from './bundle.mjs';

const outdir = PACKAGE_DIR + 'dist';
const result = await buildApp({ outdir });
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined)?.bytes ?? 0;
console.log(`built ${outdir}/app.js (${(bytes / 1024).toFixed(1)} KB minified) and index.html`);
