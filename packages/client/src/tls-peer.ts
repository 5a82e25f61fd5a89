/**
 * What a server learns of a TLS client, as the plain data of `@wamp/core`
 * ({@link TlsClientInfo}): read from a Node `TLSSocket` by duck typing (no
 * `node:tls` import), like {@link tlsChannelBinding}. The WebSocket and
 * RawSocket listeners put it in their peer descriptions; the router hands it
 * to authenticators as `SessionInfo.tls`.
 */

import type { DistinguishedName, TlsCertificate, TlsClientInfo } from '@wamp/core';

/** The shape of Node's `DetailedPeerCertificate` this module reads. */
interface NodePeerCertificate {
  readonly subject?: unknown;
  readonly issuer?: unknown;
  readonly subjectaltname?: unknown;
  readonly fingerprint256?: unknown;
  readonly serialNumber?: unknown;
  readonly valid_from?: unknown;
  readonly valid_to?: unknown;
  readonly raw?: unknown;
  readonly issuerCertificate?: NodePeerCertificate;
}

interface NodeTlsSocket {
  readonly encrypted?: unknown;
  readonly authorized?: unknown;
  readonly authorizationError?: unknown;
  getPeerCertificate?(detailed: boolean): NodePeerCertificate | null;
}

/** Longest chain read: far beyond real ones (3-4), and a bound on a hostile one. */
const MAX_CHAIN = 16;

function distinguishedName(v: unknown): DistinguishedName {
  const out: Record<string, string | readonly string[]> = {};
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, x] of Object.entries(v)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    if (typeof x === 'string') out[k] = x;
    else if (Array.isArray(x)) out[k] = Object.freeze(x.filter((e): e is string => typeof e === 'string'));
  }
  return Object.freeze(out);
}

function certificate(c: NodePeerCertificate): TlsCertificate | undefined {
  const raw = c.raw;
  if (!(raw instanceof Uint8Array) || raw.length === 0) return undefined;
  const str = (x: unknown): string => (typeof x === 'string' ? x : '');
  return Object.freeze({
    subject: distinguishedName(c.subject),
    issuer: distinguishedName(c.issuer),
    ...(typeof c.subjectaltname === 'string' ? { subjectAltName: c.subjectaltname } : {}),
    fingerprint256: str(c.fingerprint256),
    serialNumber: str(c.serialNumber).toUpperCase(),
    validFrom: str(c.valid_from),
    validTo: str(c.valid_to),
    raw: new Uint8Array(raw),
  });
}

/**
 * The TLS client facts of `socket`: whether its certificate verified, the
 * certificate and the chain (client's first). Undefined when `socket` is not
 * a TLS socket. Call it once the TLS handshake is done (when the connection
 * is accepted).
 */
export function tlsClientInfo(socket: unknown): TlsClientInfo | undefined {
  const s = socket as NodeTlsSocket | undefined;
  if (s?.encrypted !== true || typeof s.getPeerCertificate !== 'function') return undefined;
  let leaf: NodePeerCertificate | null;
  try {
    leaf = s.getPeerCertificate(true);
  } catch {
    leaf = null;
  }
  const chain: TlsCertificate[] = [];
  const seen = new Set<NodePeerCertificate>();
  for (let c = leaf ?? undefined; c !== undefined && !seen.has(c) && chain.length < MAX_CHAIN; c = c.issuerCertificate) {
    // The root names itself as its issuer.
    seen.add(c);
    const cert = certificate(c);
    if (cert === undefined) break;
    chain.push(cert);
  }
  const authorized = s.authorized === true && chain.length > 0;
  const error = s.authorizationError;
  return Object.freeze({
    authorized,
    ...(!authorized ? { authorizationError: error instanceof Error ? error.message : typeof error === 'string' ? error : chain.length === 0 ? 'no client certificate' : 'not verified' } : {}),
    ...(chain[0] !== undefined ? { certificate: chain[0] } : {}),
    chain: Object.freeze(chain),
  });
}
