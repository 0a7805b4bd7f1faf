// The x-gloss-* response headers, built in one place for every entry point (the proxy, the
// gloss() middleware, /v1/rewrite and /v1/explain), with the one status type x-gloss-status takes.
import type { RewriteStatus } from '../rewrite/text.ts';

/**
 * `x-gloss-status`: what Gloss did with a request. `rewritten` / `unchanged`: the pass ran (and
 * inserted glosses, or not); `dry-run`: it would have inserted glosses, and the body went on as
 * sent; `skipped-timeout` / `skipped-error`: the pass ran over its budget or the detector failed;
 * `skipped-scan-limit`: the scan limit left every new text unscanned; `skipped-unspliceable`: the
 * glosses could not be spliced into the body's bytes, which went on as sent;
 * `skipped-too-large` / `skipped-encoded`: the body was not scanned (over the body limit, or
 * compressed); `disabled`: the caller sent `x-gloss: off`; `passthrough`: a proxied path Gloss
 * never scans.
 */
export type GlossStatus =
  | 'rewritten'
  | 'unchanged'
  | 'dry-run'
  | 'skipped-timeout'
  | 'skipped-error'
  | 'skipped-scan-limit'
  | 'skipped-unspliceable'
  | 'skipped-too-large'
  | 'skipped-encoded'
  | 'disabled'
  | 'passthrough';

/** What the x-gloss-* headers say; fields left undefined are not sent. */
export interface GlossHeaderFields {
  status: GlossStatus;
  /** Rule ids that fired (`x-gloss-rules`, comma-separated; empty when none). */
  rules?: readonly string[];
  /** Time Gloss added, in ms (`x-gloss-ms`, two decimals). */
  ms?: number;
  /** The upstream the proxy forwarded to (`x-gloss-upstream`). */
  upstream?: string;
  /** `x-gloss-dry-run: true` when set: detected and reported, the body passed on as sent. */
  dryRun?: boolean;
  /** The misreading families the request glossed (`x-gloss-families`, comma-separated). */
  families?: readonly string[];
}

/** The x-gloss-* headers for `f`: x-gloss-status always, the others as `f` gives them. */
export function glossHeaders(f: GlossHeaderFields): Record<string, string> {
  // A dry run changed nothing: what would have been rewritten says so.
  const status = f.dryRun && f.status === 'rewritten' ? 'dry-run' : f.status;
  const h: Record<string, string> = { 'x-gloss-status': status };
  if (f.rules !== undefined) h['x-gloss-rules'] = f.rules.join(',');
  if (f.ms !== undefined) h['x-gloss-ms'] = f.ms.toFixed(2);
  if (f.upstream !== undefined) h['x-gloss-upstream'] = f.upstream;
  if (f.dryRun) h['x-gloss-dry-run'] = 'true';
  if (f.families !== undefined) h['x-gloss-families'] = f.families.join(',');
  return h;
}

/** The header form of a rewrite's status: `already-annotated` reads as unchanged to clients. */
export function headerStatus(status: RewriteStatus): 'rewritten' | 'unchanged' {
  return status === 'rewritten' ? 'rewritten' : 'unchanged';
}
