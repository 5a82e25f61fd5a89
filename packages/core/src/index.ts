// The public API of @wamp/core: the exports of the browser build (named one
// by one in index.browser.ts) and the authentication computations (named
// one by one in auth.ts, also the subpath `@wamp/core/auth`).

export * from './index.browser.js';
export * from './auth.js';
