/**
 * TLS channel binding data for WAMP authentication (cryptosign, WAMP-SCRAM):
 * `tls-exporter` (RFC 9266), 32 bytes exported from the TLS session with the
 * label `EXPORTER-Channel-Binding` and an empty context; both ends of one
 * connection compute the same bytes. Read from a Node `TLSSocket` by duck
 * typing (no `node:tls` import); anything else has no channel binding.
 */

/** The channel binding types this package can give. */
export const TLS_CHANNEL_BINDINGS: readonly string[] = ['tls-exporter'];

/** `type`'s channel binding data of `socket`, or undefined when it is not a TLS socket or the type is not supported. */
export function tlsChannelBinding(socket: unknown, type: string): Uint8Array | undefined {
  if (type !== 'tls-exporter') return undefined;
  const s = socket as { exportKeyingMaterial?: (length: number, label: string, context: Uint8Array) => Uint8Array } | undefined;
  if (typeof s?.exportKeyingMaterial !== 'function') return undefined;
  try {
    return new Uint8Array(s.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', new Uint8Array(0)));
  } catch {
    // Not connected (yet, or any more).
    return undefined;
  }
}
