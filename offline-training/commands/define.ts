// One zod schema per command: the options' types, defaults, checks and help text live there once,
// and the commander flags are derived from it (the way sparsify builds its CLI from a config
// dataclass). Flags are the keys in kebab-case: `heldOut` is `--held-out <fraction>`.
//   boolean           --flag (no value); --no-flag when it defaults to true
//   number            --flag <n>, checked by the field's schema as soon as it is parsed
//   string            --flag <value>
//   enum              --flag <value> with commander's choices (listed in --help)
//   string[]          --flag <value...> (several values)
//   number[]          --flag <ids> (comma-separated)
// Defaults show in --help. Required options are checked after commander has rejected unknown
// ones, so a misspelt `--dat` is reported as unknown rather than as a missing `--data`.
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { UsageError } from '../util/errors.ts';
import type { FlagMeta } from '../util/option-schema.ts';

type Kind = 'boolean' | 'number' | 'string' | 'enum' | 'strings' | 'numbers';

interface Field {
  kind: Kind;
  inner: z.ZodType;
  meta: FlagMeta;
  default?: unknown;
  required: boolean;
  choices?: string[];
}

/** The flag spelling of an option key: heldOut -> --held-out. */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function describeField(schema: z.ZodType): Field {
  let cur: z.ZodType = schema;
  const meta: FlagMeta = {};
  let dflt: unknown;
  let optional = false;
  for (;;) {
    const m = (cur.meta() ?? {}) as FlagMeta;
    meta.arg ??= m.arg;
    meta.description ??= m.description;
    meta.defaultText ??= m.defaultText;
    if (cur instanceof z.ZodDefault) {
      dflt = cur._zod.def.defaultValue;
      cur = cur.unwrap() as z.ZodType;
    } else if (cur instanceof z.ZodOptional) {
      optional = true;
      cur = cur.unwrap() as z.ZodType;
    } else break;
  }
  const required = !optional && dflt === undefined;
  if (cur instanceof z.ZodBoolean) return { kind: 'boolean', inner: cur, meta, default: dflt, required: false };
  if (cur instanceof z.ZodNumber) return { kind: 'number', inner: cur, meta, default: dflt, required };
  if (cur instanceof z.ZodString) return { kind: 'string', inner: cur, meta, default: dflt, required };
  if (cur instanceof z.ZodEnum)
    return { kind: 'enum', inner: cur, meta, default: dflt, required, choices: cur.options.map(String) };
  if (cur instanceof z.ZodArray) {
    const kind = cur.element instanceof z.ZodNumber ? 'numbers' : 'strings';
    return { kind, inner: cur, meta, default: dflt, required };
  }
  throw new Error(`define.ts: no flag for a ${cur.constructor.name} field`);
}

/** The first problem zod found, phrased for the command line. */
function firstIssue(field: string, issue: z.core.$ZodIssue, value: unknown): string {
  return value === undefined ? `${field} is required` : `${field} ${issue.message}, got ${JSON.stringify(value)}`;
}

function valueParser(name: string, f: Field): ((v: string) => unknown) | undefined {
  const check = (value: unknown) => {
    const r = f.inner.safeParse(value);
    if (!r.success) throw new InvalidArgumentError(`${name} ${r.error.issues[0].message}`);
    return r.data;
  };
  // Not a number becomes NaN, which the field's schema rejects in its own words.
  const number = (v: string) => (v.trim() === '' ? NaN : Number(v));
  if (f.kind === 'number') return (v) => check(number(v));
  if (f.kind === 'numbers') return (v) => check(v.split(',').map(number));
  return undefined;
}

/** Adds one commander option per field of `schema` to `cmd`. */
export function addSchemaOptions(cmd: Command, schema: z.ZodObject): Command {
  for (const [key, fieldSchema] of Object.entries(schema.shape)) {
    const f = describeField(fieldSchema as z.ZodType);
    const name = flagName(key);
    const arg = f.meta.arg ?? 'value';
    // A boolean that defaults to true is turned off with --no-<name>.
    const negated = f.kind === 'boolean' && (f.default === true || f.meta.defaultText === 'true');
    const flags = negated
      ? `--no-${name.slice(2)}`
      : f.kind === 'boolean'
        ? name
        : f.kind === 'strings'
          ? `${name} <${arg}...>`
          : `${name} <${arg}>`;
    // commander prints a default only when there is a value; a rule worked out at run time is text.
    const defaultText = f.meta.defaultText && f.kind !== 'boolean' ? ` (default: ${f.meta.defaultText})` : '';
    const opt = new Option(flags, (f.meta.description ?? '') + (f.required ? ' (required)' : defaultText));
    const parse = valueParser(name, f);
    if (parse) opt.argParser(parse);
    if (f.choices) opt.choices(f.choices);
    if (f.kind === 'boolean') {
      // commander's own: false, or true for --no-<name>
    } else if (f.default !== undefined) opt.default(f.default);
    cmd.addOption(opt);
  }
  return cmd;
}

/**
 * Checks commander's parsed options against `schema`; throws UsageError naming the flag
 * (`--data is required`, `--width must be an integer >= 1, got 0`).
 */
export function parseSchemaOptions<S extends z.ZodObject>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = String(issue.path[0] ?? '');
  throw new UsageError(firstIssue(key ? flagName(key) : 'options', issue, key ? raw[key] : raw));
}

/**
 * A trainer command whose options are `schema` (its `.describe()` text is the command's): flags
 * and --help from the schema, and `run` called with the checked, typed options. The line `run`
 * returns is printed as `<program>: <line>`, the one success line the README promises.
 */
export function defineCommand<S extends z.ZodObject>(
  name: string,
  schema: S,
  run: (options: z.output<S>) => Promise<string | undefined>,
): Command {
  const cmd = new Command(name).description(schema.description ?? '');
  addSchemaOptions(cmd, schema);
  return cmd.action(async function (this: Command) {
    const line = await run(parseSchemaOptions(schema, this.opts()));
    if (line !== undefined) console.log(`${this.parent?.name() ?? name}: ${line}`);
  });
}
