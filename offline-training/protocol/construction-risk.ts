// Misreading risk of each construction family (and kind), mined from the four GPT-3 models' GSM8K
// solutions: the failure odds ratio when the construction grammar finds that construction in a
// question, Mantel-Haenszel within length quartile x model (dev-checks.ts quartileTables and
// mhOddsRatio, the Robins-Breslow-Greenland 95% interval), on one split of the locked protocol
// (splits.ts). Beside it, how many of the failures where it is found a misreading label of the same
// family explains (misreadings.ts: the wrong solution's use of the cue number vs the reference's
// calculator steps), so a family's risk can be argued from what the models got wrong, not only that
// they failed.
import { readFileSync } from 'node:fs';
import { mhOddsRatio, quartileTables, type OddsRatio, type StratifiedRow } from '../evaluate/dev-checks.ts';
import type { OutcomeRow } from '../mine/family-rules.ts';
import { labelMisreadings } from '../mine/misreadings.ts';
import { gsm8kSplit, type Split } from './splits.ts';

/** The four GPT-3 runs of the shared outcomes file (Cobbe et al. 2021). */
export const GPT3_MODELS = ['6b_finetuning', '6b_verification', '175b_finetuning', '175b_verification'] as const;

/** One GSM8K question with its reference solution and every model's solution and correctness. */
export interface OutcomeQuestion {
  id: string;
  question: string;
  reference: string;
  split: Split;
  runs: Omit<OutcomeRow, 'id' | 'question' | 'reference'>[];
}

/** Reads the shared test_outcomes.jsonl (ids `gsm8k-test:<row>`, as readOutcomes names them), each question with its locked split. */
export function readOutcomeQuestions(file: string): OutcomeQuestion[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      const r = JSON.parse(l) as Record<string, { solution: string; is_correct: boolean }> & {
        question: string;
        ground_truth: string;
      };
      return {
        id: `gsm8k-test:${i}`,
        question: r.question,
        reference: r.ground_truth,
        split: gsm8kSplit(r.question),
        runs: GPT3_MODELS.filter((m) => r[m]).map((m) => ({
          model: m,
          solution: r[m].solution,
          correct: r[m].is_correct,
        })),
      };
    });
}

/** What the risk mining needs of a found construction. */
export interface FoundConstruction {
  family: string;
  kind?: string;
}

/** One family's (or family and kind's) risk on one split. */
export interface ConstructionRisk {
  family: string;
  /** Absent for the family as a whole. */
  kind?: string;
  /** Questions where the grammar finds it, of `questions`. */
  exposed: number;
  questions: number;
  /** Failure rate (over the model runs) where found and where not. */
  failExposed: number;
  failUnexposed: number;
  /** Mantel-Haenszel failure odds ratio, found vs not, within length quartile x model, with its 95% CI. */
  or: OddsRatio;
  /** Of the failed runs where it is found, the share a misreading label of this family explains. */
  misreadShare: number;
  failedRuns: number;
}

/** Odds ratio, rates and misreading share for one exposure (a question -> found or not). */
function riskOf(
  qs: readonly OutcomeQuestion[],
  exposed: (q: OutcomeQuestion) => boolean,
  family: string,
  labels: ReadonlyMap<string, string[][]>,
): Omit<ConstructionRisk, 'family' | 'kind'> {
  const rows: StratifiedRow[] = [];
  let nExp = 0,
    failE = 0,
    runsE = 0,
    failU = 0,
    runsU = 0,
    misread = 0;
  for (const q of qs) {
    const e = exposed(q);
    if (e) nExp++;
    q.runs.forEach((r, k) => {
      rows.push({ stratum: r.model, length: q.question.length, failed: !r.correct, exposed: e });
      if (e) {
        runsE++;
        if (!r.correct) {
          failE++;
          if (labels.get(q.id)![k].includes(family)) misread++;
        }
      } else {
        runsU++;
        if (!r.correct) failU++;
      }
    });
  }
  return {
    exposed: nExp,
    questions: qs.length,
    failExposed: runsE ? failE / runsE : NaN,
    failUnexposed: runsU ? failU / runsU : NaN,
    or: mhOddsRatio(quartileTables(rows)),
    misreadShare: failE ? misread / failE : NaN,
    failedRuns: failE,
  };
}

/**
 * The risk of every family the grammar finds on `split` (all questions when omitted), and of every
 * kind found in at least `minKindQuestions` questions there (default 15), riskiest first (by the
 * odds ratio's lower bound, then the odds ratio). `find` is the construction grammar.
 */
export function constructionRisk(
  all: readonly OutcomeQuestion[],
  find: (text: string) => readonly FoundConstruction[],
  o: { split?: Split; minKindQuestions?: number } = {},
): ConstructionRisk[] {
  const qs = o.split ? all.filter((q) => q.split === o.split) : [...all];
  const found = new Map(qs.map((q) => [q.id, find(q.question)]));
  const labels = new Map(
    qs.map((q) => [
      q.id,
      q.runs.map((r) =>
        labelMisreadings(q.question, q.reference, r.solution, r.correct).map((m) => m.family as string),
      ),
    ]),
  );
  const families = new Set<string>();
  const kinds = new Map<string, number>();
  for (const f of found.values()) {
    for (const c of f) families.add(c.family);
    for (const k of new Set(f.filter((c) => c.kind).map((c) => `${c.family}\u0000${c.kind}`)))
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const out: ConstructionRisk[] = [];
  for (const family of [...families].sort())
    out.push({ family, ...riskOf(qs, (q) => found.get(q.id)!.some((c) => c.family === family), family, labels) });
  for (const [key, n] of [...kinds].sort()) {
    if (n < (o.minKindQuestions ?? 15)) continue;
    const [family, kind] = key.split('\u0000');
    out.push({
      family,
      kind,
      ...riskOf(qs, (q) => found.get(q.id)!.some((c) => c.family === family && c.kind === kind), family, labels),
    });
  }
  const lo = (r: ConstructionRisk) => (Number.isFinite(r.or.lo) ? r.or.lo : 0);
  return out.sort((a, b) => lo(b) - lo(a) || b.or.or - a.or.or);
}

/** The risk of "any construction found" (every family together) on a split, for the gloss-vs-none figure. */
export function anyConstructionRisk(
  all: readonly OutcomeQuestion[],
  exposed: (q: OutcomeQuestion) => boolean,
  split?: Split,
): Omit<ConstructionRisk, 'family' | 'kind'> {
  const qs = split ? all.filter((q) => q.split === split) : [...all];
  const labels = new Map(qs.map((q) => [q.id, q.runs.map(() => [] as string[])]));
  return riskOf(qs, exposed, '', labels);
}
