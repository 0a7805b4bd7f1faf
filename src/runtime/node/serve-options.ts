// `gloss serve`'s options as one zod schema: its flags, --help text, defaults and limits are
// derived from it (schema-flags.ts), and the proxy's run options take their limits from the one
// run-options schema (src/core/engine/run-options.ts).
import { z } from 'zod';
import { RunOptionsSchema } from '../../core/engine/run-options.ts';
import { flag } from './schema-flags.ts';

/** Port `gloss serve` listens on without --port. */
export const DEFAULT_PORT = 8787;

/** An integer in [min, max]; anything else reads `must be an integer from min to max`. */
function intRange(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A positive integer (`must be a positive integer`), then the run option's own limits. */
function positiveInt(field: z.ZodOptional<z.ZodNumber>) {
  const error = 'must be a positive integer';
  return z.number({ error }).int({ error }).min(1, { error }).pipe(field.unwrap()).optional();
}

/** `gloss serve`'s options (flags in kebab-case: `budgetMs` is `--budget-ms`). */
export const ServeOptionsSchema = z.object({
  bundle: flag(z.string().optional(), 'bundle folder (default: the embedded default bundle)', 'dir'),
  port: flag(intRange(0, 65535).default(DEFAULT_PORT), 'port (0 picks a free one)', 'n'),
  host: flag(z.string().default('127.0.0.1'), 'address to listen on', 'host'),
  quiet: flag(z.boolean().default(false), 'no request log'),
  config: flag(z.string().optional(), 'proxy configuration, JSON (default: $GLOSS_CONFIG)', 'file'),
  upstream: flag(
    z.array(z.string()).optional(),
    'an upstream for the proxy, e.g. openai=https://api.openai.com/v1 (repeatable)',
    'name=url',
  ),
  scan: flag(RunOptionsSchema.shape.scan, 'texts the proxy scans', 'mode'),
  dryRun: flag(z.boolean().optional(), 'detect and report in x-gloss-* headers, but forward the original body'),
  failClosed: flag(
    z.boolean().optional(),
    'answer 503 when the detector fails or runs over its budget (default: forward the original)',
  ),
  budgetMs: flag(positiveInt(RunOptionsSchema.shape.budgetMs), 'detection time budget per request (default 50)', 'n'),
  scanTokens: flag(
    positiveInt(RunOptionsSchema.shape.scanTokens),
    'most tokens detected per request, newest turns first (default 2048)',
    'n',
  ),
  corsOrigin: flag(
    z.array(z.string()).optional(),
    'answer CORS (preflights included) for this browser origin (repeatable; or $GLOSS_CORS_ORIGINS)',
    'origin',
  ),
  allowOpenProxy: flag(
    z.boolean().optional(),
    'serve an injected upstream key without GLOSS_BEARER_TOKEN (anyone may spend it)',
  ),
  detectThreads: flag(
    intRange(0, 256).optional(),
    'detection worker threads (default: one per core; 0: on the request thread)',
    'n',
  ),
  proxy: flag(z.boolean().default(true), 'serve without the proxy routes'),
});

/** `gloss serve`'s parsed options (`proxy: false` is --no-proxy: no proxy routes). */
export type ServeFlags = z.output<typeof ServeOptionsSchema>;
