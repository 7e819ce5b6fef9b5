import { Redactor } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /** The process's one redactor: what this logger scrubs, for errors and text that leave by other ways. */
  readonly redactor: Redactor;
}

export type LogSink = (line: string) => void;

/**
 * One JSON object per line on stderr: `{"ts","level","msg",...fields}`. Every line is
 * redacted as a whole, so a secret cannot slip through a field name or a nested value.
 */
export function createLogger(
  level: LogLevel,
  sink: LogSink = (line) => process.stderr.write(line + '\n'),
  base: LogFields = {},
  redactor: Redactor = new Redactor(),
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const write = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    const entry = { ts: new Date().toISOString(), level: lvl, msg, ...base, ...fields };
    sink(redactor.redact(JSON.stringify(entry, (_k, v: unknown) => (v instanceof Error ? v.message : v))));
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger(level, sink, { ...base, ...fields }, redactor),
    redactor,
  };
}

/** A logger that drops everything (tests and benchmarks), with a redactor of its own. */
export const silentLogger = (): Logger => createLogger('error', () => undefined);
