// rules.json for the construction grammar: one construction rule per math family the task gate
// governs (the grammar writes each gloss from the parsed phrase; the gate decides where), priority in
// the mining split's risk order, `off` where the family's evidence does not hold on validation
// (ship.ts decides). Used by scripts/construction-rules.ts (the default bundle) and quickstart.
import { parseRules, type Rule, type RulesFile } from '../../src/core/rules/schema.ts';
import type { ShipDecision } from './ship.ts';

const f3 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(3)));

/** One construction rule per decision whose family the gate governs (`gate.features[0]` as its feature). */
export function constructionRules(decisions: readonly ShipDecision[], gate: RulesFile['gate']): Rule[] {
  if (!gate) return [];
  const n = decisions.length;
  return decisions
    .filter((d) => gate.families.includes(d.family as never))
    .map(
      (d): Rule =>
        ({
          id: `construction-${d.family}`,
          // A construction rule reads no latent of its own; the gate's first latent keeps the schema's
          // feature reference valid (the head ships it anyway).
          feature: gate.features[0],
          threshold: 1,
          scope: 'span',
          placement: 'after-phrase',
          gloss: '{span}',
          priority: n - d.rank,
          label: `${d.family} constructions, parsed by the construction grammar (src/core/grammar), behind the task gate`,
          family: d.family,
          construction: d.family,
          ...(d.on ? {} : { off: true }),
          evidence: {
            // The schema's mining fields mean latent mining (misread rows, lift, CMH q); a construction
            // rule was not mined that way, so they are placeholders and its odds ratios follow.
            support: 0,
            lift: 0,
            q_value: 1,
            datasets: [
              'test_outcomes.jsonl (mining split: risk order)',
              'test_outcomes.jsonl (validation split: on/off)',
            ],
            driven_by: 'construction grammar (a cue pattern, not an SAE latent); the SAE task gate decides where',
            decision: d.reason,
            mining_failure_or: orTriple(d.mining?.or),
            validation_failure_or: orTriple(d.validation?.or),
          },
        }) as unknown as Rule,
    );
}

/**
 * `file` with its rules replaced by the construction rules of `decisions` followed by `keep` (e.g.
 * the figurative rule, set off); checked by parseRules, so it throws the runtime's own error for a
 * file the runtime would refuse to load. Throws when `file` has no gate: construction rules need one.
 */
export function constructionRulesFile(
  file: RulesFile,
  decisions: readonly ShipDecision[],
  keep: readonly Rule[] = [],
): RulesFile {
  if (!file.gate) throw new Error('construction rules need the task gate: rules.json has no gate');
  const out = { ...file, rules: [...constructionRules(decisions, file.gate), ...keep] };
  parseRules(out); // the check only: the file keeps the rules as written (no defaults filled in)
  return out;
}

/** An odds ratio and its 95% CI as [or, lo, hi] to 3 decimals; null where it is missing or not finite (no exposed or no unexposed failures). */
function orTriple(or: { or: number; lo: number; hi: number } | undefined): [number, number, number] | null {
  if (!or || ![or.or, or.lo, or.hi].every(Number.isFinite)) return null;
  return [f3(or.or)!, f3(or.lo)!, f3(or.hi)!];
}
