// A seeded percentile bootstrap of any statistic over rows: the CI that stands beside each figure of
// the locked protocol (rates, F1, AUC). Paired differences resample both sides on the same indices.
import { mulberry32 } from '../util/random.ts';

/** A figure with its 95% (by default) percentile bootstrap interval. */
export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

/**
 * `stat` over all n rows, and its percentile interval over `resamples` resamples of the row indices
 * with replacement (seeded, mulberry32). Resamples where the statistic is not finite (an AUC with one
 * class) are left out of the quantiles.
 */
export function bootstrapCi(
  n: number,
  stat: (idx: readonly number[]) => number,
  o: { resamples?: number; seed?: number; level?: number } = {},
): Interval {
  const all = Array.from({ length: n }, (_, i) => i);
  const value = stat(all);
  if (n === 0) return { value, lo: NaN, hi: NaN };
  const rand = mulberry32(o.seed ?? 19);
  const boots: number[] = [];
  const idx = new Array<number>(n);
  for (let b = 0; b < (o.resamples ?? 1000); b++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rand() * n);
    const s = stat(idx);
    if (Number.isFinite(s)) boots.push(s);
  }
  if (!boots.length) return { value, lo: NaN, hi: NaN };
  boots.sort((a, b) => a - b);
  const alpha = (1 - (o.level ?? 0.95)) / 2;
  const q = (p: number) => boots[Math.min(boots.length - 1, Math.max(0, Math.floor(p * boots.length)))];
  return { value, lo: q(alpha), hi: q(1 - alpha) };
}

/** The share of `hits` that are true, with its bootstrap interval. */
export function rateCi(hits: readonly boolean[], o: { seed?: number } = {}): Interval {
  return bootstrapCi(hits.length, (idx) => idx.filter((i) => hits[i]).length / Math.max(1, idx.length), o);
}

/** `value [lo, hi]` with `digits` decimals. */
export function formatInterval(x: Interval, digits = 3): string {
  return `${x.value.toFixed(digits)} [${x.lo.toFixed(digits)}, ${x.hi.toFixed(digits)}]`;
}
