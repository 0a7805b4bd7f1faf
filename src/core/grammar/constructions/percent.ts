// Percentages: successive changes ("20% off, then another 10% off"), "25% more than last year",
// single changes ("a 20% discount", "increased by 15%", "30% off"), reverse questions ("after a 20%
// raise it is $60: what was it before"), the base of "what percent of", "25% of the remainder",
// "15% of the students", compound and simple interest.
import type { ConstructionDef } from '../engine.ts';
import { percentChange, percentChangeBetween, reversePercent, successivePercent } from './percent/change.ts';
import { percentMoreThan } from './percent/compare.ts';
import { compoundInterest, repeatedPercent, simpleInterest } from './percent/interest.ts';
import { percentOf, percentOfBase, percentOfRemainder } from './percent/share.ts';
import { PERCENT_WORD } from './percent/words.ts';

/** The percent family (each construction skipped on texts without a percent word). */
export const percentFamily: ConstructionDef[] = [
  successivePercent,
  reversePercent,
  percentChangeBetween,
  compoundInterest,
  simpleInterest,
  percentOfRemainder,
  repeatedPercent,
  percentMoreThan,
  percentOfBase,
  percentChange,
  percentOf,
].map((d) => ({ ...d, requires: PERCENT_WORD }));
