// The locked evaluation protocol: which GSM8K outcome questions and which metaphor verb uses are
// mining, validation or test data. Fixed before any choice of this round and never re-drawn:
//
//  - GSM8K outcomes (test_outcomes.jsonl): by a seeded hash of the question's text (whitespace
//    collapsed), 25% test, then 1/3 of the rest validation (25% of all), the other 50% mining.
//    Mining fits (risk order, odds ratios), validation decides (what ships on, thresholds), test is
//    looked at once per bundle, at the end, and reported as it came out.
//  - VUA: its own train / val / test files (Gao et al. 2018's split), used as they are.
//  - MOH-X: ten folds by a seeded hash of verb and sentence; folds 0 and 1 (about 20%) are test,
//    the other eight are for fitting and validation (cross-validation within them).
//
// The split is code, not a copy of the data: the hash is isHeldOut's (a stable FNV-style hash of a
// string), so anyone with the same files draws the same split. test/node/locked-splits.test.ts pins
// its sizes and a fingerprint of the test questions, so a change of seed or hash fails loudly.
import { isHeldOut } from '../data/splits.ts';

/** Seed of the GSM8K split's hash (the locked evaluation protocol). */
export const GSM8K_SPLIT_SEED = 1919;
/** Seed of MOH-X's fold hash. */
export const MOHX_FOLD_SEED = 1920;
/** Share of GSM8K outcome questions in the test split. */
export const GSM8K_TEST_FRACTION = 0.25;
/** Share of the non-test questions in the validation split (1/3 of 75% = 25% of all). */
export const GSM8K_VALIDATION_FRACTION_OF_REST = 1 / 3;
/** MOH-X folds, and the folds that are test. */
export const MOHX_FOLDS = 10;
export const MOHX_TEST_FOLDS: readonly number[] = [0, 1];

/** Where a case belongs in the protocol. */
export type Split = 'mine' | 'validation' | 'test';

/** The text a split is keyed on: Unicode NFC, white space collapsed, trimmed (so re-wrapping a line moves nothing). */
export function splitKey(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** The locked split of one GSM8K outcome question, by its text. */
export function gsm8kSplit(question: string): Split {
  const key = splitKey(question);
  if (isHeldOut(key, GSM8K_TEST_FRACTION, GSM8K_SPLIT_SEED)) return 'test';
  if (isHeldOut(key, GSM8K_VALIDATION_FRACTION_OF_REST, GSM8K_SPLIT_SEED + 1)) return 'validation';
  return 'mine';
}

/**
 * The locked fold (0..9) of one MOH-X verb use, by its verb and sentence. One hash value, cut at
 * tenths: the fold is the first k with the hash below (k + 1) / 10.
 */
export function mohxFold(verb: string, sentence: string): number {
  const key = `${splitKey(verb)}\u0000${splitKey(sentence)}`;
  for (let k = 0; k < MOHX_FOLDS - 1; k++) if (isHeldOut(key, (k + 1) / MOHX_FOLDS, MOHX_FOLD_SEED)) return k;
  return MOHX_FOLDS - 1;
}

/** Whether a MOH-X verb use is in the locked test folds. */
export function isMohxTest(verb: string, sentence: string): boolean {
  return MOHX_TEST_FOLDS.includes(mohxFold(verb, sentence));
}

/** Cases of one split: `items` filtered by `split(textOf(item))`. */
export function inSplit<T>(items: readonly T[], textOf: (t: T) => string, split: Split): T[] {
  return items.filter((t) => gsm8kSplit(textOf(t)) === split);
}
