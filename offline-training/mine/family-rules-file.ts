// rules.json from mined family candidates (mine-families.ts) and a person's review: each rule
// names its family, goes after the whole phrase, carries a gloss that is true for every phrase of
// its family, a label that says what the latent fires on, and evidence with misreading counts and
// examples. Candidates the review does not accept stay drafts (export refuses them unless forced).
import type { Gate, Rule, RulesFile } from '../../src/core/rules/schema.ts';
import { parseRules } from '../../src/core/rules/schema.ts';
import type { MineFamiliesResult } from './mine-families.ts';
import type { FigurativeProbe } from '../probe/figurative.ts';

/**
 * One gloss per family, true for every phrase of the family (direction of comparison, rate vs
 * total, successive percentages); `{span}` quotes the phrase it follows.
 */
export const FAMILY_GLOSSES: Record<string, string> = {
  multiplicative:
    '"{span}": multiply, do not add: N times as many as X is N x X, twice or double is 2 x; N times fewer or less than X is X / N',
  fraction:
    '"{span}": a fraction of an amount: half of X is X / 2, a third of X is X / 3, half as many as X is X / 2; take it of the amount it names (e.g. the remainder)',
  percent:
    '"{span}": p% of X is p/100 x X, taken of the amount it names; successive percentages apply one after another (20% off then 10% off is x 0.8 x 0.9, not 30% off)',
  rate: '"{span}" is a rate (an amount for one unit): multiply it by the number of units for a total; do not add it as a total',
  'additive-comparison':
    '"{span}": a difference, not a multiple: N more than X is X + N, N fewer, less or younger than X is X - N; check which quantity is larger',
  ratio: '"{span}": a ratio a:b splits a total into a + b equal parts; each part is total / (a + b)',
  average: '"{span}": an average is the sum of the values divided by how many there are; a total is average x count',
  sequence: '"{span}": consecutive numbers differ by 1 (consecutive even or odd numbers by 2): n, n + 1, n + 2',
  'work-rate':
    '"{span}": working together, rates add (jobs per hour), times do not: together they take 1 / (1/a + 1/b)',
  periodic: '"{span}": count the occurrences: every other day is every 2nd day; every k days is about days / k times',
  figurative: '"{span}" is used figuratively here: read it for its extended sense, not its literal one',
};

/**
 * One accepted rule. A mined candidate (family and feature) may be accepted several times under
 * different ids, each with its own `cue` and gloss (one latent, several wordings). An entry whose
 * latent is no mined candidate of its family is a cue rule: it must carry `cue`, `threshold`,
 * `label` and `evidence` (how the latent covers the cue's matches), since nothing was mined for it.
 */
export interface ReviewedRule {
  /** The accepted latent; absent for the figurative probe rule (one per bundle, keyed by family). */
  feature?: number;
  family: string;
  id: string;
  threshold?: number;
  gloss?: string;
  /** Lexical guard (rules.json `cue`): the rule fires only where this pattern touches the phrase. */
  cue?: string;
  label?: string;
  maxPerPrompt?: number;
  evidence?: Record<string, unknown>;
}

/** A person's review of mined family rules (a JSON file): the accepted rules as edited, and gate overrides. */
export interface FamilyReview {
  note?: string;
  /** Accepted latents: a person checked their top contexts, label and threshold. */
  rules: ReviewedRule[];
  gate?: { threshold?: number; askedThreshold?: number };
}

type MinedCandidate = MineFamiliesResult['candidates'][number];
type FigurativeInput = FigurativeProbe & { evidence?: Record<string, unknown> };

/** Rules and gate from the mined candidates; accepted ones as reviewed, the rest as drafts. */
export function familyRulesFile(
  mined: MineFamiliesResult,
  review: FamilyReview,
  datasets: string[],
  figurative?: FigurativeInput,
): RulesFile {
  const accepted = acceptedByCandidate(review);
  const rules: Rule[] = [];
  const n = mined.candidates.length;
  const used = new Set<ReviewedRule>();
  mined.candidates.forEach((c, i) => {
    const rvs = accepted.get(`${c.family}:${c.feature}`) ?? [undefined];
    for (const rv of rvs) {
      if (rv) used.add(rv);
      rules.push(minedRule(c, rv, n - i, datasets));
    }
  });
  if (figurative) {
    // One probe rule reads all figurative latents; its review entry is keyed by family alone.
    const rv = review.rules.find((r) => r.family === 'figurative');
    if (rv) used.add(rv);
    rules.push(figurativeRule(figurative, rv, review.rules.length));
  }
  // Cue rules: reviewed latents that no family mining proposed, always behind their lexical cue.
  review.rules.forEach((rv, i) => {
    if (used.has(rv) || rv.family === 'figurative') return;
    rules.push(cueRule(rv, -review.rules.length - 1 + i, datasets));
  });
  const gate: Gate = {
    ...mined.gate,
    threshold: review.gate?.threshold ?? mined.gate.threshold,
    ...(review.gate?.askedThreshold !== undefined ? { askedThreshold: review.gate.askedThreshold } : {}),
  };
  return parseRules({ version: 1, rules, gate });
}

/** Review entries grouped by `family:feature`, the key of the mined candidate they accept. */
function acceptedByCandidate(review: FamilyReview): Map<string, ReviewedRule[]> {
  const accepted = new Map<string, ReviewedRule[]>();
  for (const r of review.rules) {
    const k = `${r.family}:${r.feature}`;
    accepted.set(k, [...(accepted.get(k) ?? []), r]);
  }
  return accepted;
}

/** One mined candidate as a rule: as reviewed by `rv`, or a draft where no review accepts it. */
function minedRule(c: MinedCandidate, rv: ReviewedRule | undefined, priority: number, datasets: string[]): Rule {
  const m = c.misreadings;
  const share = Math.round(c.precision * 100);
  const words = c.words
    .slice(0, 3)
    .map((w) => `"${w}"`)
    .join(', ');
  return {
    id: rv?.id ?? `${c.family}-f${c.feature}`,
    feature: c.feature,
    threshold: rv?.threshold ?? c.threshold,
    scope: 'span',
    placement: 'after-phrase',
    gloss: rv?.gloss ?? FAMILY_GLOSSES[c.family],
    priority,
    label:
      `fires on ${words}: ${share}% of its firings in GSM8K are in ${c.family} phrases (feature ${c.feature})`.slice(
        0,
        120,
      ),
    family: c.family,
    // support: rows (question x model) misread in this family where the rule fires; lift and
    // q_value: the failure odds ratio when it fires and its CMH p-value (model strata). The
    // misreading association itself is circular (a label needs the family's phrase) and stays
    // in `misreadings` only.
    evidence: {
      support: m?.misreadFired ?? 0,
      lift: m?.failureOr?.[0] ?? 0,
      q_value: Math.min(1, m?.failureP ?? 1),
      datasets,
      phrase_precision: c.precision,
      phrase_recall: c.recall,
      general_text_fire_rate: c.negativeRate,
      token_test: c.tokenTest,
      misreadings: m,
      drives_alone: !c.tokenTest?.correlate,
    },
    ...(rv?.cue ? { cue: rv.cue } : {}),
    ...(rv ? {} : { draft: true }),
  };
}

/** The one figurative probe rule, below every math rule; a draft unless reviewed. */
function figurativeRule(figurative: FigurativeInput, rv: ReviewedRule | undefined, reviewed: number): Rule {
  const v = figurative.val;
  return {
    id: rv?.id ?? 'figurative-verb',
    feature: figurative.top[0]?.feature ?? figurative.probe.features[0],
    threshold: rv?.threshold ?? figurative.threshold,
    scope: 'span',
    placement: 'after-span',
    gloss: rv?.gloss ?? FAMILY_GLOSSES.figurative,
    priority: -reviewed - 2, // below every math rule, cue rules included
    label: `verbs whose SAE code and object's code read as figurative (probe over ${figurative.probe.features.length} latents)`,
    family: 'figurative',
    probe: figurative.probe,
    maxPerPrompt: rv?.maxPerPrompt ?? 2,
    evidence: {
      support: Math.round(v.recall * v.share * v.n),
      lift: 0,
      q_value: 1,
      datasets: ['VUA train', 'MOH-X'],
      heldout_auc: +v.auc.toFixed(4),
      l1: figurative.l1,
      val_precision: +v.precision.toFixed(4),
      val_recall: +v.recall.toFixed(4),
      val_share: +v.share.toFixed(4),
      top_latents: figurative.top,
      latent_labels: figurative.labels,
      ...figurative.evidence,
    },
    ...(rv ? {} : { draft: true }),
  };
}

/**
 * A reviewed latent no mining proposed: it must carry feature, cue, threshold, label and evidence.
 * @throws Error naming the review rule when one of them is missing.
 */
function cueRule(rv: ReviewedRule, priority: number, datasets: string[]): Rule {
  if (rv.feature === undefined || !rv.cue || rv.threshold === undefined || !rv.label || !rv.evidence)
    throw new Error(
      `review rule "${rv.id}": feature ${rv.feature} is no mined ${rv.family} candidate, so it needs cue, threshold, label and evidence`,
    );
  return {
    id: rv.id,
    feature: rv.feature,
    threshold: rv.threshold,
    scope: 'span',
    placement: 'after-phrase',
    gloss: rv.gloss ?? FAMILY_GLOSSES[rv.family],
    priority, // below mined rules, above none but each other
    label: rv.label,
    family: rv.family,
    cue: rv.cue,
    evidence: { support: 0, lift: 0, q_value: 1, datasets, ...rv.evidence },
  } as Rule;
}
