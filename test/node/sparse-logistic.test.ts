// The sparse L1 logistic readout recovers a planted predictive feature and zeroes the rest.
import { describe, it, expect } from 'vitest';
import { fitSparseLogistic, bestThreshold, prf, type SparseRow } from '../../offline-training/learn/sparse-logistic.ts';

describe('fitSparseLogistic', () => {
  it('keeps the planted features, drops noise, and classifies well', () => {
    let s = 3;
    const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const dim = 200;
    const rows: SparseRow[] = [];
    const y: (0 | 1)[] = [];
    for (let i = 0; i < 1500; i++) {
      const label = r() < 0.3 ? 1 : 0;
      const idx: number[] = [];
      const val: number[] = [];
      // Feature 5 fires mostly on positives, feature 9 mostly on negatives; 8 random others.
      const fire = (j: number, v: number) => {
        idx.push(j);
        val.push(v);
      };
      if (label ? r() < 0.8 : r() < 0.1) fire(5, 1 + r());
      if (!label ? r() < 0.6 : r() < 0.1) fire(9, 1 + r());
      for (let k = 0; k < 8; k++) {
        const j = 10 + Math.floor(r() * 190);
        if (!idx.includes(j)) fire(j, r());
      }
      rows.push({ idx: Int32Array.from(idx), val: Float32Array.from(val) });
      y.push(label);
    }
    const m = fitSparseLogistic(rows, y, dim, 0.02);
    expect(m.w[5]).toBeGreaterThan(0.5);
    expect(m.w[9]).toBeLessThan(-0.3);
    expect(m.nnz).toBeLessThan(20);
    const scores = rows.map((x) => m.predict(x));
    const best = bestThreshold(scores, y);
    expect(best.f1).toBeGreaterThan(0.75);
    expect(prf([0.9, 0.1, 0.8, 0.2], [1, 0, 0, 1], 0.5)).toEqual({
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
      threshold: 0.5,
    });
  });
});
