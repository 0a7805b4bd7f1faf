// Where a gloss goes when its phrase is not the end of its clause: "15% of the trees ⟦…⟧ died"
// and "increased by 15% ⟦…⟧ last year" split a clause; the gloss reads better at the clause's end,
// "15% of the trees died ⟦…⟧.", as long as that end is near (a gloss far from its phrase is no
// better) and no other phrase lies between.
import type { Ctx } from './engine.ts';

/** Words that open a new clause: the gloss stops before them. */
const CLAUSE_OPENERS = new Set([
  'and',
  'but',
  'while',
  'whereas',
  'so',
  'then',
  'if',
  'when',
  'because',
  'although',
  'though',
  'how',
  'what',
  'unless',
  'until',
]);

// A clause does not end on these: "is how much …" would leave the gloss after a dangling verb.
const NO_END = new Set([
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'has',
  'have',
  'had',
  'does',
  'do',
  'did',
  'than',
  'as',
  'to',
  'of',
  'a',
  'an',
  'the',
  'will',
  'would',
  'can',
  'could',
  'should',
  'must',
  'may',
  'might',
]);

// Prepositions that bring in an amount belonging to the clause: "to $49,500", "over $100", "of 14 people".
const AMOUNT_PREPOSITIONS = new Set(['to', 'over', 'above', 'under', 'below', 'of', 'for', 'from', 'on']);

/** Whether the amount token at i (or its currency sign) follows one of AMOUNT_PREPOSITIONS. */
function amountOfClause(c: Ctx, i: number): boolean {
  const before = c.toks[i - 1]?.type === 'sym' ? i - 2 : i - 1;
  return AMOUNT_PREPOSITIONS.has(c.word(before));
}

/** Whether the word at i continues a phrase after "and" (an adjective or noun, not a subject or verb). */
function joinsWords(c: Ctx, i: number): boolean {
  const t = c.tags(i);
  if (c.toks[i]?.type !== 'word' || t.has('Pronoun') || t.has('Determiner') || t.has('Verb') || t.has('Value'))
    return false;
  if (['then', 'the', 'a', 'an', 'another', 'each', 'every', 'all', 'some'].includes(c.word(i))) return false;
  // a plural noun or an adjective ("cars and trucks", "first and second"); a singular noun may be a
  // verb the tagger misread ("and rose 20%")
  return t.has('Adjective') || (t.has('Noun') && t.has('Plural'));
}

/** At most this many words between the phrase and its clause's end. */
export const MAX_CLAUSE_WORDS = 8;

/**
 * The token index after which the gloss goes: the last token of the clause that token `from - 1`
 * ends in, when the clause ends (punctuation, the text's end, or a word that opens a new clause)
 * within MAX_CLAUSE_WORDS words and before token `stop` (the next phrase's first token); a
 * non-restrictive relative clause (", who has 50 marbles") counts as part of it. Undefined where the
 * phrase should keep the gloss at its own end: the clause goes on too long, holds another amount
 * (a number, time or date, where the gloss would read as that amount's), or `from` already ends it.
 */
export function clauseEndAfter(c: Ctx, from: number, stop: number): number | undefined {
  let i = from;
  let words = 0;
  // ", which costs $2.50" / ", who has 50 marbles": the clause that describes the referent
  const relative = c.toks[i]?.text === ',' && ['who', 'which'].includes(c.word(i + 1));
  if (relative) i += 1;
  for (; i < c.toks.length && i < stop; i++) {
    const t = c.toks[i];
    if (t.type === 'punct' && /^[,.;:?!)\]"\u201D]$/.test(t.text)) break;
    if (t.type === 'punct' && t.text !== '-' && t.text !== "'" && t.text !== '\u2019') return undefined;
    if (i > from && c.text.slice(c.toks[i - 1].end, t.start).includes('\n')) break;
    // "by Jordan and Lee": names joined by "and" are one phrase, and the clause's end is past them
    if (
      t.type === 'word' &&
      (t.lower === 'and' || t.lower === 'or') &&
      /^[A-Z]/.test(c.toks[i - 1]?.text ?? '') &&
      /^[A-Z]/.test(c.toks[i + 1]?.text ?? '')
    )
      return undefined;
    // "supporters of the first and second teams": "and" before an adjective or noun joins words, not clauses
    if (t.type === 'word' && (t.lower === 'and' || t.lower === 'or') && joinsWords(c, i + 1)) return undefined;
    // "8 ounces every 2 hours while awake ⟦…⟧": "while" before an adjective or a gerund is a condition of the clause
    const condition = t.lower === 'while' && (c.tags(i + 1).has('Adjective') || /ing$/.test(c.word(i + 1)));
    if (t.type === 'word' && CLAUSE_OPENERS.has(t.lower) && i > from && !condition) break;
    if (t.type === 'word' && CLAUSE_OPENERS.has(t.lower) && !condition) return undefined;
    if (t.type === 'word' && ++words > MAX_CLAUSE_WORDS) return undefined;
    // "gives the bottom 20% of people a $2000 stimulus": a gloss after another amount would read as
    // its; an amount the clause's own preposition brings in ("increased by 10% this year to $49,500",
    // "15% off any purchase over $100") is part of the clause
    if (!relative && t.type !== 'word' && t.type !== 'punct' && !amountOfClause(c, i)) return undefined;
  }
  if (i >= stop && i < c.toks.length) return undefined;
  if (i <= from) return undefined;
  // "on Monday, Tuesday and Friday": the comma goes on with a list, so its end is not the clause's
  if (
    c.toks[i]?.text === ',' &&
    /^[A-Z]/.test(c.toks[i + 1]?.text ?? '') &&
    [',', 'and', 'or'].includes(c.word(i + 2) || c.toks[i + 2]?.text)
  )
    return undefined;
  const last = c.toks[i - 1];
  if (
    last.type === 'word' &&
    (NO_END.has(last.lower) || c.tags(i - 1).has('Preposition') || c.tags(i - 1).has('Determiner'))
  )
    return undefined;
  return i - 1;
}
