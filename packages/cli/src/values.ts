/**
 * Turning command-line words into WAMP payloads, and payloads into lines of
 * output.
 */

import type { Dict } from '@wamp/core';

/** A word as a value: its JSON reading when it is valid JSON (`42`, `true`, `"x"`, `{"a":1}`), else the word as a string. */
export function parseValue(word: string): unknown {
  try {
    return JSON.parse(word) as unknown;
  } catch {
    return word;
  }
}

/** `key=value`: a keyword argument (the key a plain name). Anything else is positional. */
const KWARG = /^([A-Za-z_][A-Za-z0-9_.-]*)=([\s\S]*)$/;

/** Positional arguments and keyword arguments of a command line (`1 "two" name=joe` → `[1, "two"]`, `{name: "joe"}`). */
export function parsePayload(words: readonly string[], kwargsJson?: string): { args: unknown[]; kwargs: Dict } {
  const args: unknown[] = [];
  const kwargs: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (kwargsJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(kwargsJson);
    } catch (e) {
      throw new UsageError(`--kwargs: not valid JSON (${(e as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--kwargs: must be a JSON object');
    Object.assign(kwargs, parsed);
  }
  for (const w of words) {
    const m = KWARG.exec(w);
    if (m !== null) kwargs[m[1]!] = parseValue(m[2]!);
    else args.push(parseValue(w));
  }
  return { args, kwargs: { ...kwargs } };
}

/** A fault of the command line: exit code 2 and the usage hint. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** JSON text of a payload value; byte strings become `{"bytes": "<base64>"}`, big integers their digits. */
export function toJson(v: unknown, indent?: number): string {
  return JSON.stringify(
    v,
    (_k, x: unknown) =>
      typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? { bytes: Buffer.from(x).toString('base64') } : x,
    indent,
  );
}

/**
 * What `wamp call` prints for a result: nothing for an empty result, the
 * value for a single positional result, else `{"args": [...], "kwargs": {...}}`.
 */
export function resultText(args: readonly unknown[], kwargs: Dict): string | undefined {
  const hasKw = Object.keys(kwargs).length > 0;
  if (args.length === 0 && !hasKw) return undefined;
  if (args.length === 1 && !hasKw) return toJson(args[0]);
  return toJson(hasKw ? { args, kwargs } : { args });
}
