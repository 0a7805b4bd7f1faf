// Construction risk (offline-training/protocol/construction-risk.ts) and the ship decision
// (protocol/ship.ts) on hand-made outcome questions: a family found where models fail has an odds
// ratio above 1, its misreading share counts only same-family labels, and the decision follows the
// pre-registered criterion.
import { describe, expect, it } from 'vitest';
import {
  constructionRisk,
  type FoundConstruction,
  type OutcomeQuestion,
} from '../../offline-training/protocol/construction-risk.ts';
import { decideFamilies } from '../../offline-training/protocol/ship.ts';

const models = ['m1', 'm2'];
/** A question whose text says whether it holds a "percent" construction, with each model's correctness. */
function q(i: number, percent: boolean, correct: boolean[]): OutcomeQuestion {
  const question = percent
    ? `Item ${i} costs $${40 + i}. It is 20% off. What does it cost now?`
    : `Item ${i} costs $${40 + i} and another costs $5. What do both cost?`;
  const reference = percent ? `${40 + i} * 20 / 100 = <<${40 + i}*20/100=8>>8\nA: 1` : 'A: 2';
  return {
    id: `q${i}`,
    question,
    reference,
    split: 'mine',
    runs: models.map((model, k) => ({ model, correct: correct[k], solution: `A: 0 <<${40 + i}+20=${60 + i}>>` })),
  };
}
const find = (t: string): FoundConstruction[] => (t.includes('%') ? [{ family: 'percent', kind: 'percent-off' }] : []);

describe('constructionRisk', () => {
  // 40 questions per arm, of different lengths: with the construction models fail 3 in 4, without 1 in 4.
  const qs = Array.from({ length: 80 }, (_, i) => {
    const percent = i % 2 === 0;
    const fail = percent ? i % 8 !== 0 : i % 8 === 1;
    return q(i, percent, [!fail, !fail]);
  });

  it('gives a family found where models fail an odds ratio above 1, with its kind', () => {
    const risk = constructionRisk(qs, find, { minKindQuestions: 5 });
    const fam = risk.find((r) => r.family === 'percent' && !r.kind)!;
    expect(fam.exposed).toBe(40);
    expect(fam.failExposed).toBeCloseTo(0.75, 10);
    expect(fam.failUnexposed).toBeCloseTo(0.25, 10);
    expect(fam.or.or).toBeGreaterThan(3);
    expect(fam.or.lo).toBeGreaterThan(1);
    // The wrong solutions add 20 where the reference multiplies: a percent misreading each time.
    expect(fam.misreadShare).toBe(1);
    expect(risk.find((r) => r.kind === 'percent-off')?.exposed).toBe(40);
  });

  it('decides on validation, by the pre-registered criterion', () => {
    const risk = constructionRisk(qs, find);
    const flat = risk.map((r) => ({ ...r, or: { ...r.or, or: 0.9, lo: 0.5, hi: 1.6 } }));
    expect(decideFamilies(flat, risk)[0]).toMatchObject({ family: 'percent', on: true, rank: 0 });
    expect(decideFamilies(risk, flat)[0].on).toBe(false);
    const few = risk.map((r) => ({ ...r, exposed: 5 }));
    expect(decideFamilies(risk, few)[0].reason).toMatch(/fewer than 10/);
  });
});
