// The per-request detection settings gloss() (middleware) and the proxy share, documented once.
import type { ScanMode } from '../rewrite/messages.ts';

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
  /** Most glosses per text (default: the rules' own cap, 3). */
  maxGlosses?: number;
}
