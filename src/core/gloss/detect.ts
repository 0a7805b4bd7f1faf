// Where detection runs. The glossing pass (pass.ts) hands a DetectService the texts of one request,
// newest first, with a token budget (the scan limit); the service answers per text the rules that
// fired, or null for a text it did not scan because the budget ran out. On Node the service is a
// pool of worker threads (src/runtime/node/detect-pool.ts), so a long detection never holds the
// event loop; the in-thread service here is what workerd (one thread) and embedders use.
import type { GlossEngine } from '../engine/engine.ts';
import type { LazyEngine } from '../engine/lazy-engine.ts';
import type { FiredRule } from '../rules/match.ts';

/** One request's detection work: its texts and limits, sent to wherever detection runs (serializable for worker threads). */
export interface DetectJob {
  /** Texts to detect on, newest first (the order the scan limit spends its tokens in). */
  texts: string[];
  /** Most tokens read in all, over all texts (the scan limit). */
  maxTokens: number;
  /** Most glosses per text (default: the rules' cap). */
  maxGlosses?: number;
  /** The misreading families to gloss (MatchOptions.families; absent: the bundle's on families). */
  families?: readonly string[];
}

/** Per text of the job: the rules that fired, or null when the scan limit left it unscanned. */
export type DetectAnswer = {
  fired: FiredRule[];
  tokens: number;
  /** Wall time for this text, and its parts (as Analysis.ms), in ms. */
  ms: number;
  timing: { tokenize: number; detect: number; match: number };
} | null;

/** Where detection runs: on the calling thread ({@link inThreadDetect}) or in Node's worker pool. */
export interface DetectService {
  /**
   * Detects on the job's texts. `signal` aborts a job that has not started (a queued job is
   * dropped) or stops between texts; a text already inside the detector runs to its end
   * wherever detection runs, so on one thread the budget is only checked between texts.
   * Rejects with the detector's error, or with the signal's reason when aborted.
   */
  detect(job: DetectJob, signal?: AbortSignal): Promise<DetectAnswer[]>;
  /** Short name for /healthz and logs, e.g. `worker-pool(4)` or `in-thread`. */
  readonly kind: string;
}

/** No tokenizer here yields more than this many characters per token: longer texts are not even tokenized. */
export const MAX_CHARS_PER_TOKEN = 32;
const MAX_TOKENS_PER_CHAR = 4;
const MAX_SPECIAL_TOKENS = 4;

/**
 * The scan loop shared by every DetectService: newest text first, each tokenized and, when it fits
 * in what is left of `maxTokens`, run through the detector. A text that does not fit is skipped
 * (null) and the loop goes on to older, perhaps shorter, texts.
 */
export async function scanTexts(engine: GlossEngine, job: DetectJob, signal?: AbortSignal): Promise<DetectAnswer[]> {
  let left = job.maxTokens;
  const out: DetectAnswer[] = [];
  for (const text of job.texts) {
    signal?.throwIfAborted();
    if (left <= 0 || text.length > left * MAX_CHARS_PER_TOKEN) {
      out.push(null);
      continue;
    }
    const t0 = performance.now();
    // A UTF-16 code unit is at most 3 UTF-8 bytes, so even a byte-level tokenizer makes at most
    // 4 tokens of one (plus a few specials): short texts need no counting pass of their own.
    if (text.length * MAX_TOKENS_PER_CHAR + MAX_SPECIAL_TOKENS > left) {
      const n = engine.tokenizer.encode(text).ids.length;
      if (n > left) {
        out.push(null);
        continue;
      }
    }
    const a = await engine.analyze(text, { maxGlosses: job.maxGlosses, families: job.families });
    left -= a.tokens.length;
    out.push({ fired: a.fired, tokens: a.tokens.length, ms: performance.now() - t0, timing: { ...a.ms } });
  }
  return out;
}

/** Detection on the calling thread (workerd, tests, embedders without worker threads). */
export function inThreadDetect(engines: LazyEngine): DetectService {
  return {
    kind: 'in-thread',
    async detect(job, signal) {
      const engine = await engines.get();
      return scanTexts(engine, job, signal);
    },
  };
}
