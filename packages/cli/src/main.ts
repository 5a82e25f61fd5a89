/**
 * The `wamp` command: argument parsing (node:util parseArgs), connecting,
 * and the commands. `main` returns the exit code instead of exiting, so that
 * it can run inside another program.
 */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Result, Session, SessionClosedError, WampError, cryptosign, ticket, wampcra, type AuthMethod, type Transport } from '@wamp/client';
import { serializerByName, type Dict, type MatchPolicy } from '@wamp/core';
import { nodeTransportFor } from '@wamp/ws/node';
import { COMMAND_HELP, HELP } from './help.js';
import { UsageError, parsePayload, resultText, toJson } from './values.js';

/** Where `main` writes, and what it reads from its environment. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user asks to stop (SIGINT, SIGTERM); default: those signals of this process. */
  readonly interrupted?: Promise<string>;
}

/** The router URL when neither `--url` nor `WAMP_URL` gives one: `wamp-router`'s default WebSocket listener. */
export const DEFAULT_URL = 'ws://127.0.0.1:8080/ws';
/** The realm when neither `--realm` nor `WAMP_REALM` gives one. */
export const DEFAULT_REALM = 'realm1';
/** `--timeout` when not given: connecting, joining and each request. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Exit codes of `wamp`. */
export const ExitCode = { OK: 0, WAMP_ERROR: 1, USAGE: 2, CANNOT_CONNECT: 3 } as const;

const COMMANDS = ['call', 'publish', 'subscribe', 'register', 'meta'] as const;
type Command = (typeof COMMANDS)[number];
const META_WHAT = ['sessions', 'registrations', 'subscriptions'] as const;

const OPTIONS = {
  url: { type: 'string' },
  realm: { type: 'string' },
  serializer: { type: 'string' },
  authid: { type: 'string' },
  ticket: { type: 'string' },
  'wampcra-secret': { type: 'string' },
  'cryptosign-key': { type: 'string' },
  ca: { type: 'string' },
  timeout: { type: 'string' },
  kwargs: { type: 'string' },
  count: { type: 'string' },
  exec: { type: 'string' },
  match: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** Options that belong to some commands only. */
const ONLY: Readonly<Record<string, readonly Command[]>> = {
  kwargs: ['call', 'publish'],
  count: ['subscribe', 'register'],
  exec: ['register'],
  match: ['subscribe', 'register'],
};

interface Settings {
  readonly command: Command;
  readonly uri: string;
  readonly words: readonly string[];
  readonly url: string;
  readonly realm: string;
  readonly serializer: string | undefined;
  readonly authid: string | undefined;
  readonly auth: AuthMethod[];
  readonly timeoutMs: number;
  /** PEM CA bundle to trust for wss:// and rss:// (a router with its own certificate authority). */
  readonly ca: Buffer | undefined;
  readonly kwargsJson: string | undefined;
  readonly count: number | undefined;
  readonly exec: string | undefined;
  readonly match: MatchPolicy | undefined;
}

/** The version of this package. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function positiveInt(flag: string, v: string | undefined, allowZero: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || (!allowZero && n === 0)) {
    throw new UsageError(`${flag}: expected ${allowZero ? 'a non-negative' : 'a positive'} integer, got "${v}"`);
  }
  return n;
}

function authMethods(values: { ticket?: string; 'wampcra-secret'?: string; 'cryptosign-key'?: string; authid?: string }): AuthMethod[] {
  const auth: AuthMethod[] = [];
  if ((values.ticket !== undefined || values['wampcra-secret'] !== undefined) && values.authid === undefined) {
    throw new UsageError('--ticket and --wampcra-secret need --authid');
  }
  if (values['cryptosign-key'] !== undefined) {
    const file = values['cryptosign-key'];
    let raw: Buffer;
    try {
      raw = readFileSync(file);
    } catch (e) {
      throw new UsageError(`--cryptosign-key: cannot read ${file}: ${(e as Error).message}`);
    }
    const text = raw.toString('utf8').trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) auth.push(cryptosign(text));
    else if (raw.length === 32) auth.push(cryptosign(new Uint8Array(raw)));
    else throw new UsageError(`--cryptosign-key: ${file} must hold an Ed25519 seed: 64 hex digits or 32 bytes`);
  }
  if (values['wampcra-secret'] !== undefined) auth.push(wampcra(values['wampcra-secret']));
  if (values.ticket !== undefined) auth.push(ticket(values.ticket));
  return auth;
}

/** The command line as settings, the help text, or the version. Throws UsageError. */
export function parseCommandLine(argv: readonly string[], env: CliIo['env']): Settings | { text: string } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.version === true) return { text: `${version()}\n` };
  const first = positionals[0];
  const command = first === 'help' ? positionals[1] : first;
  if (values.help === true || first === 'help' || first === undefined) {
    return { text: command !== undefined && COMMAND_HELP[command] !== undefined ? COMMAND_HELP[command] : HELP };
  }
  if (!(COMMANDS as readonly string[]).includes(first)) throw new UsageError(`unknown command "${first}" (expected one of ${COMMANDS.join(', ')})`);
  const cmd = first as Command;
  for (const [opt, cmds] of Object.entries(ONLY)) {
    if ((values as Record<string, unknown>)[opt] !== undefined && !cmds.includes(cmd)) {
      throw new UsageError(`--${opt} is for ${cmds.join(' and ')}, not ${cmd}`);
    }
  }
  const uri = positionals[1];
  if (uri === undefined) {
    throw new UsageError(cmd === 'meta' ? `meta: say what to list: ${META_WHAT.join(', ')}` : `${cmd}: missing the ${cmd === 'call' || cmd === 'register' ? 'procedure' : 'topic'} URI`);
  }
  if (cmd === 'meta' && !(META_WHAT as readonly string[]).includes(uri)) throw new UsageError(`meta: unknown "${uri}" (expected one of ${META_WHAT.join(', ')})`);
  const words = positionals.slice(2);
  if (words.length > 0 && cmd !== 'call' && cmd !== 'publish') throw new UsageError(`${cmd} takes no arguments after the ${cmd === 'meta' ? 'list name' : 'URI'} (got "${words[0]}")`);
  const serializer = values.serializer;
  if (serializer !== undefined && serializerByName(serializer) === undefined) throw new UsageError(`--serializer: expected json, msgpack or cbor, got "${serializer}"`);
  const match = values.match;
  if (match !== undefined && match !== 'exact' && match !== 'prefix' && match !== 'wildcard') {
    throw new UsageError(`--match: expected exact, prefix or wildcard, got "${match}"`);
  }
  return {
    command: cmd,
    uri,
    words,
    url: values.url ?? env['WAMP_URL'] ?? DEFAULT_URL,
    realm: values.realm ?? env['WAMP_REALM'] ?? DEFAULT_REALM,
    serializer,
    authid: values.authid,
    auth: authMethods(values),
    timeoutMs: positiveInt('--timeout', values.timeout, true) ?? DEFAULT_TIMEOUT_MS,
    ca: values.ca === undefined ? undefined : readCa(values.ca),
    kwargsJson: values.kwargs,
    count: positiveInt('--count', values.count, false),
    exec: values.exec,
    match,
  };
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`--ca: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** A WAMP error as one stderr line: the URI, then its arguments and keyword arguments as JSON. */
function wampErrorLine(uri: string, args: readonly unknown[], kwargs: Dict, message?: string): string {
  const parts = [`wamp: ${uri}`];
  if (args.length > 0) parts.push(toJson(args));
  if (Object.keys(kwargs).length > 0) parts.push(toJson(kwargs));
  if (args.length === 0 && Object.keys(kwargs).length === 0 && message !== undefined && message !== uri) parts.push(`(${message})`);
  return parts.join(' ') + '\n';
}

function reportError(io: CliIo, e: unknown): number {
  if (e instanceof SessionClosedError) {
    io.stderr.write(wampErrorLine(e.uri, e.args, e.kwargs, e.message));
    return ExitCode.WAMP_ERROR;
  }
  if (e instanceof WampError) {
    io.stderr.write(wampErrorLine(e.uri, e.args, e.kwargs));
    return ExitCode.WAMP_ERROR;
  }
  throw e;
}

/** Reject with `wamp.error.timeout` after `ms` (never with 0). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms === 0) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new WampError('wamp.error.timeout', [`no answer to ${what} within ${ms} ms`])), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function processInterrupted(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** Run `wamp` with `argv` (without the node and script paths); resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let s: Settings;
  try {
    const r = parseCommandLine(argv, io.env);
    if ('text' in r) {
      io.stdout.write(r.text);
      return ExitCode.OK;
    }
    s = r;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`wamp: ${e.message}\nRun wamp --help for the usage.\n`);
    return ExitCode.USAGE;
  }
  let factory;
  try {
    factory = nodeTransportFor({
      url: s.url,
      realm: s.realm,
      ...(s.serializer !== undefined ? { serializers: [s.serializer as 'json'] } : {}),
      ...(s.timeoutMs > 0 ? { connectTimeoutMs: s.timeoutMs } : {}),
      ...(s.ca !== undefined ? { wsOptions: { ca: s.ca }, tlsOptions: { ca: s.ca } } : {}),
    });
  } catch (e) {
    io.stderr.write(`wamp: --url: ${(e as Error).message}\nRun wamp --help for the usage.\n`);
    return ExitCode.USAGE;
  }
  let transport: Transport;
  try {
    transport = await factory();
  } catch (e) {
    io.stderr.write(`wamp: cannot connect to ${s.url}: ${e instanceof Error ? e.message : String(e)}\n`);
    return ExitCode.CANNOT_CONNECT;
  }
  let session: Session;
  try {
    session = await Session.join(transport, {
      realm: s.realm,
      ...(s.authid !== undefined ? { authid: s.authid } : {}),
      ...(s.auth.length > 0 ? { auth: s.auth } : {}),
      joinTimeout: s.timeoutMs > 0 ? s.timeoutMs : 2 ** 31 - 1,
      goodbyeTimeout: 2_000,
    });
  } catch (e) {
    transport.close();
    return reportError(io, e);
  }
  try {
    return await run(session, s, io);
  } catch (e) {
    return reportError(io, e);
  } finally {
    if (session.isOpen) await session.leave().catch(() => undefined);
    transport.close();
  }
}

async function run(session: Session, s: Settings, io: CliIo): Promise<number> {
  switch (s.command) {
    case 'call': {
      const { args, kwargs } = parsePayload(s.words, s.kwargsJson);
      const r = await session.call(s.uri, args, kwargs, s.timeoutMs > 0 ? { timeout: s.timeoutMs } : {});
      const text = resultText(r.args, r.kwargs);
      if (text !== undefined) io.stdout.write(text + '\n');
      return ExitCode.OK;
    }
    case 'publish': {
      const { args, kwargs } = parsePayload(s.words, s.kwargsJson);
      await withTimeout(session.publish(s.uri, args, kwargs, { acknowledge: true }), s.timeoutMs, 'PUBLISH');
      return ExitCode.OK;
    }
    case 'subscribe':
      return serve(session, s, io, async (done) => {
        let n = 0;
        const sub = await session.subscribe(
          s.uri,
          (args, kwargs, details) => {
            const line: Record<string, unknown> = { topic: details.topic, publication: details.publication, args, kwargs };
            if (details.publisher !== undefined) line['publisher'] = details.publisher;
            io.stdout.write(toJson(line) + '\n');
            if (s.count !== undefined && ++n >= s.count) done();
          },
          s.match !== undefined ? { match: s.match } : {},
        );
        io.stderr.write(`wamp: subscribed to ${s.uri} (subscription ${sub.id}); ${s.count !== undefined ? `waiting for ${s.count} event(s)` : 'Ctrl-C to stop'}\n`);
      });
    case 'register':
      return serve(session, s, io, async (done) => {
        let n = 0;
        const reg = await session.register(
          s.uri,
          async (args, kwargs, details) => {
            io.stdout.write(toJson({ procedure: details.procedure, args, kwargs }) + '\n');
            try {
              return s.exec === undefined ? new Result(args, kwargs) : await execute(s.exec, args, kwargs, details.procedure);
            } finally {
              if (s.count !== undefined && ++n >= s.count) setImmediate(done);
            }
          },
          s.match !== undefined ? { match: s.match } : {},
        );
        io.stderr.write(`wamp: registered ${s.uri} (registration ${reg.id}); ${s.count !== undefined ? `answering ${s.count} call(s)` : 'Ctrl-C to stop'}\n`);
      });
    case 'meta':
      io.stdout.write(toJson(await meta(session, s), 2) + '\n');
      return ExitCode.OK;
  }
}

/**
 * Run a long-lived command: `start` subscribes or registers and calls `done`
 * when the work is over (`--count`). Ends at `done`, at an interrupt, or
 * when the router closes the session (exit 1 with its reason).
 */
async function serve(session: Session, s: Settings, io: CliIo, start: (done: () => void) => Promise<void>): Promise<number> {
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  await withTimeout(start(finish), s.timeoutMs, s.command === 'subscribe' ? 'SUBSCRIBE' : 'REGISTER');
  const stop = await Promise.race([
    finished.then(() => 'done' as const),
    (io.interrupted ?? processInterrupted()).then(() => 'interrupted' as const),
    session.closed.then((info) => info),
  ]);
  if (stop === 'done' || stop === 'interrupted') return ExitCode.OK;
  io.stderr.write(`wamp: the session was closed: ${stop.reason}\n`);
  return ExitCode.WAMP_ERROR;
}

/** `--exec`: the call's payload on the command's stdin, its stdout the result. */
function execute(command: string, args: readonly unknown[], kwargs: Dict, procedure: string): Promise<Result | unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, WAMP_PROCEDURE: procedure } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    // A command that does not read its stdin must not fail the call.
    child.stdin.on('error', () => undefined);
    child.stdin.end(toJson({ args, kwargs }) + '\n');
    child.once('error', (e) => reject(new WampError('wamp.error.runtime_error', [`cannot run the command: ${e.message}`])));
    child.once('close', (code, signal) => {
      if (code !== 0) {
        const tail = err.length > 2_000 ? err.slice(-2_000) : err;
        reject(
          new WampError('wamp.error.runtime_error', [signal !== null ? `the command was killed by ${signal}` : `the command exited with code ${code}`], {
            exitCode: code,
            stderr: tail,
          }),
        );
        return;
      }
      const text = out.trim();
      if (text === '') return resolve(new Result());
      try {
        resolve(new Result([JSON.parse(text) as unknown]));
      } catch {
        resolve(new Result([text]));
      }
    });
  });
}

async function meta(session: Session, s: Settings): Promise<unknown[]> {
  const opts = s.timeoutMs > 0 ? { timeout: s.timeoutMs } : {};
  const first = async (proc: string, args: unknown[] = []): Promise<unknown> => (await session.call(proc, args, {}, opts)).args[0];
  if (s.uri === 'sessions') {
    const ids = ((await first('wamp.session.list')) ?? []) as number[];
    const out: unknown[] = [];
    for (const id of ids) {
      // A session may leave between the list and the get.
      const d = await first('wamp.session.get', [id]).catch((e: unknown) => {
        if (e instanceof WampError && e.uri === 'wamp.error.no_such_session') return undefined;
        throw e;
      });
      if (d !== undefined) out.push(d);
    }
    return out;
  }
  const kind = s.uri === 'registrations' ? 'registration' : 'subscription';
  const members = kind === 'registration' ? 'callees' : 'subscribers';
  const lists = ((await first(`wamp.${kind}.list`)) ?? {}) as Record<string, number[]>;
  const out: unknown[] = [];
  for (const id of [...(lists['exact'] ?? []), ...(lists['prefix'] ?? []), ...(lists['wildcard'] ?? [])]) {
    try {
      const d = (await first(`wamp.${kind}.get`, [id])) as Dict;
      const who = await first(`wamp.${kind}.list_${members}`, [id]);
      out.push({ ...d, [members]: who });
    } catch (e) {
      if (e instanceof WampError && e.uri === `wamp.error.no_such_${kind}`) continue;
      throw e;
    }
  }
  return out;
}
