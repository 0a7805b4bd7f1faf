// The per-request detection settings gloss() (middleware), the proxy's config and /v1/rewrite share:
// documented once (GlossRunOptions), validated by one zod schema with one set of limits
// (RunOptionsSchema), with one set of defaults (RUN_DEFAULTS).
import { z } from 'zod';
import type { ScanMode } from '../rewrite/messages.ts';

/** The `scan` values: which chat messages are scanned (user turns, the last user turn, system messages, or all). */
export const SCAN_MODES = ['user', 'last-user', 'system', 'all'] as const;
/** Largest `maxGlosses` anyone may ask for (README: 0 to 50). */
export const MAX_GLOSSES_LIMIT = 50;
/** Longest detection budget, in ms. */
export const MAX_BUDGET_MS = 60_000;
/** Most tokens a scan limit may allow per request. */
export const MAX_SCAN_TOKENS = 1_000_000;

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
}) satisfies z.ZodType<GlossRunOptions>;
