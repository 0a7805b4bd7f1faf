// The percent family's words: change nouns and verbs and the direction they give, price bases,
// the percent word every construction needs, and the levels whose changes are points.
import { alt, cap, opt, phrase, seq, w, when, type Parse } from '../../engine.ts';

export const DOWN_NOUNS = ['discount', 'decrease', 'reduction', 'cut', 'drop', 'markdown', 'loss', 'decline', 'fall'];
export const UP_NOUNS = ['increase', 'raise', 'markup', 'rise', 'gain', 'hike', 'growth', 'surcharge'];
// Base forms of the change verbs ("will grow", "to increase"), also in DOWN_VERBS and UP_VERBS.
const DOWN_BASE = ['decrease', 'reduce', 'drop', 'fall', 'decline', 'lower', 'shrink'];
const UP_BASE = ['increase', 'raise', 'rise', 'grow', 'climb', 'jump', 'gain', 'boost'];
export const DOWN_VERBS = [
  'decreased',
  'decreases',
  'reduced',
  'reduces',
  'cut',
  'cuts',
  'dropped',
  'drops',
  'fell',
  'falls',
  'discounted',
  'lowered',
  'declined',
  'slashed',
  'trimmed',
  'plunged',
  'dipped',
  'shrank',
  'shrinks',
  'fallen',
  'marked down',
  'marks down',
  // base forms, after "to", "will", "should" ("is expected to grow by 5% each year")
  ...DOWN_BASE,
];
export const UP_VERBS = [
  'increased',
  'increases',
  'raised',
  'raises',
  'rose',
  'rises',
  'grew',
  'grows',
  'climbed',
  'jumped',
  'soared',
  'hiked',
  'boosted',
  'went up',
  'marked up',
  'marks up',
  'gained',
  'risen',
  'grown',
  ...UP_BASE,
];

// The change verbs' base forms ("will grow", "to increase").
export const BASE_FORMS = new Set([...DOWN_BASE, ...UP_BASE]);

// Words after which a base form is a noun or an adjective's ("a lower 4% rate", "a raise 5% bigger"),
// not a verb ("is expected to grow", "food costs increase by 50%").
const DETERMINERS = new Set([
  'a',
  'an',
  'the',
  'this',
  'that',
  'his',
  'her',
  'their',
  'its',
  'our',
  'my',
  'your',
  'any',
  'no',
]);

/** Whether the phrase opens with a change verb's base form after a determiner, so no verb ("a lower 4% rate"). */
export function bareBaseForm(p: Parse): boolean {
  return BASE_FORMS.has(p.c.word(p.from)) && DETERMINERS.has(p.c.word(p.from - 1));
}

/** The direction of the percentage change named around slot `pct`: true = down, false = up, undefined = none. */
export function changeDirection(p: Parse, from: number, to: number, comparatives = true): boolean | undefined {
  for (let k = from; k < to; k++) {
    const wd = p.c.word(k);
    if (wd === 'off' || wd === 'down' || DOWN_NOUNS.includes(wd) || DOWN_VERBS.includes(wd)) return true;
    if (comparatives && (wd === 'less' || wd === 'lower' || wd === 'cheaper')) return true;
    if (UP_NOUNS.includes(wd) || UP_VERBS.includes(wd) || wd === 'up') return false;
    if (comparatives && (wd === 'more' || wd === 'higher')) return false;
  }
  return undefined;
}

const PRICE_ADJECTIVES = [
  'sale',
  'reduced',
  'original',
  'new',
  'discounted',
  'regular',
  'list',
  'retail',
  'current',
  'full',
  'marked',
  'lower',
  'total',
  'whole',
  'entire',
  'member',
  'club',
  'student',
  'senior',
  'holiday',
  'wholesale',
];
const PRICE_NOUNS = [
  'price',
  'prices',
  'cost',
  'total',
  'bill',
  'amount',
  'fare',
  'rent',
  'value',
  'purchase',
  'order',
];

/**
 * The base a change is taken of, after its percentage ("off the sale price", "on the new total"):
 * part of the phrase, so the gloss goes after it; slot `base` holds the words after the determiner.
 */
export const priceBase = seq(
  w('the', 'its', 'his', 'her', 'their', 'that', 'this'),
  cap('base', seq(opt(w(...PRICE_ADJECTIVES)), opt(w(...PRICE_ADJECTIVES)), w(...PRICE_NOUNS))),
);
export const baseTail = opt(alt(priceBase, seq(w('on', 'of', 'from'), priceBase)));

/** Not followed by "of": "rose 8%" is a change, "grew 20% of the wheat" a share. */
export const notOf = when((c, s) => c.word(s.i) !== 'of');

export const CHANGE_VERBS = [...DOWN_VERBS, ...UP_VERBS].map((v) => phrase(v));

// The text asks for a percentage change: "by what percent", "the percentage increase".
export const PERCENT_ASKED =
  /\b(what|which)\s+(percent(age)?|%)|\bby\s+how\s+many\s+percent\b|\bpercent(age)?\s+(increase|decrease|change|rise|drop|gain|loss|growth|decline)\b/i;

// Every percent construction reads a percentage ("%", "percent", "per cent") or asks for one ("percentage").
export const PERCENT_WORD = /%|\bper\s?cent/i;

// Quantities that are themselves percentages ("battery", "charge level"): their changes are in points.
export const LEVEL = /\b(?:battery|charge|level|percentage|occupancy|humidity|chances?|probability|likelihood|odds)\b/i;
// A level that is itself a percentage, anywhere in the text: "fell from 48% to 42%", "it's at 90% now".
export const PERCENT_LEVEL =
  /\bfrom\s+\d[\d.]*\s?(?:%|percent\b|per cent\b)\s+to\s+\d|\b(?:is|was|it's|at|stands at|sits at)\s+\d[\d.]*\s?%\s+(?:now|right now|today|currently)\b/i;
