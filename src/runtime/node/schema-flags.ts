// Command-line flags derived from a zod object schema, so a command's options (types, defaults,
// limits, --help text) are written once. Flags are the keys in kebab-case (`budgetMs` is
// `--budget-ms <n>`):
//   boolean            --flag; --no-flag when it defaults to true
//   number             --flag <n> (a number, or a number piped on), checked by the field's schema as soon as it is parsed
//   string             --flag <value>
//   enum               --flag <value> with commander's choices (listed in --help)
//   string[]           --flag <value>, repeatable (each use adds one value)
// A value the field's schema rejects is commander's InvalidArgumentError with zod's message, which
// the CLI prints as one line: `gloss: option '--port <n>' argument '70000' is invalid. must be ...`.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';

/** A flag's --help text and the name of its value (`<n>`, `<dir>`), kept in the field's zod metadata. */
export interface FlagMeta {
  description: string;
  /** Placeholder in --help, e.g. 'dir' gives `--bundle <dir>`; default 'value'. */
  arg?: string;
}

/** Attaches --help text and a value name to a field: `flag(z.string().optional(), 'bundle folder', 'dir')`. */
export function flag<T extends z.ZodType>(schema: T, description: string, arg?: string): T {
  return schema.meta({ description, ...(arg ? { arg } : {}) }) as T;
}

/** The flag spelling of an option key: budgetMs -> --budget-ms. */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** A field with its optional and default wrappers taken off. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; meta: Partial<FlagMeta>; dflt: unknown } {
  let cur = schema;
  const meta: Partial<FlagMeta> = {};
  let dflt: unknown;
  for (;;) {
    const m = (cur.meta() ?? {}) as Partial<FlagMeta>;
    meta.description ??= m.description;
    meta.arg ??= m.arg;
    if (cur instanceof z.ZodDefault) {
      dflt = cur._zod.def.defaultValue;
      cur = cur.unwrap() as z.ZodType;
    } else if (cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
    else return { inner: cur, meta, dflt };
  }
}

/** Checks one parsed value against the field's schema; a rejection reads as zod's first message. */
function checked(inner: z.ZodType, value: unknown): unknown {
  const r = inner.safeParse(value);
  if (!r.success) throw new InvalidArgumentError(r.error.issues[0].message);
  return r.data;
}

/** One commander option for a schema field (see the file comment for the mapping). */
function optionFor(key: string, field: z.ZodType): Option {
  const { inner, meta, dflt } = unwrap(field);
  const name = flagName(key);
  const description = meta.description ?? '';
  const arg = `<${meta.arg ?? 'value'}>`;
  if (inner instanceof z.ZodBoolean)
    return dflt === true ? new Option(`--no-${name.slice(2)}`, description) : new Option(name, description);
  const opt = new Option(`${name} ${arg}`, description);
  const isNumber = inner instanceof z.ZodNumber || (inner instanceof z.ZodPipe && inner.in instanceof z.ZodNumber);
  if (isNumber) opt.argParser((v: string) => checked(inner, v.trim() === '' ? NaN : Number(v)));
  else if (inner instanceof z.ZodEnum) opt.choices(inner.options.map(String));
  else if (inner instanceof z.ZodArray)
    opt.argParser((v: string, acc: unknown[] = []) => [...acc, checked(inner.element as z.ZodType, v)]);
  else if (!(inner instanceof z.ZodString)) throw new Error(`schema-flags: no flag for the ${key} field's type`);
  if (dflt !== undefined) opt.default(dflt);
  return opt;
}

/** Adds one commander option per field of `schema` to `cmd`, in the schema's order. */
export function addSchemaFlags(cmd: Command, schema: z.ZodObject): Command {
  for (const [key, field] of Object.entries(schema.shape)) cmd.addOption(optionFor(key, field as z.ZodType));
  return cmd;
}

/**
 * Checks commander's parsed options against `schema` (defaults filled in).
 * @throws Error `--budget-ms: <zod's message>`, naming the flag of the first offending field.
 */
export function parseSchemaFlags<S extends z.ZodObject>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = String(issue.path[0] ?? '');
  throw new Error(`${key ? flagName(key) : 'options'}: ${issue.message}`);
}
