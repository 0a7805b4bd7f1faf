// The end of a phrase: a short relative clause after its noun ("for every book she reads", "as
// many as Tom sold") belongs to the phrase, so the gloss goes after it, not inside it.
import type { Pattern } from '../engine.ts';
import { PRONOUN_POSSESSIVE } from '../lexicon.ts';

/** Optionally consumes "she reads", "Tom sold", "they have" (a subject and its verb, plus one particle). */
export const clauseTail: Pattern = (c, s) => {
  const out = [s];
  const t = c.toks[s.i];
  const v = c.toks[s.i + 1];
  if (!t || !v || t.type !== 'word' || v.type !== 'word') return out;
  const subject =
    (t.lower in PRONOUN_POSSESSIVE && !['him', 'them', 'us', 'me', 'her', 'it'].includes(t.lower)) ||
    c.tags(s.i).has('ProperNoun') ||
    c.tags(s.i).has('Person');
  if (!subject || !c.tags(s.i + 1).has('Verb')) return out;
  let i = s.i + 2;
  if (['up', 'down', 'away', 'out', 'off', 'back'].includes(c.word(i))) i++;
  out.push({ i, slots: s.slots });
  return out;
};
