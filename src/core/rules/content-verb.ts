// The figurative guard: a word the probe may gloss must be a content verb as written, whatever the
// tagger said. Auxiliaries, copulas and modals in any form ("did", "be", "has"), anything that is not
// letters only (commas, quotes, numbers, "n't"), and halves of hyphenated compounds ("warm-hearted",
// which compromise tags "hearted" a verb) never count.

/** Forms of be, do and have, and the modals: they carry no lexical meaning to be figurative. */
export const FUNCTION_VERBS: ReadonlySet<string> = new Set(
  (
    'be am is are was were been being do does did done doing have has had having ' +
    'will would shall should can could may might must ought'
  ).split(' '),
);

/** Whether the word at `[start, end)` of `text` may carry a figurative gloss. */
export function isContentVerbWord(text: string, start: number, end: number): boolean {
  const w = text.slice(start, end);
  if (!/^\p{L}+$/u.test(w)) return false;
  if (FUNCTION_VERBS.has(w.toLowerCase())) return false;
  const before = text[start - 1];
  const after = text[end];
  if (before === '-' || after === '-' || before === '\u2010' || after === '\u2010') return false;
  // A letter run glued to an apostrophe is a contraction piece or a possessive, not a verb as written.
  if (after === "'" || after === '\u2019') return !/^(?:s|d|ll|ve|re|m)\b/.test(text.slice(end + 1));
  return true;
}
