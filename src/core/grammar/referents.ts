// Referents: the noun phrases a construction relates ("Sam", "her little brother", "the number of
// bagels", "last year"), the subject of the clause a construction sits in, and how to name them in
// a gloss ("Sam's age", "bagels", "last year's price"). Where no referent is found, renderers fall
// back to neutral words ("that amount").
import type { Ctx, Slot } from './engine.ts';
import { DETERMINERS, PERIODS, PRONOUN_POSSESSIVE, TIME_REFERENTS, TRAILING_AUX } from './lexicon.ts';
import { contentWord } from './slots.ts';

/** A referent noun phrase: its token range, role, and the tokens that name it. */
export interface Referent extends Slot {
  role: 'person' | 'pronoun' | 'thing' | 'time';
  plural: boolean;
  /** Token range of the naming words (without determiner "the/a", trailing auxiliaries or clause). */
  nameFrom: number;
  nameTo: number;
  /** Index of the head noun. */
  head: number;
  /** "the number of cats": the range of what follows "of" when the head is a measure word. */
  ofFrom?: number;
  ofTo?: number;
}

const MEASURE_HEADS = new Set([
  'number',
  'amount',
  'price',
  'cost',
  'weight',
  'height',
  'age',
  'length',
  'size',
  'value',
  'speed',
  'distance',
  'area',
  'population',
  'salary',
  'quantity',
]);

const PERSON_NOUNS = new Set([
  'brother',
  'sister',
  'friend',
  'mother',
  'father',
  'mom',
  'dad',
  'son',
  'daughter',
  'cousin',
  'uncle',
  'aunt',
  'grandma',
  'grandpa',
  'grandmother',
  'grandfather',
  'wife',
  'husband',
  'teacher',
  'boss',
  'neighbor',
  'classmate',
  'partner',
  'coworker',
  'colleague',
  'roommate',
  'teammate',
  'boy',
  'girl',
  'man',
  'woman',
  'child',
  'baby',
]);

const TIME_MODIFIERS = new Set(['last', 'next', 'previous', 'this', 'the']);

function isVerbLike(c: Ctx, i: number): boolean {
  const tags = c.tags(i);
  if (!tags.has('Verb')) return false;
  if (tags.has('Noun') || tags.has('Adjective') || tags.has('Plural')) return false;
  return true;
}

function nounish(c: Ctx, i: number, first: boolean): boolean {
  if (!contentWord(c, i)) return false;
  const tags = c.tags(i);
  if (tags.has('Preposition') || tags.has('Conjunction') || tags.has('Pronoun')) return false;
  if (tags.has('Adverb') && !tags.has('Adjective') && !tags.has('Noun')) return false;
  if (isVerbLike(c, i)) {
    // compromise reads some plural nouns after a number as verbs ("5 more muffins"): a first word in
    // -s with no past or -ing form is taken as a noun; later verbs end the phrase.
    if (!first) return false;
    if (tags.has('PastTense') || tags.has('Gerund') || tags.has('Auxiliary') || tags.has('Modal')) return false;
    if (!/[^s]s$/.test(c.word(i))) return false;
  }
  return true;
}

function roleOf(c: Ctx, from: number, to: number, head: number): { role: Referent['role']; plural: boolean } {
  let person = false;
  for (let k = from; k < to; k++) {
    const tags = c.tags(k);
    if (tags.has('Person') || tags.has('FirstName') || tags.has('ProperNoun') || tags.has('Actor')) person = true;
    if (PERSON_NOUNS.has(c.toks[k].base)) person = true;
  }
  const h = c.toks[head];
  const tags = c.tags(head);
  const plural =
    !h.possessive &&
    (tags.has('Plural') || (/[^s']s$/.test(h.lower) && !tags.has('Singular') && !tags.has('ProperNoun')));
  return { role: person ? 'person' : 'thing', plural };
}

/**
 * Noun-phrase readings at token i, longest last: a pronoun, a time ("last year", "yesterday", "the
 * day before"), or [determiner | possessive] content words [of NP]; optionally closed by an
 * auxiliary ("than Jerry does"). Empty when no referent starts at i.
 */
export function readReferents(c: Ctx, i: number, withTrail = true): Referent[] {
  const t = c.toks[i];
  if (!t || t.type !== 'word') return [];
  const out: Referent[] = [];
  const finish = (r: Referent) => {
    out.push(r);
    if (!withTrail) return;
    const aux = c.toks[r.to];
    const after = c.toks[r.to + 1];
    if (aux && aux.type === 'word' && TRAILING_AUX.has(aux.lower) && (!after || after.type === 'punct'))
      out.push({ ...r, to: r.to + 1 });
  };
  // "her" before a noun is a determiner ("her brother"), alone a pronoun ("than her").
  const herDet = t.lower === 'her' && nounish(c, i + 1, true);
  if (t.lower in PRONOUN_POSSESSIVE && !t.possessive && !herDet) {
    finish({ from: i, to: i + 1, role: 'pronoun', plural: false, nameFrom: i, nameTo: i + 1, head: i });
    return out;
  }
  if (t.lower in TIME_REFERENTS) {
    finish({ from: i, to: i + 1, role: 'time', plural: false, nameFrom: i, nameTo: i + 1, head: i });
    return out;
  }
  // "last year", "the previous day", "the day before"
  if (TIME_MODIFIERS.has(t.lower)) {
    let j = i + 1;
    if (t.lower === 'the' && ['previous', 'last', 'first'].includes(c.word(j))) j++;
    if (c.word(j) in PERIODS && (j > i + 1 || t.lower !== 'the' || c.word(j + 1) === 'before')) {
      const to = c.word(j + 1) === 'before' ? j + 2 : j + 1;
      finish({ from: i, to, role: 'time', plural: false, nameFrom: i, nameTo: to, head: j });
      return out;
    }
  }
  let j = i;
  let nameFrom = i;
  if (t.possessive) {
    j = i + 1; // "Sam's little brother" or just "Sam's"
  } else if (DETERMINERS.has(t.lower)) {
    j = i + 1;
    if (['the', 'a', 'an'].includes(t.lower)) nameFrom = j;
    // "the dog's bowl"
    if (c.toks[j]?.possessive && contentWord(c, j)) j++;
  }
  const startContent = j;
  while (j < startContent + 4 && nounish(c, j, j === startContent)) j++;
  if (j === startContent) {
    if (t.possessive) {
      const r = roleOf(c, i, i + 1, i);
      finish({ from: i, to: i + 1, ...r, nameFrom: i, nameTo: i + 1, head: i });
    }
    return out;
  }
  const head = j - 1;
  const role = roleOf(c, i, j, head);
  const base: Referent = { from: i, to: j, ...role, nameFrom, nameTo: j, head };
  finish(base);
  // "the number of cats", "a box of pears"
  if (c.word(j) === 'of') {
    const inner = readReferents(c, j + 1, false).filter((r) => r.role !== 'pronoun');
    const longest = inner[inner.length - 1];
    if (longest) {
      const measure = MEASURE_HEADS.has(c.toks[head].lower);
      finish({
        ...base,
        to: longest.to,
        nameTo: measure ? base.nameTo : longest.to,
        ofFrom: longest.nameFrom,
        ofTo: longest.to,
        plural: measure ? longest.plural : base.plural,
        role: measure ? longest.role : base.role,
        head: measure ? longest.head : head,
      });
    }
  }
  return out;
}

/** A pattern-side reader: every referent reading at i as a slot. */
export function referents(c: Ctx, i: number): Slot[] {
  return readReferents(c, i);
}

const CLAUSE_OPENERS = new Set([
  'if',
  'when',
  'and',
  'but',
  'so',
  'then',
  'now',
  'also',
  'since',
  'because',
  'while',
  'suppose',
  'assume',
  'after',
  'meanwhile',
]);

/**
 * The subject of the clause that token `at` sits in: the noun phrase opening the clause (after a
 * sentence start, comma, semicolon or conjunction), followed by a verb. Undefined for "there is"
 * and where no such phrase is found.
 */
export function subjectBefore(c: Ctx, at: number): Referent | undefined {
  let k = at - 1;
  const start = c.sentenceStart(at);
  while (k >= start) {
    const t = c.toks[k];
    if (t.type === 'punct' && /^[,;:]$/.test(t.text)) break;
    if (t.type === 'word' && ['and', 'but', 'while', 'whereas', 'so'].includes(t.lower)) break;
    k--;
  }
  let i = k + 1;
  while (i < at && CLAUSE_OPENERS.has(c.word(i))) i++;
  if (i >= at || c.word(i) === 'there') return undefined;
  // "In 2010, Ruby ..." is cut at the comma above; "Last year Ruby ..." keeps the time phrase out.
  const rs = readReferents(c, i, false).filter((r) => r.role !== 'time' && r.to < at);
  for (let n = rs.length - 1; n >= 0; n--) {
    const r = rs[n];
    if (r.to < at && (isVerbLike(c, r.to) || c.tags(r.to).has('Verb'))) return r;
  }
  return undefined;
}

function stripDet(c: Ctx, from: number, to: number): string {
  return c.slice(from, to).replace(/\s+/g, ' ');
}

/** The words that name a referent in a gloss: "Sam", "her brother", "cats" (for "the number of cats"), "box of pears". */
export function nameOf(c: Ctx, r: Referent): string {
  if (r.ofFrom !== undefined && r.nameTo <= r.head + 1 && MEASURE_HEADS.has(c.toks[r.nameTo - 1]?.lower ?? '')) {
    // "the number of cats" -> "cats"; "the price of the book" -> "the book's price" (see possessive)
    if (c.toks[r.nameTo - 1].lower === 'number' || c.toks[r.nameTo - 1].lower === 'amount')
      return stripDet(c, r.ofFrom, r.ofTo!);
  }
  const t = c.toks[r.nameTo - 1];
  if (t?.possessive && r.nameTo === r.nameFrom + 1) return t.text.replace(/(['\u2019]s|['\u2019])$/, '');
  return stripDet(c, r.nameFrom, r.nameTo);
}

/** The possessive of a referent: "Sam's", "her brother's", "his" (for "he"), "last year's". */
export function possessiveOf(c: Ctx, r: Referent): string {
  if (r.role === 'pronoun') return PRONOUN_POSSESSIVE[c.word(r.from)];
  if (r.role === 'time') {
    const single = TIME_REFERENTS[c.word(r.from)];
    if (single && r.to === r.from + 1) return single;
    return `${stripDet(c, r.nameFrom, r.nameTo)}'s`.replace(/^the /i, 'the ');
  }
  const t = c.toks[r.nameTo - 1];
  if (t?.possessive && r.nameTo === r.nameFrom + 1) return t.text;
  const name = nameOf(c, r);
  return /s$/.test(name) && r.plural ? `${name}'` : `${name}'s`;
}

/**
 * One side of a relation about dimension `dim` ("age", "apples", "" for a bare amount): "Sam's age",
 * "bagels" (a plural thing counted directly), "her", "that amount" when `r` is missing.
 */
export function sideOf(c: Ctx, r: Referent | undefined, dim: string): string {
  if (!r) return dim ? `that ${dim}` : 'that amount';
  if (!dim)
    return r.role === 'pronoun'
      ? `${PRONOUN_POSSESSIVE[c.word(r.from)]} amount`
      : r.role === 'time'
        ? `${possessiveOf(c, r)} amount`
        : nameOf(c, r);
  if (r.role === 'thing' && r.plural && r.ofFrom === undefined) return nameOf(c, r);
  if (c.toks[r.head].base === dim || c.toks[r.nameTo - 1].base === dim) return nameOf(c, r); // "Sam's age"
  return `${possessiveOf(c, r)} ${dim}`;
}
