import { pino, type Logger as Pino } from 'pino';

// Logs of the long-running commands (console, probe run). Two formats:
//  - json: pino, one JSON object per line on stdout (journald keeps them; jq reads them). The
//    systemd units use it.
//  - text: "spanmap <component>: message" lines on stderr, for a terminal (the default).
// Imported as '@spanmap/shared/log' so the one-shot commands never load pino.

export type LogFormat = 'text' | 'json';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** Writes anything still buffered (before exit). */
  flush(): void;
}

const RANK: Record<LogLevel, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10 };

export interface LoggerOptions {
  format: LogFormat;
  level?: LogLevel;
  /** Component, e.g. "console" or "probe"; in every JSON line and in the text prefix. */
  name: string;
  /** Fixed fields for every JSON line (e.g. the probe id). */
  base?: Record<string, unknown>;
  /** Text lines start with this (default "spanmap <name>: "). */
  textPrefix?: string;
  /** Where text lines go (default stderr) and JSON lines go (default stdout, fd 1). */
  textOut?: (line: string) => void;
  jsonFd?: number;
}

export function createLogger(o: LoggerOptions): Logger {
  const level = o.level ?? 'info';
  if (o.format === 'json') {
    // Synchronous writes: a crash or SIGKILL right after a line must not lose it; logging is
    // rate-limited on the hot paths, so this costs nothing measurable.
    const p: Pino = pino(
      {
        name: o.name,
        level,
        base: { pid: process.pid, ...o.base },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      pino.destination({ fd: o.jsonFd ?? 1, sync: true }),
    );
    const at = (l: 'error' | 'warn' | 'info' | 'debug') => (msg: string, fields?: Record<string, unknown>) => (fields ? p[l](fields, msg) : p[l](msg));
    return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), flush: () => p.flush() };
  }
  const out = o.textOut ?? ((line: string) => void process.stderr.write(line + '\n'));
  const min = RANK[level];
  const prefix = o.textPrefix ?? `spanmap ${o.name}: `;
  const at = (l: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (RANK[l] < min) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    out(`${prefix}${l === 'info' ? '' : `${l}: `}${msg}${extra}`);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), flush: () => {} };
}
