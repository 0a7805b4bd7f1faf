// The end of a phrase: a short relative clause after its noun ("for every book she reads", "the
// amount of food the cat eats") belongs to the phrase, so the gloss goes after it, not inside it.
import type { Ctx, Pattern } from '../engine.ts';
import { PRONOUN_POSSESSIVE } from '../lexicon.ts';

const OBJECT_PRONOUNS = new Set(['him', 'them', 'us', 'me', 'her', 'it']);

function subjectEnd(c: Ctx, i: number): number | undefined {
  const t = c.toks[i];
  if (!t || t.type !== 'word') return undefined;
  if ((t.lower in PRONOUN_POSSESSIVE && !OBJECT_PRONOUNS.has(t.lower)) || t.lower === 'it') return i + 1;
  if (c.tags(i).has('ProperNoun') || c.tags(i).has('Person')) return i + 1;
  if (t.lower === 'the' && c.toks[i + 1]?.type === 'word' && c.tags(i + 1).has('Noun')) return i + 2;
  return undefined;
}

/** Optionally consumes "she reads", "Tom sold", "the cat eats" (a subject and its verb, plus one particle). */
export const clauseTail: Pattern = (c, s) => {
  const out = [s];
  const v = subjectEnd(c, s.i);
  if (v === undefined || c.toks[v]?.type !== 'word') return out;
  const tags = c.tags(v);
  if (!tags.has('Verb') || tags.has('Copula')) return out;
  let i = v + 1;
  if (['up', 'down', 'away', 'out', 'off', 'back'].includes(c.word(i))) i++;
  out.push({ i, slots: s.slots });
  return out;
};
