// The construction families (the rules' `family` names the grammar covers). Dependency-free, so the
// rules schema can name them without loading the grammar and its tagger.

/** The misreading families a construction belongs to. */
export const CONSTRUCTION_FAMILIES = [
  'multiplicative',
  'fraction',
  'percent',
  'rate',
  'additive-comparison',
  'ratio',
  'average',
  'sequence',
  'work-rate',
  'periodic',
] as const;

/** One of CONSTRUCTION_FAMILIES. */
export type ConstructionFamily = (typeof CONSTRUCTION_FAMILIES)[number];
