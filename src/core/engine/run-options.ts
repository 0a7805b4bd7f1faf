// The per-request detection settings gloss() (middleware), the proxy's config and /v1/rewrite share:
// documented once (GlossRunOptions), validated by one zod schema with one set of limits
// (RunOptionsSchema), with one set of defaults (RUN_DEFAULTS).
import { z } from 'zod';
import type { ScanMode } from '../rewrite/messages.ts';
import { MISREADING_FAMILIES, type MisreadingFamily } from '../rules/schema.ts';

/** The `scan` values: which chat messages are scanned (user turns, the last user turn, system messages, or all). */
export const SCAN_MODES = ['user', 'last-user', 'system', 'all'] as const;
/** Largest `maxGlosses` anyone may ask for (README: 0 to 50). */
export const MAX_GLOSSES_LIMIT = 50;
/** Longest detection budget, in ms. */
export const MAX_BUDGET_MS = 60_000;
/** Most tokens a scan limit may allow per request. */
export const MAX_SCAN_TOKENS = 1_000_000;

/** The run option `families`: the misreading families to gloss, or `'all'` (every family the bundle has). */
export type FamiliesOption = readonly MisreadingFamily[] | 'all';

const knownFamily = new Set<string>(MISREADING_FAMILIES);

/** The 400 message for family names that are not misreading families: names the bad ones and every allowed one. */
export function unknownFamiliesMessage(bad: readonly string[]): string {
  return `unknown famil${bad.length === 1 ? 'y' : 'ies'} ${bad.map((b) => JSON.stringify(b.slice(0, 40))).join(', ')}; allowed: all, ${MISREADING_FAMILIES.join(', ')}`;
}

/** Zod schema of `families`: `'all'` or a list of misreading family names (an unknown name is an error naming the allowed ones). */
export const FamiliesSchema = z.union(
  [
    z.literal('all'),
    z
      .array(z.enum(MISREADING_FAMILIES, { error: (iss) => unknownFamiliesMessage([String(iss.input)]) }))
      .max(MISREADING_FAMILIES.length * 2),
  ],
  {
    // A union reports its own message: name the unknown families whichever way they came.
    error: (iss) => {
      const names = typeof iss.input === 'string' ? [iss.input] : Array.isArray(iss.input) ? iss.input : [];
      const bad = names.filter((n) => typeof n !== 'string' || !knownFamily.has(n)).map(String);
      return bad.length
        ? unknownFamiliesMessage(bad)
        : `must be "all" or a list of family names (${MISREADING_FAMILIES.join(', ')})`;
    },
  },
);

/**
 * Parses a comma-separated family list (the `x-gloss-families` header, GLOSS_FAMILIES): `all`, or
 * names separated by commas (spaces and case ignored). Empty or absent: undefined (the bundle's default).
 * @throws Error with {@link unknownFamiliesMessage} for a name that is not a misreading family.
 */
export function parseFamiliesList(value: string | null | undefined): FamiliesOption | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const names = value
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n.length > 0);
  if (names.length === 1 && names[0] === 'all') return 'all';
  const bad = names.filter((n) => !knownFamily.has(n));
  if (bad.length) throw new Error(unknownFamiliesMessage(bad));
  return [...new Set(names)] as MisreadingFamily[];
}

/** How a request is scanned and glossed; gloss() and the proxy's config both take these. */
export interface GlossRunOptions {
  /** Which messages to scan (default 'user'). */
  scan?: ScanMode;
  /** Run the detector and report in headers, but pass the original body on (default false). */
  dryRun?: boolean;
  /** On a detector error or timeout, forward the original body (true, default) or answer 503. */
  failOpen?: boolean;
  /** Time the detector may take per request, in ms (default 50). Engine creation is not counted. */
  budgetMs?: number;
  /** Most glosses per text (default: the rules' own cap, 2). */
  maxGlosses?: number;
  /** Most tokens the detector reads per request, newest turns first (default 2048). */
  scanTokens?: number;
  /**
   * The misreading families to gloss (README "Families"): a list such as `['rate', 'percent',
   * 'multiplicative']`, or `'all'`. Default: the bundle's on families (rules.json rules not `off`).
   * Families under the task gate still fire only where the gate is open.
   */
  families?: FamiliesOption;
}

/** Defaults of the run options that have one (ms, tokens); maxGlosses defaults to the rules' cap. */
export const RUN_DEFAULTS = {
  scan: 'user',
  dryRun: false,
  failOpen: true,
  budgetMs: 50,
  scanTokens: 2048,
} as const satisfies GlossRunOptions;

/** The run options' zod schema (strict), with their limits; the middleware, the proxy config and the request schemas pick from its fields. */
export const RunOptionsSchema = z.strictObject({
  scan: z.enum(SCAN_MODES).optional(),
  dryRun: z.boolean().optional(),
  failOpen: z.boolean().optional(),
  budgetMs: z.number().positive().max(MAX_BUDGET_MS).optional(),
  maxGlosses: z.number().int().min(0).max(MAX_GLOSSES_LIMIT).optional(),
  scanTokens: z.number().int().min(1).max(MAX_SCAN_TOKENS).optional(),
  families: FamiliesSchema.optional(),
}) satisfies z.ZodType<GlossRunOptions>;
