// Gloss's construction grammar: finds the phrases of a math word problem that an LLM may misread
// ("6 times older than Sam", "5 more than twice as many", "a third of the remainder", "average
// speed", "every other day"), parses their slots (quantities, multipliers, fractions, referents,
// units, periods) and renders a short gloss from them, in the phrase's own words. One gloss per
// phrase; where nothing parses, nothing is glossed. Pure and synchronous; the caller decides
// (through the bundle's task gate) whether a text is a math problem at all.
import { additive } from './constructions/additive.ts';
import { averageFamily } from './constructions/average.ts';
import { fractionFamily } from './constructions/fraction.ts';
import { multiplicative } from './constructions/multiplicative.ts';
import { percentFamily } from './constructions/percent.ts';
import { periodicFamily } from './constructions/periodic.ts';
import { rateFamily } from './constructions/rate.ts';
import { ratioFamily } from './constructions/ratio.ts';
import { sequenceFamily } from './constructions/sequence.ts';
import { workRateFamily } from './constructions/work-rate.ts';
import type { ConstructionFamily } from './families.ts';
import { clauseEndAfter } from './clause-end.ts';
import { Ctx, runGrammar, type ConstructionDef } from './engine.ts';
import { PARTICLES } from './lexicon.ts';
import { tokenize } from './tokenize.ts';
import { quantity } from './slots.ts';

export { CONSTRUCTION_FAMILIES, type ConstructionFamily } from './families.ts';
export { asksForQuantity, inFirstPersonSentence } from './asks.ts';

/** A construction found in a text, with its rendered gloss and where the gloss goes. */
export interface Construction {
  family: ConstructionFamily;
  /** Stable construction id, e.g. 'times-as-many', 'n-times-more-than', 'fraction-of-remainder'. */
  kind: string;
  /** UTF-16 offsets `[start, end)` of the whole phrase; never inside a word, number or time. */
  span: { start: number; end: number };
  /** The gloss: restates the relation in the phrase's own words, at most MAX_GLOSS_WORDS words, never solves. */
  gloss: string;
  /** The phrase has two readings in English ("N times more than"); the gloss says which it takes. */
  ambiguous?: boolean;
  /** UTF-16 offset where the gloss goes: after the whole phrase (and after a verb particle that follows it). */
  insertAt: number;
}

/** Every construction of the grammar, all families. */
export const CONSTRUCTIONS: readonly ConstructionDef[] = [
  ...multiplicative,
  ...fractionFamily,
  ...percentFamily,
  ...rateFamily,
  ...additive,
  ...ratioFamily,
  ...averageFamily,
  ...sequenceFamily,
  ...workRateFamily,
  ...periodicFamily,
];

/** Every construction kind with its family, for rules that name kinds. */
export const CONSTRUCTION_KINDS: ReadonlyMap<string, ConstructionFamily> = new Map(
  CONSTRUCTIONS.map((d) => [d.kind, d.family as ConstructionFamily]),
);

// A comparison with a state at another time ("3 times as old as Mary was 5 years ago", "twice as
// many as he had last year"): the gloss would name the present quantity, so there is none.
const COMPARISONS = new Set(['multiplicative', 'additive-comparison']);
const OTHER_TIME =
  /^\s+(?:was|were|will be|would be|had been|used to (?:be|have)|had)\b[^.?!;\n]{0,30}?\b(?:ago|then|when|before|last|next|in \S+ years?|at that time)\b/i;

/**
 * The constructions of `text`, sorted by span start, non-overlapping (where two parses overlap, the
 * more specific construction wins: "5 more than twice as many" is one 'n-more-than-k-times').
 * Never throws; a text with no construction gives [].
 */
export function findConstructions(text: string): Construction[] {
  const toks = tokenize(text);
  if (!toks.length) return [];
  const c = new Ctx(text, toks);
  const found = runGrammar(c, CONSTRUCTIONS)
    .filter((f) => f.gloss)
    .filter((f) => !(COMPARISONS.has(f.def.family) && OTHER_TIME.test(text.slice(toks[f.to - 1].end))))
    .map((f) => {
      const start = toks[f.from].start;
      const end = toks[f.to - 1].end;
      let insertAt = end;
      // A verb particle right after the phrase stays with its verb: "gave half of them away ⟦…⟧".
      const next = toks[f.to];
      const after = toks[f.to + 1];
      if (
        next?.type === 'word' &&
        PARTICLES.has(next.lower) &&
        (c.tags(f.to).has('Particle') || !after || after.type === 'punct') &&
        !['in', 'on', 'over'].includes(next.lower)
      )
        insertAt = next.end;
      // A rate's activity ends the clause: "earns $12 per hour babysitting ⟦…⟧." (not inside it).
      else if (
        f.def.family === 'rate' &&
        next?.type === 'word' &&
        /ing$/.test(next.lower) &&
        (!after || after.type === 'punct')
      )
        insertAt = next.end;
      // "last year's price of $75 ⟦…⟧", "reduced by 15% to $1,020 ⟦…⟧", "each year on $1,000 ⟦…⟧": an
      // amount after "of", "to" or "on" belongs to the phrase
      else if (next && ['of', 'to', 'on'].includes(next.lower) && quantity(c, f.to + 1))
        insertAt = toks[quantity(c, f.to + 1)!.to - 1].end;
      // "a 10% tip on a $40 meal ⟦…⟧": the amount and its noun, after a determiner
      else if (
        f.def.family === 'percent' &&
        next &&
        ['of', 'on'].includes(next.lower) &&
        ['a', 'an', 'the', 'his', 'her', 'their', 'its'].includes(c.word(f.to + 1)) &&
        quantity(c, f.to + 2)
      ) {
        const q = quantity(c, f.to + 2)!;
        insertAt = toks[q.to]?.type === 'word' && c.tags(q.to).has('Noun') ? toks[q.to].end : toks[q.to - 1].end;
      }
      // "last year's $1,200 a month ⟦…⟧": the amount a bare possessive stands before
      else if (toks[f.to - 1].possessive && quantity(c, f.to)) {
        const q = quantity(c, f.to)!;
        const per = toks[q.to]?.lower === 'a' || toks[q.to]?.lower === 'per' ? toks[q.to + 1] : undefined;
        insertAt = per?.type === 'word' ? per.end : toks[q.to - 1].end;
      }
      // "10% of its original value each year ⟦…⟧": the period belongs to the phrase
      else if (
        next &&
        ['each', 'every', 'per'].includes(next.lower) &&
        after?.type === 'word' &&
        PERIOD_WORDS.has(after.lower)
      )
        insertAt = after.end;
      // "a 15% off coupon ⟦…⟧", "the 20% off sale ⟦…⟧": the noun the percentage modifies ends the phrase
      else if (f.def.family === 'percent' && next?.type === 'word' && COMPOUND_HEADS.has(next.lower))
        insertAt = next.end;
      // "20% off all shoes ⟦…⟧", "50% off any food combos ⟦…⟧": what the discount is on ends the phrase
      if (insertAt === end && f.def.family === 'percent' && toks[f.to - 1].lower === 'off') {
        const np = offObjectEnd(c, f.to);
        if (np !== undefined) insertAt = toks[np - 1].end;
      }
      // "pays $300 a month off her loan", "12% of the students in a school of 850": the phrase runs
      // on into an object or a modifier; no safe place
      if (insertAt === end && next?.lower === 'off' && after?.type === 'word') return undefined;
      if (
        insertAt === end &&
        f.def.kind === 'percent-of' &&
        next &&
        ['in', 'at', 'from', 'on', 'of', 'with'].includes(next.lower) &&
        toks.slice(f.to + 1, f.to + 6).some((t) => t.type === 'num')
      )
        return undefined;
      const out: Construction = {
        family: f.def.family as ConstructionFamily,
        kind: f.def.kind,
        span: { start, end },
        gloss: f.gloss,
        insertAt,
      };
      if (f.ambiguous) out.ambiguous = true;
      return out;
    })
    .filter((x): x is Construction => x !== undefined);
  return found.map((x, n) => atClauseEnd(c, x, found[n + 1])).filter((x): x is Construction => x !== undefined);
}

// "40% of the cows ⟦…⟧ on his farm": a preposition after a percentage's base goes on with the base
const BASE_GOES_ON = new Set([
  'in',
  'on',
  'at',
  'from',
  'for',
  'among',
  'across',
  'around',
  'near',
  'inside',
  'outside',
]);

/**
 * `x` with its gloss moved to the end of its clause where that end is near ("15% of the trees died
 * ⟦…⟧", "increased by 15% last year ⟦…⟧"), never past the next construction's phrase; undefined
 * where a percentage's base runs on into a prepositional phrase that does not end near.
 */
function atClauseEnd(c: Ctx, x: Construction, next: Construction | undefined): Construction | undefined {
  const k = c.toks.findIndex((t) => t.end === x.insertAt);
  if (k < 0) return x;
  const stop = next ? c.toks.findIndex((t) => t.start >= next.span.start) : c.toks.length;
  const last = clauseEndAfter(c, k + 1, stop < 0 ? c.toks.length : stop);
  if (last !== undefined) return { ...x, insertAt: c.toks[last].end };
  // no near clause end, and the base runs on past the gloss: no safe place
  if (x.kind === 'percent-of' && BASE_GOES_ON.has(c.word(k + 1))) return undefined;
  return x;
}

const OFF_DETERMINERS = new Set([
  'all',
  'any',
  'every',
  'each',
  'the',
  'a',
  'an',
  'his',
  'her',
  'their',
  'its',
  'your',
  'our',
  'my',
]);

/**
 * The token index after the noun phrase a discount is on ("off | all shoes", "off | any food combos",
 * "off | tickets"): an optional determiner, then up to 4 nouns and adjectives; undefined where no
 * noun follows.
 */
function offObjectEnd(c: Ctx, from: number): number | undefined {
  let i = from;
  if (OFF_DETERMINERS.has(c.word(i))) i++;
  let end: number | undefined;
  for (let n = 0; n < 4 && c.toks[i]?.type === 'word'; n++, i++) {
    const t = c.tags(i);
    if (t.has('Verb') || t.has('Preposition') || t.has('Conjunction') || t.has('Pronoun')) break;
    if (!t.has('Noun') && !t.has('Adjective')) break;
    if (t.has('Noun')) end = i + 1;
  }
  return end;
}

const PERIOD_WORDS = new Set(['second', 'minute', 'hour', 'day', 'night', 'week', 'month', 'quarter', 'year', 'annum']);

// Nouns a percentage phrase can modify ("a 15% off coupon"): the gloss goes after them.
const COMPOUND_HEADS = new Set([
  'coupon',
  'coupons',
  'sale',
  'deal',
  'code',
  'voucher',
  'promotion',
  'offer',
  'tag',
  'sticker',
  'card',
]);

export { MAX_GLOSS_WORDS, glossWords } from './render.ts';
