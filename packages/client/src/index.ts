export type { Transport, TransportCloseInfo, TransportFactory } from './transport.js';
