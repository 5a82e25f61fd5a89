/**
 * The `wamp-fuzz` command line, as a function (the `cli.ts` bin only calls it):
 *
 *     wamp-fuzz <url> --realm R [--runs N] [--seed S] [--serializer json|msgpack|cbor]
 *
 * Exit status: 0 when no invariant was violated and the router stayed up,
 * 1 on a violation, 2 on a usage error.
 */

import { readFileSync } from 'node:fs';
import { parseArgs as parseNodeArgs } from 'node:util';
import { ALL_COMMAND_KINDS, type CommandKind } from './commands.js';
import { driverForUrl, formatReport, fuzz, serializerNamed, type FuzzOptions } from './report.js';
import { ALL_CASE_KINDS, type CaseKind } from './suite.js';

/** The usage text of `wamp-fuzz`. */
export const USAGE = `usage: wamp-fuzz <url> --realm R [options]

Runs the model-based suite and the malformed-input suite against a live WAMP
router and prints a report. <url> is ws://host:port/path, wss://..., or
rawsocket://host:port (also tcp://).

options:
  --realm R              realm to join (required)
  --runs N               runs of each suite (default 100)
  --malformed-runs N     runs of the malformed-input suite (default: --runs)
  --seed S               seed; a finding prints the seed and path that replay it
  --replay SUITE:PATH    replay one counterexample (SUITE is model or malformed), with --seed
  --serializer NAME      json (default), msgpack or cbor
  --max-commands N       most commands per model run (default 32)
  --skip K1,K2           kinds not to generate, to look past a known finding;
                         model suite: ${ALL_COMMAND_KINDS.join(', ')};
                         malformed suite: ${ALL_CASE_KINDS.join(', ')}
  --timeout MS           how long a reply may take (default 2000)
  --time-limit S         stop starting new runs after S seconds
  --oversize BYTES       size of the oversized payload (default 1048576; 0: none)
  --verbose              print every frame sent and received
  --json                 print the report as JSON
  --version              print the version
  --help                 this text

exit status: 0 no violation, 1 violation (or the router went down), 2 usage error`;

/** Where {@link main} writes: standard output and standard error, injectable for tests. */
export interface CliIo {
  /** Write a line to standard output. */
  readonly out: (s: string) => void;
  /** Write a line to standard error. */
  readonly err: (s: string) => void;
}

interface Parsed {
  url: string;
  realm: string;
  serializer: string;
  runs?: number;
  malformedRuns?: number;
  seed?: number;
  replay?: { suite: 'model' | 'malformed'; path: string };
  maxCommands?: number;
  skip?: (CommandKind | CaseKind)[];
  timeout?: number;
  timeLimit?: number;
  oversize?: number;
  verbose: boolean;
  json: boolean;
}

class UsageError extends Error {}

function int(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`${name} needs an integer ≥ ${min}`);
  return n;
}

const OPTIONS = {
  realm: { type: 'string' },
  runs: { type: 'string' },
  'malformed-runs': { type: 'string' },
  seed: { type: 'string' },
  replay: { type: 'string' },
  serializer: { type: 'string', default: 'json' },
  'max-commands': { type: 'string' },
  skip: { type: 'string' },
  timeout: { type: 'string' },
  'time-limit': { type: 'string' },
  oversize: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * `node:util` parseArgs takes `--seed -3` for two options; a negative number
 * right after an option that needs a value is that value (`--seed=-3`).
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const spec = (OPTIONS as Record<string, { type: string }>)[a.slice(2)];
    if (a.startsWith('--') && spec?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** node:util's parse errors in the words of the usage text. */
function usageError(e: unknown): UsageError {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  const option = /'(-[^' ]*)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${option}`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(`${option} needs a value`);
  return new UsageError(message);
}

/** Parse the command line of `wamp-fuzz`; throws a usage error on a bad option. */
export function parseArgs(argv: readonly string[]): Parsed | 'help' {
  let parsed;
  try {
    parsed = parseNodeArgs({ args: joinNegativeValues(argv), options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageError(e);
  }
  const { values: v, positionals } = parsed;
  if (v.help === true) return 'help';
  const p: Parsed = { url: '', realm: '', serializer: v.serializer, verbose: v.verbose, json: v.json };
  if (v.runs !== undefined) p.runs = int('--runs', v.runs, 1);
  if (v['malformed-runs'] !== undefined) p.malformedRuns = int('--malformed-runs', v['malformed-runs'], 0);
  if (v.seed !== undefined) p.seed = int('--seed', v.seed, -(2 ** 31));
  if (v.replay !== undefined) {
    const m = /^(model|malformed):([0-9:]+(?:@[A-Za-z0-9+/:]*)?)$/.exec(v.replay);
    if (m === null) throw new UsageError('--replay needs SUITE:PATH as a report prints it, e.g. model:3:1:0@AAB:V');
    p.replay = { suite: m[1] as 'model' | 'malformed', path: m[2]! };
  }
  if (v['max-commands'] !== undefined) p.maxCommands = int('--max-commands', v['max-commands'], 1);
  if (v.skip !== undefined) {
    const kinds = v.skip.split(',').filter((k) => k !== '');
    const known: readonly string[] = [...ALL_COMMAND_KINDS, ...ALL_CASE_KINDS];
    for (const k of kinds) if (!known.includes(k)) throw new UsageError(`unknown kind ${k} for --skip`);
    p.skip = kinds as (CommandKind | CaseKind)[];
  }
  if (v.timeout !== undefined) p.timeout = int('--timeout', v.timeout, 1);
  if (v['time-limit'] !== undefined) p.timeLimit = int('--time-limit', v['time-limit'], 1);
  if (v.oversize !== undefined) p.oversize = int('--oversize', v.oversize, 0);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
  if (positionals[0] === undefined) throw new UsageError('the router URL is missing');
  if (v.realm === undefined) throw new UsageError('--realm is required');
  if (p.replay !== undefined && p.seed === undefined) throw new UsageError('--replay needs the --seed of the finding');
  p.url = positionals[0];
  p.realm = v.realm;
  return p;
}

/** Run the CLI; resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  let p: Parsed | 'help';
  let opts: FuzzOptions;
  if (argv.includes('--version')) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    io.out(`wamp-fuzz ${pkg.version}`);
    return 0;
  }
  try {
    p = parseArgs(argv);
    if (p === 'help') {
      io.out(USAGE);
      return 0;
    }
    const serializer = serializerNamed(p.serializer);
    opts = {
      driver: driverForUrl(p.url, serializer, p.timeout === undefined ? {} : { connectTimeoutMs: p.timeout }),
      realm: p.realm,
      ...(p.runs === undefined ? {} : { runs: p.runs }),
      ...(p.malformedRuns === undefined ? {} : { malformedRuns: p.malformedRuns }),
      ...(p.seed === undefined ? {} : { seed: p.seed }),
      ...(p.replay === undefined ? {} : { replay: p.replay }),
      ...(p.maxCommands === undefined ? {} : { maxCommands: p.maxCommands }),
      ...(p.skip === undefined ? {} : { skip: p.skip }),
      ...(p.timeout === undefined ? {} : { replyTimeoutMs: p.timeout }),
      ...(p.timeLimit === undefined ? {} : { timeLimitMs: p.timeLimit * 1000 }),
      ...(p.oversize === undefined ? {} : { oversizeBytes: p.oversize }),
      ...(p.verbose ? { trace: (line: string) => io.err(line) } : {}),
    };
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError || e instanceof TypeError) {
      io.err(`wamp-fuzz: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const report = await fuzz(opts);
  if (p.json) io.out(JSON.stringify(report, null, 2));
  else {
    const gen = [
      p.skip === undefined ? '' : `--skip ${p.skip.join(',')}`,
      p.maxCommands === undefined ? '' : `--max-commands ${p.maxCommands}`,
      p.oversize === undefined ? '' : `--oversize ${p.oversize}`,
    ].filter((x) => x !== '');
    io.out(formatReport(report, { url: p.url, realm: p.realm, serializer: p.serializer, generationArgs: gen.join(' ') }));
  }
  return report.ok ? 0 : 1;
}
