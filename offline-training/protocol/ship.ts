// Which construction families ship on by default, decided on the validation split only, by a
// criterion fixed before the grammar's figures were seen:
//
//   a family is on by default where its failure odds ratio when the grammar finds it (Mantel-Haenszel
//   within length quartile x GPT-3 model) has a 95% CI lower bound above 1 on the validation split,
//   or where it replicates: lower bound above 1 on the mining split and an odds ratio above 1 on
//   validation. Families found in fewer than 10 validation questions stay off (no evidence either way).
//
// The risk order (rules.json priority) is the mining split's: riskiest first by the CI lower bound.
import type { ConstructionRisk } from './construction-risk.ts';

/** Fewest validation questions a family must be found in for its evidence to count. */
export const MIN_VALIDATION_QUESTIONS = 10;

/** One family's decision, with the figures it rests on. */
export interface ShipDecision {
  family: string;
  on: boolean;
  /** Why, in words built from the figures. */
  reason: string;
  mining?: ConstructionRisk;
  validation?: ConstructionRisk;
  /** Rank in the mining split's risk order (0 = riskiest). */
  rank: number;
}

const f2 = (v: number) => (v === Infinity ? 'inf' : v.toFixed(2));
const ci = (r: ConstructionRisk) => `${f2(r.or.or)} [${f2(r.or.lo)}, ${f2(r.or.hi)}]`;

/** The decision for every family in either table (family rows only; kinds are reported, not decided). */
export function decideFamilies(
  mining: readonly ConstructionRisk[],
  validation: readonly ConstructionRisk[],
): ShipDecision[] {
  const fam = (rs: readonly ConstructionRisk[]) => rs.filter((r) => r.kind === undefined);
  const m = new Map(fam(mining).map((r) => [r.family, r]));
  const v = new Map(fam(validation).map((r) => [r.family, r]));
  const order = fam(mining).map((r) => r.family);
  const families = [...new Set([...order, ...v.keys()])];
  return families.map((family) => {
    const mr = m.get(family);
    const vr = v.get(family);
    const rank = order.includes(family) ? order.indexOf(family) : order.length;
    let on = false;
    let reason: string;
    if (!vr || vr.exposed < MIN_VALIDATION_QUESTIONS)
      reason = `found in ${vr?.exposed ?? 0} validation questions (fewer than ${MIN_VALIDATION_QUESTIONS}): no evidence`;
    else if (vr.or.lo > 1) {
      on = true;
      reason = `validation failure OR ${ci(vr)}: lower bound above 1`;
    } else if (mr && mr.or.lo > 1 && vr.or.or > 1) {
      on = true;
      reason = `replicates: mining OR ${ci(mr)} (lower bound above 1), validation OR ${ci(vr)} (above 1)`;
    } else reason = `validation failure OR ${ci(vr)}${mr ? `, mining ${ci(mr)}` : ''}: no failure signal that holds`;
    return { family, on, reason, mining: mr, validation: vr, rank };
  });
}
