// Referents: the noun phrases a construction relates ("Sam", "her little brother", "the number of
// bagels", "last year"), the subject of the clause a construction sits in, and how to name them in
// a gloss ("Sam's age", "bagels", "last year's price"). Where no referent is found, renderers fall
// back to neutral words ("that amount").
import type { Ctx, Slot } from './engine.ts';
import { DETERMINERS, PERIODS, PRONOUN_POSSESSIVE, TIME_REFERENTS, TRAILING_AUX, VERB_DIMENSIONS } from './lexicon.ts';
import { contentWord, numberWordValue } from './slots.ts';

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
  if (!contentWord(c, i) || c.word(i) in TIME_REFERENTS) return false;
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

/** Whether token i names a person (a name, "brother", "students"). */
export function personWord(c: Ctx, i: number): boolean {
  const tags = c.tags(i);
  const t = c.toks[i];
  if (!t) return false;
  if (tags.has('Person') || tags.has('FirstName') || tags.has('Actor')) return true;
  return (
    PERSON_NOUNS.has(t.base) ||
    PERSON_NOUNS.has(t.base.replace(/(?<=[^s])s$/, '')) ||
    /^(men|women|children|people)$/.test(t.base)
  );
}

function roleOf(c: Ctx, _from: number, _to: number, head: number): { role: Referent['role']; plural: boolean } {
  const h = c.toks[head];
  const tags = c.tags(head);
  const person = personWord(c, head) || (tags.has('ProperNoun') && !tags.has('Place') && /^[A-Z]/.test(h.text));
  const plural =
    !h.possessive &&
    (tags.has('Plural') || (/[^s']s$/.test(h.lower) && !tags.has('Singular') && !tags.has('ProperNoun')));
  return { role: person ? 'person' : 'thing', plural };
}

/** Reading `r`, and with `withTrail` also `r` closed by a trailing auxiliary at the clause end ("than Jerry does"). */
function withTrailingAux(c: Ctx, r: Referent, withTrail: boolean): Referent[] {
  if (!withTrail) return [r];
  const aux = c.toks[r.to];
  const after = c.toks[r.to + 1];
  if (aux && aux.type === 'word' && TRAILING_AUX.has(aux.lower) && (!after || after.type === 'punct'))
    return [r, { ...r, to: r.to + 1 }];
  return [r];
}

/** A pronoun ("than her") or a time ("yesterday", "last year", "the day before") at i, else undefined. */
function pronounOrTime(c: Ctx, i: number): Referent | undefined {
  const t = c.toks[i];
  // "her" before a noun is a determiner ("her brother"), alone a pronoun ("than her").
  const herDet = t.lower === 'her' && nounish(c, i + 1, true);
  if (t.lower in PRONOUN_POSSESSIVE && !t.possessive && !herDet)
    return { from: i, to: i + 1, role: 'pronoun', plural: false, nameFrom: i, nameTo: i + 1, head: i };
  if (t.lower in TIME_REFERENTS)
    return { from: i, to: i + 1, role: 'time', plural: false, nameFrom: i, nameTo: i + 1, head: i };
  // "last year", "the previous day", "the day before"
  if (TIME_MODIFIERS.has(t.lower)) {
    let j = i + 1;
    if (t.lower === 'the' && ['previous', 'last', 'first'].includes(c.word(j))) j++;
    if (c.word(j) in PERIODS && (j > i + 1 || t.lower !== 'the' || c.word(j + 1) === 'before')) {
      const to = c.word(j + 1) === 'before' ? j + 2 : j + 1;
      return { from: i, to, role: 'time', plural: false, nameFrom: i, nameTo: to, head: j };
    }
  }
  return undefined;
}

/** Where the content words of a noun phrase at i start, past its determiner or possessive and its numbers ("the 40 guests"), and where its name starts. */
function contentStart(c: Ctx, i: number): { start: number; nameFrom: number } {
  const t = c.toks[i];
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
  // "the 40 guests", "the two groups"
  if (j > i && !t.possessive)
    while (c.toks[j]?.type === 'num' || (c.toks[j] && numberWordValue(c.word(j)) !== undefined && c.word(j) !== 'one'))
      j++;
  return { start: j, nameFrom };
}

/** The end of up to four noun words from `start` ("little brother", "the old one", "Mount Alto"). */
function contentEnd(c: Ctx, start: number): number {
  const noun = (k: number) =>
    nounish(c, k, k === start) ||
    // "the old one"
    ((c.word(k) === 'one' || c.word(k) === 'ones') && k > start) ||
    // "Mount Alto": a capitalized word that the tagger took for a verb, before a proper noun
    (k === start && /^[A-Z]/.test(c.toks[k]?.text ?? '') && contentWord(c, k) && c.tags(k + 1).has('ProperNoun'));
  let j = start;
  while (j < start + 4 && noun(j)) j++;
  return j;
}

/** "the number of cats", "a box of pears": `base` extended over its "of" phrase, or undefined. */
function ofPhrase(c: Ctx, base: Referent): Referent | undefined {
  if (c.word(base.to) !== 'of') return undefined;
  const inner = readReferents(c, base.to + 1, false).filter((r) => r.role !== 'pronoun');
  const longest = inner[inner.length - 1];
  if (!longest) return undefined;
  const measure = MEASURE_HEADS.has(c.toks[base.head].lower);
  return {
    ...base,
    to: longest.to,
    nameTo: measure ? base.nameTo : longest.to,
    ofFrom: longest.nameFrom,
    ofTo: longest.to,
    plural: measure ? longest.plural : base.plural,
    role: measure ? longest.role : base.role,
    head: measure ? longest.head : base.head,
  };
}

/**
 * Noun-phrase readings at token i, longest last: a pronoun, a time ("last year", "yesterday", "the
 * day before"), or [determiner | possessive] content words [of NP]; optionally closed by an
 * auxiliary ("than Jerry does"). Empty when no referent starts at i.
 */
export function readReferents(c: Ctx, i: number, withTrail = true): Referent[] {
  const t = c.toks[i];
  if (!t || t.type !== 'word') return [];
  const single = pronounOrTime(c, i);
  if (single) return withTrailingAux(c, single, withTrail);
  const { start, nameFrom } = contentStart(c, i);
  const j = contentEnd(c, start);
  if (j === start) {
    if (!t.possessive) return [];
    const r = roleOf(c, i, i + 1, i);
    return withTrailingAux(c, { from: i, to: i + 1, ...r, nameFrom: i, nameTo: i + 1, head: i }, withTrail);
  }
  const out: Referent[] = [];
  // Shorter readings first ("Electricity" before "Electricity cost"), the full phrase last.
  for (let k = start + 1; k < j; k++) {
    const r = roleOf(c, i, k, k - 1);
    out.push({ from: i, to: k, ...r, nameFrom, nameTo: k, head: k - 1 });
  }
  const head = j - 1;
  const base: Referent = { from: i, to: j, ...roleOf(c, i, j, head), nameFrom, nameTo: j, head };
  out.push(...withTrailingAux(c, base, withTrail));
  const of = ofPhrase(c, base);
  if (of) out.push(...withTrailingAux(c, of, withTrail));
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
  // "In 2010, Ruby ..." is cut at the comma above; "Last year Ruby ..." / "This year a ticket ..."
  // read the subject after the time phrase.
  const time = readReferents(c, i, false).filter((r) => r.role === 'time' && r.to < at);
  if (time.length) i = Math.max(...time.map((r) => r.to));
  const rs = readReferents(c, i, false).filter((r) => r.role !== 'time' && r.to < at);
  for (let n = rs.length - 1; n >= 0; n--) {
    const r = rs[n];
    if (r.to < at && (isVerbLike(c, r.to) || c.tags(r.to).has('Verb') || c.word(r.to) in VERB_DIMENSIONS)) return r;
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
  if (c.toks[r.head].base === dim || c.toks[r.nameTo - 1].base === dim) return nameOf(c, r); // "Sam's age"
  return `${possessiveOf(c, r)} ${dim}`;
}
