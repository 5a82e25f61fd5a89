/**
 * Structured logs: JSON lines by default (one object per line, for log
 * shippers), human-readable when stderr is a TTY or `format: 'pretty'`.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Where log lines go: one line per record, without the newline. */
export interface LogSink {
  /** Write one log line. */
  write(line: string): void;
}

/** Structured logging of the router: a message and fields, filtered by level. */
export interface Logger {
  readonly level: LogLevel;
  /** Log at level `debug`. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** Log at level `info`. */
  info(msg: string, fields?: Record<string, unknown>): void;
  /** Log at level `warn`. */
  warn(msg: string, fields?: Record<string, unknown>): void;
  /** Log at level `error`. */
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level?: LogLevel;
  format?: 'json' | 'pretty';
  sink?: LogSink;
  /** Clock for the `time` field; injected so tests can fix it. */
  now?: () => Date;
}

/** Whether `v` names a log level. */
export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && v in ORDER;
}

/** A logger writing JSON lines (or pretty lines on a terminal) to stderr or `sink`. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const sink = opts.sink ?? process.stderr;
  const format = opts.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const now = opts.now ?? (() => new Date());
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < ORDER[level]) return;
    const time = now().toISOString();
    if (format === 'json') {
      sink.write(JSON.stringify({ time, level: lvl, msg, ...fields }) + '\n');
      return;
    }
    const extra = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')
      : '';
    sink.write(`${time} ${lvl.toUpperCase().padEnd(5)} ${msg}${extra ? ' ' + extra : ''}\n`);
  };
  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
