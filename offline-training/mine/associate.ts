// Which SAE latents predict that the target LLM fails on a prompt. Pure: prompt-level feature
// summaries and failure labels in, ranked candidates out. Length is the obvious confounder (long
// problems are harder and light up more latents), so every latent is also tested within prompt-
// length strata (Mantel-Haenszel) and its gain over a length-only logistic model is reported.
import {
  auc,
  benjaminiHochberg,
  fisherExact,
  logOddsRatio,
  logisticFit,
  mantelHaenszel,
  type Table2x2,
} from '../learn/stats.ts';

/** A prompt's per-latent summary: max activation and firing count over its tokens. */
export interface PromptSummary {
  id: string;
  /** Tokens in the prompt. */
  length: number;
  /** Per latent: max activation over the prompt's tokens (0 when it never fires). */
  max: Float32Array;
  /** Per latent: number of tokens where it fires. */
  count: Uint16Array;
}

/** Support limits and the number of length strata for associate(). */
export interface AssociationOptions {
  /** A latent must fire in at least this many mining prompts (default 8). */
  minSupport?: number;
  /** ...and in at most this fraction of them (default 0.9): always-on latents say nothing. */
  maxFireFraction?: number;
  /** Length strata for Mantel-Haenszel (default 4 quantile bins). */
  lengthBins?: number;
}

/** One latent's association with failure on the mining split. */
export interface FeatureAssociation {
  feature: number;
  /** Mining prompts where the latent fires / of those, failures. */
  support: number;
  failuresWhenFiring: number;
  failRateFiring: number;
  failRateSilent: number;
  /** P(fail | fires) / P(fail). */
  lift: number;
  lor: number;
  lorLo: number;
  lorHi: number;
  p: number;
  q: number;
  /** Mantel-Haenszel odds ratio and p-value within length strata. */
  mhOr: number;
  mhP: number;
  mhQ: number;
  /** AUC of logistic(length, fires) minus AUC of logistic(length), on the mining split. */
  aucGainOverLength: number;
  /** AUC of the latent's prompt-level max activation alone. */
  auc: number;
}

/**
 * A function mapping a prompt length to one of `bins` quantile bins of `lengths` (the strata of the length-
 * controlled test).
 */
export function lengthBinsOf(lengths: readonly number[], bins: number): (len: number) => number {
  const sorted = [...lengths].sort((a, b) => a - b);
  const cuts = Array.from({ length: bins - 1 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / bins)]);
  return (len) => {
    let b = 0;
    while (b < cuts.length && len >= cuts[b]) b++;
    return b;
  };
}

/**
 * Per-latent association of firing with failure on the mining prompts: the 2x2 table, lift, Fisher's exact p and
 * the log-odds ratio with its interval, the Mantel-Haenszel odds ratio and p within length strata, q-values by
 * Benjamini-Hochberg, and the AUC gain over a length-only logistic model. Latents outside the support limits are
 * skipped. Throws when `prompts` and `failed` differ in length.
 */
export function associate(
  prompts: readonly PromptSummary[],
  failed: readonly boolean[],
  opts: AssociationOptions = {},
): FeatureAssociation[] {
  if (prompts.length !== failed.length)
    throw new Error(`associate: ${prompts.length} prompts but ${failed.length} labels`);
  if (prompts.length === 0) throw new Error('associate: no prompts');
  const m = prompts[0].max.length;
  const n = prompts.length;
  const minSupport = opts.minSupport ?? 8;
  const maxFrac = opts.maxFireFraction ?? 0.9;
  const binOf = lengthBinsOf(
    prompts.map((p) => p.length),
    opts.lengthBins ?? 4,
  );
  const bins = prompts.map((p) => binOf(p.length));
  const nBins = Math.max(...bins) + 1;
  const totalFail = failed.filter(Boolean).length;
  const logLen = prompts.map((p) => Math.log(1 + p.length));
  const lenModel = logisticFit(
    logLen.map((l) => [l]),
    failed,
  );
  const lenAuc = auc(
    logLen.map((l) => lenModel.predict([l])),
    failed,
  );

  const out: FeatureAssociation[] = [];
  for (let j = 0; j < m; j++) {
    const { a, b, strata } = latentTables(prompts, failed, bins, nBins, j);
    const support = a + b;
    if (support < minSupport || support > maxFrac * n) continue;
    out.push(featureAssociation(prompts, failed, j, a, support, totalFail, strata));
  }
  const q = benjaminiHochberg(out.map((f) => f.p));
  const mhQ = benjaminiHochberg(out.map((f) => f.mhP));
  out.forEach((f, i) => ((f.q = q[i]), (f.mhQ = mhQ[i])));
  addLengthAdjustedAucGain(out, prompts, failed, logLen, lenAuc);
  // Failure-predicting latents first, by length-controlled evidence.
  return out.sort((x, y) => Number(y.lor > 0) - Number(x.lor > 0) || x.mhQ - y.mhQ || x.mhP - y.mhP || y.lor - x.lor);
}

/** Latent j's firing counts: a (fires and failed), b (fires and passed), and the 2x2 table per length stratum. */
function latentTables(
  prompts: readonly PromptSummary[],
  failed: readonly boolean[],
  bins: readonly number[],
  nBins: number,
  j: number,
): { a: number; b: number; strata: Table2x2[] } {
  let a = 0,
    b = 0;
  const strata: Table2x2[] = Array.from({ length: nBins }, () => ({ a: 0, b: 0, c: 0, d: 0 }));
  for (let i = 0; i < prompts.length; i++) {
    const fires = prompts[i].max[j] > 0;
    const s = strata[bins[i]];
    if (fires && failed[i]) {
      a++;
      s.a++;
    } else if (fires) {
      b++;
      s.b++;
    } else failed[i] ? s.c++ : s.d++;
  }
  return { a, b, strata };
}

/** Latent j's statistics from its counts; q, mhQ and aucGainOverLength are left NaN for the later passes. */
function featureAssociation(
  prompts: readonly PromptSummary[],
  failed: readonly boolean[],
  j: number,
  a: number,
  support: number,
  totalFail: number,
  strata: Table2x2[],
): FeatureAssociation {
  const n = prompts.length;
  const baseRate = totalFail / n;
  const b = support - a;
  const table = { a, b, c: totalFail - a, d: n - totalFail - b };
  const lor = logOddsRatio(table);
  const mh = mantelHaenszel(strata);
  return {
    feature: j,
    support,
    failuresWhenFiring: a,
    failRateFiring: a / support,
    failRateSilent: (totalFail - a) / Math.max(1, n - support),
    lift: baseRate > 0 ? a / support / baseRate : NaN,
    lor: lor.lor,
    lorLo: lor.lo,
    lorHi: lor.hi,
    p: fisherExact(table),
    q: NaN,
    mhOr: mh.or,
    mhP: mh.p,
    mhQ: NaN,
    aucGainOverLength: NaN,
    auc: auc(
      prompts.map((p) => p.max[j]),
      failed,
    ),
  };
}

/** Sets aucGainOverLength; it costs a logistic fit per latent, so only for the promising ones (mhP <= 0.2). */
function addLengthAdjustedAucGain(
  out: FeatureAssociation[],
  prompts: readonly PromptSummary[],
  failed: readonly boolean[],
  logLen: readonly number[],
  lenAuc: number,
): void {
  for (const f of out) {
    if (f.mhP > 0.2) continue;
    const X = prompts.map((p, i) => [logLen[i], p.max[f.feature] > 0 ? 1 : 0]);
    const model = logisticFit(X, failed);
    f.aucGainOverLength =
      auc(
        X.map((x) => model.predict(x)),
        failed,
      ) - lenAuc;
  }
}
