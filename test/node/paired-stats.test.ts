// Paired statistics against known answers: McNemar exact and chi-square, the binomial CDF against
// exact integer arithmetic, and the paired bootstrap's coverage on synthetic data with a known
// true difference.
import { describe, it, expect } from 'vitest';
import {
  mcnemar,
  binomialCdf,
  pairedBootstrap,
  pairedComparison,
  mulberry32,
} from '../../offline-training/learn/paired-stats.ts';

/** P(X <= k), X ~ Binomial(n, 1/2), in exact integer arithmetic. */
function exactHalfCdf(k: number, n: number): number {
  let c = 1n,
    sum = 0n;
  for (let i = 0; i <= k; i++) {
    sum += c;
    c = (c * BigInt(n - i)) / BigInt(i + 1);
  }
  // sum / 2^n with enough precision.
  const scale = 10n ** 30n;
  return Number((sum * scale) / (1n << BigInt(n))) / 1e30;
}

describe('McNemar', () => {
  it('exact test: b=10, c=2 gives p = 0.0386 (2 * 79 / 4096)', () => {
    const m = mcnemar(10, 2);
    expect(m.exactP).toBeCloseTo(0.0386, 4);
    expect(m.exactP).toBeCloseTo((2 * (1 + 12 + 66)) / 4096, 10);
    expect(mcnemar(2, 10).exactP).toBeCloseTo(m.exactP, 12); // symmetric
  });

  it('chi-square with continuity correction: b=10, c=2 gives 49/12 and p = 0.0433', () => {
    const m = mcnemar(10, 2);
    expect(m.chi2).toBeCloseTo(49 / 12, 12);
    expect(m.chi2P).toBeCloseTo(0.04331, 4);
  });

  it('edge cases: no discordant pairs, all one way, equal counts', () => {
    expect(mcnemar(0, 0)).toMatchObject({ exactP: 1, chi2: 0, chi2P: 1 });
    expect(mcnemar(0, 6).exactP).toBeCloseTo(2 / 64, 12);
    expect(mcnemar(0, 5).exactP).toBeCloseTo(2 / 32, 12); // 0.0625: five wins are not enough
    expect(mcnemar(7, 7).exactP).toBe(1);
    expect(mcnemar(1, 0).chi2).toBe(0);
    expect(() => mcnemar(-1, 2)).toThrow(/non-negative integer/);
  });

  it('exact and chi-square agree for large counts', () => {
    const m = mcnemar(100, 150);
    expect(m.exactP).toBeGreaterThan(0.001);
    expect(m.exactP).toBeLessThan(0.01);
    expect(Math.abs(m.exactP - m.chi2P) / m.exactP).toBeLessThan(0.1);
  });

  it('the binomial CDF matches exact integer arithmetic', () => {
    for (const [k, n] of [
      [2, 12],
      [0, 1],
      [5, 20],
      [40, 100],
      [90, 200],
      [3, 7],
    ]) {
      expect(binomialCdf(k, n), `k=${k} n=${n}`).toBeCloseTo(exactHalfCdf(k, n), 10);
    }
    expect(binomialCdf(-1, 5)).toBe(0);
    expect(binomialCdf(5, 5)).toBe(1);
  });
});

/** n paired outcomes from a population with cell probabilities (both right, b, c, both wrong). */
function synthetic(n: number, cells: [number, number, number, number], seed: number): [boolean[], boolean[]] {
  const r = mulberry32(seed);
  const a: boolean[] = [],
    b: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < cells[0]) {
      a.push(true);
      b.push(true);
    } else if (u < cells[0] + cells[1]) {
      a.push(true);
      b.push(false);
    } else if (u < cells[0] + cells[1] + cells[2]) {
      a.push(false);
      b.push(true);
    } else {
      a.push(false);
      b.push(false);
    }
  }
  return [a, b];
}

describe('paired bootstrap', () => {
  // True accuracies 0.50 (original) and 0.60 (rewritten): difference 0.10.
  const cells: [number, number, number, number] = [0.45, 0.05, 0.15, 0.35];

  it('is seeded, contains the observed difference, and covers the true one', () => {
    const [a, b] = synthetic(300, cells, 1);
    const x = pairedBootstrap(a, b, { seed: 7 });
    const y = pairedBootstrap(a, b, { seed: 7 });
    expect(x).toEqual(y);
    expect(x.resamples).toBe(2000);
    expect(x.lo).toBeLessThanOrEqual(x.diff);
    expect(x.hi).toBeGreaterThanOrEqual(x.diff);
    expect(x.lo).toBeLessThan(0.1);
    expect(x.hi).toBeGreaterThan(0.1);
    expect(x.lo).toBeGreaterThan(0); // a real 10-point gain on 300 tasks is resolved
    expect(pairedBootstrap(a, b, { seed: 8 })).not.toEqual(x);
  });

  it('has about 95% coverage over repeated synthetic data sets', () => {
    let covered = 0;
    const reps = 120;
    for (let s = 0; s < reps; s++) {
      const [a, b] = synthetic(200, cells, 1000 + s);
      const ci = pairedBootstrap(a, b, { seed: s, resamples: 1000 });
      if (ci.lo <= 0.1 && 0.1 <= ci.hi) covered++;
    }
    expect(covered / reps).toBeGreaterThan(0.88);
    expect(covered / reps).toBeLessThanOrEqual(1);
  });

  it('is degenerate when every pair agrees', () => {
    const a = [true, false, true, false];
    expect(pairedBootstrap(a, a, { seed: 1 })).toMatchObject({ diff: 0, lo: 0, hi: 0 });
    expect(() => pairedBootstrap([true], [true, false])).toThrow(/1 originals vs 2/);
  });
});

describe('paired comparison', () => {
  it('counts the 2x2 table and the accuracies', () => {
    const o = [true, true, false, false, true, false];
    const r = [true, false, true, true, true, false];
    const p = pairedComparison(o, r, { seed: 1, resamples: 500 });
    expect(p).toMatchObject({ n: 6, bothRight: 2, bothWrong: 1, b: 1, c: 2, correctOriginal: 3, correctRewritten: 4 });
    expect(p.accuracyOriginal).toBeCloseTo(0.5, 12);
    expect(p.difference).toBeCloseTo(1 / 6, 12);
    expect(p.mcnemar.exactP).toBe(1);
  });
});
