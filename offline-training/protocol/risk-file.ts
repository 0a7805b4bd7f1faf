// The file scripts/construction-risk.ts writes: per-family (and per-kind) risk on the mining and
// validation splits, and the on/off decision per family.
import type { ConstructionRisk } from './construction-risk.ts';
import type { ShipDecision } from './ship.ts';

/** scripts/construction-risk.ts's output as read back. */
export interface RiskFile {
  mining: ConstructionRisk[];
  validation: ConstructionRisk[];
  decisions: ShipDecision[];
}

/**
 * The decisions with each family's mining and validation figures put back beside them: the risk file
 * writes them once, in `mining` and `validation` (family rows have no `kind`), not in each decision,
 * while the card's family table and the rules' evidence read them from the decision. Pure.
 */
export function decisionsWithFigures(r: RiskFile): ShipDecision[] {
  const row = (rs: readonly ConstructionRisk[], family: string) =>
    rs.find((x) => x.family === family && x.kind === undefined);
  return r.decisions.map((d) => ({
    ...d,
    mining: d.mining ?? row(r.mining, d.family),
    validation: d.validation ?? row(r.validation, d.family),
  }));
}
