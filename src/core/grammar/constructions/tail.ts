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
  // "the cat eats", "every mile a volunteer walks"
  if (['the', 'a', 'an'].includes(t.lower) && c.toks[i + 1]?.type === 'word' && c.tags(i + 1).has('Noun')) return i + 2;
  return undefined;
}

/** Optionally consumes "she reads", "Tom sold", "the cat eats" (a subject and its verb, plus one particle). */
export const clauseTail: Pattern = (c, s) => {
  const out = [s];
  const v = subjectEnd(c, s.i);
  if (v === undefined || c.toks[v]?.type !== 'word') return out;
  const tags = c.tags(v);
  // "the ads it doesn't block": an auxiliary's clause goes on to its verb
  if (
    !tags.has('Verb') ||
    tags.has('Copula') ||
    tags.has('Auxiliary') ||
    tags.has('Modal') ||
    /n['\u2019]t$/i.test(c.toks[v].text)
  )
    return out;
  let i = v + 1;
  if (['up', 'down', 'away', 'out', 'off', 'back'].includes(c.word(i))) i++;
  // "the time it traveled from A to B": the clause goes on, and a gloss after "traveled" would split it
  if (clauseEndsAt(c, i)) out.push({ i, slots: s.slots });
  return out;
};

/** Whether a clause may end before token i: punctuation, the end, a conjunction, an adverb or a verb. */
function clauseEndsAt(c: Ctx, i: number): boolean {
  const next = c.toks[i];
  if (!next || next.type !== 'word') return true;
  const t = c.tags(i);
  return t.has('Conjunction') || t.has('Adverb') || t.has('Verb');
}

/**
 * Whether a clause (a subject and its verb) starts at token i: "the time | it traveled", "the ads |
 * it doesn't block". A phrase that ends there has its noun's clause after it, so no gloss fits.
 */
export function clauseAt(c: Ctx, i: number): boolean {
  const v = subjectEnd(c, i);
  return v !== undefined && c.toks[v]?.type === 'word' && c.tags(v).has('Verb');
}

const RELATIVE = new Set(['who', 'that', 'which']);

/**
 * Optionally consumes a one-verb relative clause that ends there ("people who RSVPed", "the cars
 * that passed"), so the gloss goes after it; not "who took the test" (an object follows: the
 * construction's render sees the relative pronoun after its phrase and writes no gloss).
 */
export const relativeTail: Pattern = (c, s) => {
  const out = [s];
  if (!RELATIVE.has(c.word(s.i)) || c.toks[s.i + 1]?.type !== 'word') return out;
  const v = s.i + 1;
  const tags = c.tags(v);
  if (!tags.has('Verb') || tags.has('Copula') || tags.has('Modal') || tags.has('Auxiliary')) return out;
  let i = v + 1;
  if (['up', 'down', 'away', 'out', 'off', 'back'].includes(c.word(i))) i++;
  if (clauseEndsAt(c, i)) out.push({ i, slots: s.slots });
  return out;
};

/** Whether token i starts a relative clause ("who", "that", "which", "whom", "whose"). */
export const relativeAt = (c: Ctx, i: number): boolean =>
  RELATIVE.has(c.word(i)) || c.word(i) === 'whom' || c.word(i) === 'whose';
