// Mining statistics against values published or computable by hand.
import { describe, it, expect } from 'vitest';
import {
  fisherExact,
  logOddsRatio,
  benjaminiHochberg,
  auc,
  mantelHaenszel,
  logisticFit,
  logGamma,
} from '../../offline-training/learn/stats.ts';

describe('mining statistics', () => {
  it('logGamma matches factorials', () => {
    expect(Math.exp(logGamma(6))).toBeCloseTo(120, 8);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 8);
  });

  it("Fisher's exact test: the lady tasting tea and a lopsided table", () => {
    expect(fisherExact({ a: 3, b: 1, c: 1, d: 3 })).toBeCloseTo(0.4857142857, 8); // Fisher (1935)
    expect(fisherExact({ a: 4, b: 0, c: 0, d: 4 })).toBeCloseTo(0.0285714286, 8);
    expect(fisherExact({ a: 10, b: 10, c: 10, d: 10 })).toBeCloseTo(1, 8);
  });

  it('log odds ratio with Haldane correction', () => {
    const r = logOddsRatio({ a: 20, b: 10, c: 10, d: 20 });
    expect(r.lor).toBeCloseTo(Math.log((20.5 * 20.5) / (10.5 * 10.5)), 10);
    expect(r.lo).toBeLessThan(r.lor);
    expect(r.hi).toBeGreaterThan(r.lor);
  });

  it('Benjamini-Hochberg q-values (monotone, in input order)', () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.005]);
    expect(q.map((v) => +v.toFixed(6))).toEqual([0.02, 0.04, 0.04, 0.02]);
  });

  it('AUC counts ties as half and is 0.5 for uninformative scores', () => {
    expect(auc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(auc([1, 2, 3, 4], [1, 1, 0, 0])).toBe(0);
    expect(auc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });

  it('Mantel-Haenszel finds no association when a confounder explains it', () => {
    // Within each stratum the feature is independent of failure; pooled it is not.
    const strata = [
      { a: 10, b: 40, c: 10, d: 40 },
      { a: 40, b: 10, c: 40, d: 10 },
    ];
    const mh = mantelHaenszel(strata);
    expect(mh.or).toBeCloseTo(1, 10);
    expect(mh.p).toBeGreaterThan(0.5);
    const pooled = logOddsRatio({ a: 50, b: 50, c: 50, d: 50 });
    expect(pooled.lor).toBeCloseTo(0, 10);
    const real = mantelHaenszel([
      { a: 30, b: 10, c: 10, d: 30 },
      { a: 25, b: 10, c: 10, d: 25 },
    ]);
    expect(real.or).toBeGreaterThan(5);
    expect(real.p).toBeLessThan(1e-6);
  });

  it('logistic regression separates a linearly separable set and predicts probabilities', () => {
    const X = [[0], [1], [2], [3], [4], [5], [6], [7]];
    const y = [0, 0, 0, 1, 0, 1, 1, 1] as const;
    const m = logisticFit(X, y);
    expect(m.w[1]).toBeGreaterThan(0);
    expect(m.predict([0])).toBeLessThan(0.2);
    expect(m.predict([7])).toBeGreaterThan(0.8);
  });
});
