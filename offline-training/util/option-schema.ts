// Building blocks of the trainer's option schemas (one zod schema per command; the CLI flags are
// derived from them in commands/define.ts): a field's --help text, and the numeric checks whose
// messages read well after a flag name (`--width must be an integer >= 1`).
import { z } from 'zod';

/** What a field's metadata may carry beyond zod's own: the value's name in --help. */
export interface FlagMeta {
  /** Placeholder in --help, e.g. 'dir' gives `--out <dir>`; default 'value'. */
  arg?: string;
  description?: string;
  /** What --help shows as the default when the value is worked out at run time (`8 x d_in`). */
  defaultText?: string;
}

/** Attaches the --help text and value name to a field: `flag(z.string(), 'dir', 'output folder')`. */
export function flag<T extends z.ZodType>(schema: T, arg: string, description: string, defaultText?: string): T {
  return schema.meta({ arg, description, ...(defaultText ? { defaultText } : {}) }) as T;
}

/** Any finite number (a value that is not one reads `--x must be a number`). */
export function number() {
  return z.number({ error: 'must be a number' });
}

/** A number > 0. */
export function positive() {
  const error = 'must be a positive number';
  return z.number({ error }).positive({ error });
}

/** An integer option with a lower bound; the message reads `--x must be an integer >= min`. */
export function int(min = 0) {
  const error = min === 0 ? 'must be a non-negative integer' : `must be an integer >= ${min}`;
  return z.number({ error }).int({ error }).min(min, { error });
}

/** A number option in [min, max) (or [min, max] with `inclusive`). */
export function range(min: number, max: number, inclusive = false) {
  const error = `must be in [${min}, ${max}${inclusive ? ']' : ')'}`;
  const n = z.number({ error }).min(min, { error });
  return inclusive ? n.max(max, { error }) : n.lt(max, { error });
}
