import { messageTypeName, type Message } from '../wire/messages.js';
import { hexEncode } from '../base64.js';
import { toWire } from '../wire/shape.js';

const MAX_TEXT = 2000;
const MAX_BYTES_SHOWN = 16;

/**
 * A message in readable form for traces and logs: the type name, then the
 * wire array as JSON (`CALL [48,1,{},"com.app.add",[2,3]]`). Binary values
 * show as `<n bytes: hex…>`; the text is cut at 2000 characters.
 */
export function formatMessage(msg: Message): string {
  const name = messageTypeName(msg.type) ?? String(msg.type);
  let json: string;
  try {
    json = JSON.stringify(toWire(msg), (_key, value: unknown) => {
      if (value instanceof Uint8Array) {
        const shown = hexEncode(value.subarray(0, MAX_BYTES_SHOWN));
        return `<${value.length} bytes: ${shown}${value.length > MAX_BYTES_SHOWN ? '…' : ''}>`;
      }
      if (typeof value === 'bigint') return `${value}n`;
      return value;
    });
  } catch {
    // A value JSON cannot show (a cycle, say): a trace must never break the session.
    json = '<unprintable>';
  }
  const text = `${name} ${json}`;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}
