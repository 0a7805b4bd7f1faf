// Misreading labels from calculator steps: the model's use of a phrase's number vs the reference's.
import { describe, it, expect } from 'vitest';
import { cuesOf, labelMisreadings, parseSteps } from '../../offline-training/mine/misreadings.ts';
import { mhOddsRatio, perVerbMajority, quartileTables } from '../../offline-training/evaluate/dev-checks.ts';

describe('misreading labels', () => {
  it('parses calculator steps', () => {
    expect(parseSteps('so 3 x 68 = <<3*68=204>>204 and <<204+1,160=1364>>')).toEqual([
      { operands: [3, 68], ops: ['*'], result: 204 },
      { operands: [204, 1160], ops: ['+'], result: 1364 },
    ]);
  });

  it('finds the cue phrases of each family with their numbers', () => {
    const q = 'Jason has three times as many toys as Mandy, who has 13 fewer than Ann. Toys cost $4 per toy, 20% off.';
    const hits = cuesOf(q).map((c) => [c.family, q.slice(c.start, c.end), c.value]);
    expect(hits).toEqual([
      ['multiplicative', 'three times as', 3],
      ['additive-comparison', '13 fewer than', 13],
      ['rate', '$4 per toy', 4],
      ['percent', '20%', 20],
    ]);
  });

  it('labels a multiplication read as an addition, and nothing for a correct solution', () => {
    const q = 'Jason has three times as many toys as Mandy. Mandy has 4 toys. How many toys does Jason have?';
    const ref = 'Jason has 3 * 4 = <<3*4=12>>12 toys.\nA: 12';
    const wrong = 'Jason has 3 + 4 = <<3+4=7>>7 toys.\nA: 7';
    expect(labelMisreadings(q, ref, wrong, false)).toEqual([
      { family: 'multiplicative', phrase: 'three times as', why: 'reference * 3, model +' },
    ]);
    expect(labelMisreadings(q, ref, ref, true)).toEqual([]);
    // A failure that used the factor as the reference did is not a misreading of that phrase.
    expect(labelMisreadings(q, ref, 'Jason has 3 * 4 = <<3*4=13>>13\nA: 13', false)).toEqual([]);
  });
});

describe('dev-check statistics', () => {
  it('Mantel-Haenszel odds ratio with a Robins-Breslow-Greenland interval', () => {
    // One stratum: OR = (20*60)/(30*10) = 4.
    const r = mhOddsRatio([{ a: 20, b: 30, c: 10, d: 60 }]);
    expect(r.or).toBeCloseTo(4, 10);
    expect(r.lo).toBeLessThan(4);
    expect(r.hi).toBeGreaterThan(4);
    // Woolf's interval equals RBG's for one stratum: se = sqrt(1/20 + 1/30 + 1/10 + 1/60).
    const se = Math.sqrt(1 / 20 + 1 / 30 + 1 / 10 + 1 / 60);
    expect(r.lo).toBeCloseTo(4 * Math.exp(-1.96 * se), 6);
  });

  it('length quartiles within strata, and the per-verb majority baseline', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      stratum: i % 2 ? 'a' : 'b',
      length: i,
      failed: i > 20,
      exposed: i % 3 === 0,
    }));
    const t = quartileTables(rows);
    expect(t.length).toBe(8);
    expect(t.reduce((s, x) => s + x.a + x.b + x.c + x.d, 0)).toBe(40);
    const train = [
      { verb: 'grasp', label: 1 as const },
      { verb: 'grasp', label: 1 as const },
      { verb: 'grasp', label: 0 as const },
      { verb: 'eat', label: 0 as const },
    ];
    expect(perVerbMajority(train, [{ verb: 'grasp' }, { verb: 'eat' }, { verb: 'new' }])).toEqual([true, false, false]);
  });
});
