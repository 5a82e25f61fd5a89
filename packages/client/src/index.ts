export type { Transport, TransportCloseInfo, TransportFactory } from './transport.js';
export { webCryptoProvider, type WebCryptoProviderOptions } from './crypto/web.js';
export { nobleCryptoProvider, type NobleCryptoProviderOptions } from './crypto/noble.js';
