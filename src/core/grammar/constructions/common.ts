// Pieces the families share: the referent slot, the two sides of a comparison, and the dimension a
// clause's verb measures ("weighs three times as much" -> weight).
import { slots, type Parse, type Pattern, type Slot } from '../engine.ts';
import { AS_ADJECTIVES, VERB_DIMENSIONS } from '../lexicon.ts';
import { nameOf, possessiveOf, readReferents, sideOf, subjectBefore, type Referent } from '../referents.ts';

/** The referent slot `name`: every noun-phrase reading at the current token. */
export function ref(name = 'ref'): Pattern {
  return slots(name, (c, i) => readReferents(c, i));
}

/** The referent in slot `name` of a parse. */
export function refOf(p: Parse, name = 'ref'): Referent | undefined {
  return p.slots[name] as Referent | undefined;
}

/** Source text of a slot. */
export function text(p: Parse, s: Slot | undefined): string {
  return s ? p.c.slice(s.from, s.to) : '';
}

/** The dimension of "as ADJ [UNIT] as": "old" -> age, "many apples" -> apples, "much" after "weighs" -> weight. */
export function asDimension(p: Parse): { dim: string; unit: string } {
  const adj = text(p, p.slots.adj).toLowerCase();
  const u = text(p, p.slots.unit);
  if (u) return { dim: '', unit: u };
  const dim = AS_ADJECTIVES[adj] ?? '';
  if (dim) return { dim, unit: '' };
  return { dim: adj === 'much' ? verbDimension(p, p.from) : '', unit: '' };
}

/** The dimension measured by the verb just before token `at` ("weighs" -> "weight"), or ''. */
export function verbDimension(p: Parse, at: number): string {
  for (let k = at - 1; k >= Math.max(0, at - 3); k--) {
    const wd = p.c.word(k);
    if (wd in VERB_DIMENSIONS) return VERB_DIMENSIONS[wd];
  }
  return '';
}

// Heads that name no referent on their own ("than the number he had caught").
const GENERIC_HEADS = new Set(['number', 'amount', 'total', 'quantity']);

/**
 * The two sides of a comparison of `dim` between the clause's subject and referent `r`, as named
 * in a gloss: ["Tom's apples", "Jerry's apples"], ["muffins", "bagels"] (two counted nouns),
 * ["price", "last year's price"]. `unit` is the counted noun the phrase names ("5 more apples"),
 * if any. Null where the subject cannot be found and the phrase does not name both sides.
 */
export function comparisonSides(
  p: Parse,
  r: Referent | undefined,
  dimIn: string,
  unit: string,
): [string, string] | null {
  if (!r) return null;
  const c = p.c;
  // "8 more than they lost", "half as fast as she can run": the other side is a clause, not a referent
  if (r.role === 'pronoun' && c.toks[r.to]?.type === 'word' && c.tags(r.to).has('Verb')) return null;
  // "60% more fish than the number he had caught": a bare "number" or "amount" names no referent
  if (r.ofFrom === undefined && GENERIC_HEADS.has(c.toks[r.head].lower)) return null;
  const sides = sidesOf(p, r, dimIn, unit);
  // "it will grow 50% more than the first year": "it = the first year's it × 1.5" names nothing
  if (sides?.some((x) => /(?:^|\s|'s\s)(?:it|they|them|he|she|him|her)$/i.test(x))) return null;
  // "his silver pesos = 2 × his silver pesos": both sides read the same, so neither is known
  return sides && sides[0].toLowerCase() !== sides[1].toLowerCase() ? sides : null;
}

function sidesOf(p: Parse, r: Referent, dimIn: string, unit: string): [string, string] | null {
  let dim = dimIn;
  const c = p.c;
  // Two counted nouns: "5 more muffins than bagels", "twice as many boys as girls", "more corn than
  // wheat"; not "more apples than his brothers" (the brothers' apples).
  const owned =
    c.toks[r.from].possessive || ['his', 'her', 'their', 'my', 'our', 'your', 'its'].includes(c.word(r.from));
  const bare = r.from === r.nameFrom && !owned && r.role === 'thing' && !/^[A-Z]/.test(c.toks[r.from].text);
  const unitPerson =
    unit !== '' &&
    /\b(boys|girls|men|women|children|adults|kids|students|teachers|people|players|members|guests|visitors|workers)$/i.test(
      unit,
    );
  const counted = r.role !== 'pronoun' && !owned && (r.plural || bare) && (r.role !== 'person' || unitPerson);
  if (unit && counted && (r.ofFrom === undefined || /^(number|amount)$/.test(c.word(r.nameTo - 1))))
    return [unit, nameOf(c, r)];
  const subj = subjectBefore(c, p.from);
  // "shorter", "longer" of people measure height
  if (dim === 'length' && ((subj && (subj.role === 'person' || subj.role === 'pronoun')) || r.role === 'person'))
    dim = 'height';
  if (r.role === 'time') {
    if (!subj || subj.role === 'time') return null;
    const measured = dim || c.toks[subj.head].lower;
    const a = dim ? sideOf(c, subj, dim) : nameOf(c, subj);
    return [a, `${possessiveOf(c, r)} ${measured}`];
  }
  if (!subj) return null;
  const d = dim || unit || (subj.role === 'thing' && r.role === 'thing' ? '' : 'amount');
  return [sideOf(c, subj, d), sideOf(c, r, d)];
}

/**
 * The phrase's sentence around it, as text: `[before, after]`, from the sentence's first token to
 * the phrase, and from the phrase's end to the next ".", "?", "!" (not a decimal point) or newline.
 */
export function sentenceAround(p: Parse): [string, string] {
  const c = p.c;
  const from = c.toks[c.sentenceStart(p.from)].start;
  const after = c.text.slice(c.toks[p.to - 1].end);
  const stop = /[.?!](?!\d)|\n/.exec(after);
  return [c.text.slice(from, c.toks[p.from].start), after.slice(0, stop ? stop.index : after.length)];
}

/** The phrase's sentence before the phrase, as text. */
export function sentenceBefore(p: Parse): string {
  return sentenceAround(p)[0];
}

/** The phrase's sentence after the phrase, as text. */
export function sentenceAfter(p: Parse): string {
  return sentenceAround(p)[1];
}
