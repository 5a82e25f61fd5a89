/**
 * Payload Passthru Mode in the client (advanced profile, "Payload Passthru
 * Mode"): a {@link PassthruCodec} turns the arguments of outgoing CALLs,
 * PUBLISHes and YIELDs into one opaque payload (encrypted, or in a foreign
 * format), and turns opaque payloads received in EVENTs, INVOCATIONs and
 * RESULTs back into arguments. The router forwards the payload untouched and
 * never needs the codec (nor its keys).
 */

import type { Args, Dict, KwArgs, Passthru } from '@wamp/core';

/** Arguments as a handler sees them. */
export interface DecodedArguments {
  readonly args: Args;
  readonly kwargs: KwArgs;
}

/**
 * A pluggable payload codec. Both methods are synchronous, as the session's
 * dispatch is; throw from `decode` to refuse a payload (the event is dropped
 * with a warning, an invocation is answered `wamp.error.invalid_argument`,
 * a call's result rejects the call).
 */
export interface PassthruCodec {
  /** The `ppt_scheme` this codec reads (payloads of other schemes are not given to it). */
  readonly scheme: string;
  /**
   * The payload to send for arguments going to `uri` (a procedure or
   * topic), or undefined to send them in the clear.
   */
  encode(uri: string, args: Args | undefined, kwargs: KwArgs | undefined): Passthru | undefined;
  /** The arguments in a payload received for `uri`. */
  decode(uri: string, passthru: Passthru): DecodedArguments;
}

/** The passthru attributes of received Details, or undefined when they carry none. */
export function passthruAttributes(details: Dict): Omit<Passthru, 'payload'> | undefined {
  const scheme = details['ppt_scheme'];
  if (typeof scheme !== 'string') return undefined;
  const str = (k: string): string | undefined => (typeof details[k] === 'string' ? (details[k] as string) : undefined);
  const serializer = str('ppt_serializer');
  const cipher = str('ppt_cipher');
  const keyid = str('ppt_keyid');
  return {
    scheme,
    ...(serializer === undefined ? {} : { serializer }),
    ...(cipher === undefined ? {} : { cipher }),
    ...(keyid === undefined ? {} : { keyid }),
  };
}
