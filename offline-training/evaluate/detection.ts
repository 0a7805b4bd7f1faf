// Detection quality on held-out prompts the miner never saw: how well the fired rules (and the
// best single features) predict the target LLM's failures, beside a length-only baseline.
import type { RulesFile } from '../../src/core/rules/schema.ts';
import type { MiningResult, PromptRecord } from '../mine/mine.ts';
import { auc, logisticFit, rocCurve } from '../learn/stats.ts';

/** Held-out detection figures, each beside the length-only baseline. */
export interface DetectionEvaluation {
  heldOut: number;
  heldOutFailures: number;
  /** Score = number of rules that fire on the prompt. */
  rulesAuc: number;
  /** Fraction of held-out prompts where at least one rule fires, and their failure rates. */
  rulesCoverage: number;
  failRateWhenFired: number;
  failRateWhenSilent: number;
  lengthAuc: number;
  /** Logistic model on (log length, rules fired), fit on the mining split. */
  lengthPlusRulesAuc: number;
  bestFeatures: { feature: number; label: string; miningRank: number; heldOutAuc: number }[];
  roc: {
    rules: { fpr: number; tpr: number }[];
    length: { fpr: number; tpr: number }[];
    lengthPlusRules: { fpr: number; tpr: number }[];
  };
}

function firedCount(p: PromptRecord, rules: RulesFile): number {
  let n = 0;
  for (const r of rules.rules) if ((p.max[String(r.feature)] ?? 0) >= r.threshold) n++;
  return n;
}

/**
 * Detection quality on the held-out prompts: AUC of the number of fired rules, of the best `bestK` single
 * features (chosen on the mining split), of the length-only baseline and of length + rules, with ROC points.
 * Throws when there is no held-out prompt.
 */
export function evaluateDetection(mining: MiningResult, rules: RulesFile, bestK = 5): DetectionEvaluation {
  const held = mining.prompts.filter((p) => p.heldOut);
  const train = mining.prompts.filter((p) => !p.heldOut);
  if (held.length === 0) throw new Error('no held-out prompts in the mining result');
  const y = held.map((p) => p.failed);
  const fired = held.map((p) => firedCount(p, rules));
  const logLen = (p: PromptRecord) => Math.log(1 + p.length);
  const lenScore = held.map((p) => mining.lengthBaseline.w[0] + mining.lengthBaseline.w[1] * logLen(p));
  const combo = logisticFit(
    train.map((p) => [logLen(p), firedCount(p, rules)]),
    train.map((p) => p.failed),
  );
  const comboScore = held.map((p, i) => combo.predict([logLen(p), fired[i]]));
  const on = held.filter((_, i) => fired[i] > 0);
  const off = held.filter((_, i) => fired[i] === 0);
  const rate = (ps: PromptRecord[]) => (ps.length ? ps.filter((p) => p.failed).length / ps.length : NaN);
  return {
    heldOut: held.length,
    heldOutFailures: y.filter(Boolean).length,
    rulesAuc: auc(fired, y),
    rulesCoverage: on.length / held.length,
    failRateWhenFired: rate(on),
    failRateWhenSilent: rate(off),
    lengthAuc: auc(lenScore, y),
    lengthPlusRulesAuc: auc(comboScore, y),
    bestFeatures: mining.candidates.slice(0, bestK).map((c, i) => ({
      feature: c.feature,
      label: c.label,
      miningRank: i + 1,
      heldOutAuc: auc(
        held.map((p) => p.max[String(c.feature)] ?? 0),
        y,
      ),
    })),
    roc: { rules: rocCurve(fired, y), length: rocCurve(lenScore, y), lengthPlusRules: rocCurve(comboScore, y) },
  };
}
