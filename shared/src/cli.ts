import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SpanmapError } from './errors.js';

/** A command-line mistake: printed as one line followed by a hint to use --help; exit code 2. */
export class UsageError extends SpanmapError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export type ParsedValues<O extends Options> = {
  [K in keyof O]?: O[K] extends { multiple: true }
    ? O[K]['type'] extends 'boolean'
      ? boolean[]
      : string[]
    : O[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

/** node:util parseArgs with strict checking and messages a user can act on. */
export function parseCommandLine<O extends Options>(argv: string[], options: O, allowPositionals = true): { values: ParsedValues<O>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: r.values as ParsedValues<O>, positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message
      .replace(/^Unknown option '(.*?)'.*$/s, 'unknown option $1')
      .replace(/^Option '(.*?)' argument missing$/s, 'option $1 needs a value')
      .replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(msg);
  }
}

/** A number option: `name` for messages, bounds inclusive. */
export function numberOption(value: string | undefined, name: string, fallback: number, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const { min = -Infinity, max = Infinity, integer = false } = opts;
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const what = integer ? 'a whole number' : 'a number';
    const range = Number.isFinite(min) && Number.isFinite(max) ? ` from ${min} to ${max}` : Number.isFinite(min) ? ` of at least ${min}` : '';
    throw new UsageError(`${name}: expected ${what}${range}, got "${value}"`);
  }
  return n;
}

export function choiceOption<T extends string>(value: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${name}: expected one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}
