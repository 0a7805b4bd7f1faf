// Paired statistics for A/B comparisons on the same tasks (original vs glossed prompt):
// McNemar's test (exact binomial and chi-square with continuity correction) on the discordant
// pairs, and a seeded paired bootstrap interval of the accuracy difference.
import { chiSquare1Sf } from './stats.ts';
import { mulberry32 } from '../util/random.ts';

export { mulberry32 };

/** P(X <= k) for X ~ Binomial(n, p): the pmf by its ratio recurrence in log space, summed stably. */
export function binomialCdf(k: number, n: number, p = 0.5): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const lp = Math.log(p),
    lq = Math.log1p(-p);
  const terms: number[] = [];
  let t = n * lq; // log pmf(0)
  for (let i = 0; i <= k; i++) {
    terms.push(t);
    t += Math.log((n - i) / (i + 1)) + lp - lq;
  }
  const m = Math.max(...terms);
  return Math.min(1, Math.exp(m) * terms.reduce((s, x) => s + Math.exp(x - m), 0));
}

/** McNemar's test on the discordant pairs of a paired comparison. */
export interface McNemar {
  /** Discordant pairs: b = original right and rewritten wrong, c = the reverse. */
  b: number;
  c: number;
  /** Exact two-sided p: 2 * P(X <= min(b, c)), X ~ Binomial(b + c, 1/2), capped at 1. */
  exactP: number;
  /** Chi-square with continuity correction, (|b - c| - 1)^2 / (b + c), and its p (1 df). */
  chi2: number;
  chi2P: number;
}

/**
 * McNemar's test on paired binary outcomes (McNemar 1947) from the discordant counts `b` and `c`: the exact
 * binomial p and the continuity-corrected chi-square. Throws RangeError for a negative or non-integer count.
 */
export function mcnemar(b: number, c: number): McNemar {
  for (const [k, v] of [
    ['b', b],
    ['c', c],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`McNemar: ${k} must be a non-negative integer, got ${v}`);
  }
  const n = b + c;
  if (n === 0) return { b, c, exactP: 1, chi2: 0, chi2P: 1 };
  const k = Math.min(b, c);
  // With k >= (n - 1) / 2 the lower tail already holds half the mass or more: p is exactly 1.
  const exactP = 2 * k + 1 >= n ? 1 : Math.min(1, 2 * binomialCdf(k, n, 0.5));
  const chi2 = Math.max(0, Math.abs(b - c) - 1) ** 2 / n;
  return { b, c, exactP, chi2, chi2P: Math.min(1, chiSquare1Sf(chi2)) };
}

/** A percentile bootstrap interval: the point estimate and its [lo, hi] at the stated level. */
export interface BootstrapInterval {
  /** Observed difference mean(rewritten) - mean(original). */
  diff: number;
  lo: number;
  hi: number;
  resamples: number;
  level: number;
}

/**
 * Paired percentile bootstrap of mean(b) - mean(a): resample task indices with replacement,
 * keeping each task's pair together. Seeded; `level` 0.95 by default.
 */
export function pairedBootstrap(
  a: readonly (boolean | 0 | 1)[],
  b: readonly (boolean | 0 | 1)[],
  o: { resamples?: number; seed?: number; level?: number } = {},
): BootstrapInterval {
  if (a.length !== b.length) throw new RangeError(`paired bootstrap: ${a.length} originals vs ${b.length} rewrites`);
  const n = a.length;
  const resamples = o.resamples ?? 2000;
  const level = o.level ?? 0.95;
  if (n === 0) return { diff: NaN, lo: NaN, hi: NaN, resamples, level };
  // Per task: -1, 0 or +1 (rewritten minus original).
  const d = new Int8Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    d[i] = (b[i] ? 1 : 0) - (a[i] ? 1 : 0);
    sum += d[i];
  }
  const rand = mulberry32(o.seed ?? 0);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[Math.floor(rand() * n)];
    stats[r] = s / n;
  }
  stats.sort();
  const q = (p: number) => {
    // Type-7 quantile (linear interpolation), as R's default.
    const h = (resamples - 1) * p;
    const lo = Math.floor(h);
    return stats[lo] + (h - lo) * ((stats[Math.min(lo + 1, resamples - 1)] ?? stats[lo]) - stats[lo]);
  };
  const alpha = (1 - level) / 2;
  return { diff: sum / n, lo: q(alpha), hi: q(1 - alpha), resamples, level };
}

/**
 * Accuracy of original vs rewritten prompts on the same tasks, with McNemar's test and a bootstrap interval of
 * the difference.
 */
export interface PairedResult {
  n: number;
  /** Correct counts and accuracies with the original and the rewritten prompt. */
  correctOriginal: number;
  correctRewritten: number;
  accuracyOriginal: number;
  accuracyRewritten: number;
  /** accuracyRewritten - accuracyOriginal. */
  difference: number;
  /** Both right, both wrong, and the discordant pairs. */
  bothRight: number;
  bothWrong: number;
  /** Original right, rewritten wrong. */
  b: number;
  /** Original wrong, rewritten right. */
  c: number;
  mcnemar: McNemar;
  bootstrap: BootstrapInterval;
}

/** Everything about one paired comparison. */
export function pairedComparison(
  original: readonly boolean[],
  rewritten: readonly boolean[],
  o: { resamples?: number; seed?: number; level?: number } = {},
): PairedResult {
  if (original.length !== rewritten.length)
    throw new RangeError(`paired comparison: ${original.length} originals vs ${rewritten.length} rewrites`);
  const n = original.length;
  let bothRight = 0,
    bothWrong = 0,
    b = 0,
    c = 0;
  for (let i = 0; i < n; i++) {
    if (original[i] && rewritten[i]) bothRight++;
    else if (!original[i] && !rewritten[i]) bothWrong++;
    else if (original[i]) b++;
    else c++;
  }
  const correctOriginal = bothRight + b,
    correctRewritten = bothRight + c;
  return {
    n,
    correctOriginal,
    correctRewritten,
    accuracyOriginal: n ? correctOriginal / n : NaN,
    accuracyRewritten: n ? correctRewritten / n : NaN,
    difference: n ? (c - b) / n : NaN,
    bothRight,
    bothWrong,
    b,
    c,
    mcnemar: mcnemar(b, c),
    bootstrap: pairedBootstrap(original, rewritten, o),
  };
}
