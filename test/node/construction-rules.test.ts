// The construction rules' evidence (offline-training/protocol/construction-rules.ts) from the risk
// file (risk-file.ts): each rule carries its family's mining and validation failure odds ratios,
// joined back from the file's family rows, and none where an odds ratio is not finite.
import { describe, expect, it } from 'vitest';
import { constructionRules } from '../../offline-training/protocol/construction-rules.ts';
import { decisionsWithFigures, type RiskFile } from '../../offline-training/protocol/risk-file.ts';
import type { ConstructionRisk } from '../../offline-training/protocol/construction-risk.ts';
import type { RulesFile } from '../../src/core/rules/schema.ts';

const risk = (family: string, or: number, lo: number, hi: number, kind?: string): ConstructionRisk => ({
  family,
  ...(kind ? { kind } : {}),
  exposed: 12,
  questions: 200,
  failExposed: 0.7,
  failUnexposed: 0.6,
  or: { or, lo, hi, strata: 16 },
  misreadShare: 0.2,
  failedRuns: 30,
});

const file: RiskFile = {
  mining: [risk('rate', 1.2, 0.9, 1.6, 'rate-per'), risk('rate', 1.18, 0.91, 1.53), risk('ratio', NaN, 0, Infinity)],
  validation: [risk('rate', 3.0, 1.96, 4.63)],
  decisions: [
    { family: 'rate', on: true, reason: 'validation failure OR 3.00 [1.96, 4.63]: lower bound above 1', rank: 0 },
    { family: 'ratio', on: false, reason: 'found in 1 validation questions (fewer than 10): no evidence', rank: 1 },
  ],
};

const gate = {
  id: 'math-word-problem',
  label: 'math',
  features: [7],
  pool: 'mean',
  weights: [1],
  bias: 0,
  threshold: 0.5,
  families: ['rate', 'ratio'],
} as unknown as RulesFile['gate'];

describe('construction rules from the risk file', () => {
  it("joins each decision with its family's row, not a kind's", () => {
    const [rate, ratio] = decisionsWithFigures(file);
    expect(rate.mining?.or.or).toBe(1.18);
    expect(rate.validation?.or.or).toBe(3.0);
    expect(ratio.validation).toBeUndefined();
  });

  it('writes the odds ratios into the evidence, null where missing or not finite, and off where the decision is off', () => {
    const [rate, ratio] = constructionRules(decisionsWithFigures(file), gate);
    expect(rate.evidence).toMatchObject({
      mining_failure_or: [1.18, 0.91, 1.53],
      validation_failure_or: [3, 1.96, 4.63],
    });
    expect(rate.off).toBeUndefined();
    expect(ratio.evidence).toMatchObject({ mining_failure_or: null, validation_failure_or: null });
    expect(ratio.off).toBe(true);
    expect(rate.priority).toBeGreaterThan(ratio.priority!);
  });
});
