// Typed slot readers: QUANTITY (digits, money, number words), MULTIPLIER ("twice", "three times"),
// FRACTION ("a third", "two-fifths", "3/5", "half"), PERCENT, COMPARATIVE, PERIOD and UNIT. Each
// reads at one token and says how far it got; patterns (engine.ts) combine them.
import { slots, type Ctx, type Pattern, type Reader, type Slot } from './engine.ts';
import {
  CLOSED,
  COMPARATIVES,
  DENOMINATORS,
  DETERMINERS,
  FREQUENCY_WORDS,
  MULTIPLIER_WORDS,
  PERIODS,
  PRONOUN_POSSESSIVE,
  SCALES,
  TENS,
  UNITS,
} from './lexicon.ts';

/** The value of one number word or hyphenated pair ("seven", "twenty-five"), or undefined. */
export function numberWordValue(word: string): number | undefined {
  if (word in UNITS) return UNITS[word];
  if (word in TENS) return TENS[word];
  const m = /^([a-z]+)-([a-z]+)$/.exec(word);
  if (m && m[1] in TENS && m[2] in UNITS && UNITS[m[2]] > 0 && UNITS[m[2]] < 10) return TENS[m[1]] + UNITS[m[2]];
  return undefined;
}

/** Number words from token i ("three", "twenty-five", "three hundred and twenty", "a dozen"). */
export const numberWords: Reader = (c, i) => {
  let j = i;
  let total = 0;
  let cur = 0;
  let any = false;
  if (c.word(j) === 'a' && (c.word(j + 1) === 'dozen' || c.word(j + 1) === 'hundred' || c.word(j + 1) === 'thousand')) {
    cur = 1;
    j++;
    any = true;
  }
  for (; j < c.toks.length; j++) {
    const t = c.toks[j];
    if (t.type !== 'word' || t.possessive) break;
    const v = numberWordValue(t.lower);
    if (v !== undefined) {
      const low = cur % 100;
      // "two three", "twenty thirty" are not one number; "three hundred and twenty", "twenty five" are
      if (any && low !== 0 && (low % 10 !== 0 || v >= 10)) break;
      cur += v;
      any = true;
    } else if (any && t.lower === 'dozen') cur = (cur || 1) * 12;
    else if (any && t.lower in SCALES) {
      cur = (cur || 1) * SCALES[t.lower];
      if (SCALES[t.lower] >= 1000) {
        total += cur;
        cur = 0;
      }
    } else if (any && t.lower === 'and' && numberWordValue(c.word(j + 1)) !== undefined && cur >= 100) continue;
    else break;
  }
  if (!any) return undefined;
  return { from: i, to: j, value: total + cur };
};

/** A QUANTITY: "5", "1,200.50", "$3", "$2 million", "three", "twenty-five". `label` is the currency sign if any. */
export const quantity: Reader = (c, i) => {
  const t = c.toks[i];
  if (!t) return undefined;
  let j = i;
  let currency: string | undefined;
  if (t.type === 'sym' && /[$\u20AC\u00A3]/.test(t.text)) {
    currency = t.text;
    j++;
  }
  const n = c.toks[j];
  if (!n) return undefined;
  if (n.type === 'num' && n.value !== undefined) {
    let v = n.value;
    let to = j + 1;
    const scale = c.word(to);
    if (scale in SCALES && SCALES[scale] >= 1000) {
      v *= SCALES[scale];
      to++;
    }
    return { from: i, to, value: v, label: currency };
  }
  if (currency) return undefined;
  return numberWords(c, j);
};

/** A MULTIPLIER: "twice", "double", "triple", "N times" ("three times", "2.5 times"). */
export const multiplier: Reader = (c, i) => {
  const wd = c.word(i);
  if (wd in MULTIPLIER_WORDS && !c.toks[i].possessive) return { from: i, to: i + 1, value: MULTIPLIER_WORDS[wd] };
  const q = quantity(c, i);
  if (q && !q.label && c.word(q.to) === 'times') return { from: i, to: q.to + 1, value: q.value };
  return undefined;
};

/** A frequency count: "once", "twice", "thrice", "N times" (value: how many times). */
export const frequency: Reader = (c, i) => {
  const wd = c.word(i);
  if (wd in FREQUENCY_WORDS) return { from: i, to: i + 1, value: FREQUENCY_WORDS[wd] };
  const q = quantity(c, i);
  if (q && !q.label && c.word(q.to) === 'times') return { from: i, to: q.to + 1, value: q.value };
  return undefined;
};

function numerator(word: string): number | undefined {
  if (word === 'a' || word === 'an') return 1;
  return numberWordValue(word);
}

/** A FRACTION: "half", "a half", "a third", "one-third", "two-fifths", "three quarters", "3/5". `label` is "n/d". */
export const fraction: Reader = (c, i) => {
  const t = c.toks[i];
  if (!t) return undefined;
  const out = (to: number, n: number, d: number): Slot => ({ from: i, to, value: n / d, label: `${n}/${d}` });
  if (t.type === 'frac' && t.parts && t.parts[1] > 0 && t.parts[0] < t.parts[1]) return out(i + 1, ...t.parts);
  if (t.type !== 'word' || t.possessive) return undefined;
  if (t.lower === 'half') return out(i + 1, 1, 2);
  const hy = /^([a-z]+)-([a-z]+)$/.exec(t.lower);
  if (hy) {
    const n = numerator(hy[1]);
    const d = DENOMINATORS[hy[2]];
    if (n !== undefined && d && n < d && (n === 1) === !hy[2].endsWith('s')) return out(i + 1, n, d);
    return undefined;
  }
  const n = numerator(t.lower);
  const next = c.toks[i + 1];
  if (n === undefined || !next || next.type !== 'word' || next.possessive) return undefined;
  const d = DENOMINATORS[next.lower];
  // "a third", "one half", "two thirds": singular with 1, plural with more.
  if (!d || n >= d || (n === 1) !== !/s$/.test(next.lower)) return undefined;
  if (next.lower === 'halves') return undefined;
  return out(i + 2, n, d);
};

/** A PERCENT: QUANTITY then "%", "percent" or "per cent". */
export const percent: Reader = (c, i) => {
  const q = quantity(c, i);
  if (!q || q.label) return undefined;
  const t = c.toks[q.to];
  if (t && t.type === 'sym' && t.text === '%') return { from: i, to: q.to + 1, value: q.value };
  if (c.word(q.to) === 'percent') return { from: i, to: q.to + 1, value: q.value };
  if (c.word(q.to) === 'per' && c.word(q.to + 1) === 'cent') return { from: i, to: q.to + 2, value: q.value };
  return undefined;
};

/** A COMPARATIVE: "more", "fewer", "older", "cheaper", "more expensive"; `label` its dimension, `down` its direction. */
export const comparative: Reader = (c, i) => {
  const wd = c.word(i);
  if ((wd === 'more' || wd === 'less') && ['expensive', 'costly'].includes(c.word(i + 1)))
    return { from: i, to: i + 2, label: 'price', down: wd === 'less' };
  const e = COMPARATIVES[wd];
  if (!e || c.toks[i].possessive) return undefined;
  return { from: i, to: i + 1, label: e.dim, down: e.down };
};

/** A PERIOD: "day", "weeks", "Monday"; `label` is its singular name. */
export const period: Reader = (c, i) => {
  const t = c.toks[i];
  if (!t || t.type !== 'word' || t.possessive || !(t.lower in PERIODS)) return undefined;
  return { from: i, to: i + 1, label: PERIODS[t.lower] };
};

// Contractions are a subject and its verb ("he's", "they're", "I'd"), never part of a unit.
const CONTRACTION = /^(he|she|it|they|we|you|i|that|there|who|what|here)['\u2019](s|re|ll|ve|m|d)$|n['\u2019]t$/;

/** True where token i can be part of a UNIT or referent: a word that is not a function word, contraction or number word. */
export function contentWord(c: Ctx, i: number): boolean {
  const t = c.toks[i];
  if (!t || t.type !== 'word') return false;
  return (
    !CONTRACTION.test(t.lower) &&
    !CLOSED.has(t.lower) &&
    !DETERMINERS.has(t.lower) &&
    !(t.lower in PRONOUN_POSSESSIVE) &&
    numberWordValue(t.lower) === undefined &&
    !(t.lower in COMPARATIVES)
  );
}

/** Whether a word after the first of a unit ends it: a verb form ("10 dollars donated", "pages read"). */
function endsUnit(c: Ctx, i: number): boolean {
  const tags = c.tags(i);
  return tags.has('Verb') && !tags.has('Noun') && !tags.has('Adjective') && !tags.has('Plural');
}

/** A UNIT: one to three content words ("apples", "red marbles", "liters of fuel" is read by patterns). */
export const unit: Reader = (c, i) => unitReadings(c, i)[0];

/** Every UNIT reading at i, longest first ("red apples", "red"). A possessive may open it ("bags' weights"). */
export function unitReadings(c: Ctx, i: number): Slot[] {
  let j = i;
  if (c.toks[j]?.possessive && contentWord(c, j) && contentWord(c, j + 1)) j++;
  // A period ends its unit: "per hour babysitting" is a rate per hour, not a unit "hour babysitting".
  const last = c.toks[i]?.lower in PERIODS ? i + 1 : i + 3;
  while (j < last && contentWord(c, j) && !c.toks[j].possessive && !(j > i && endsUnit(c, j))) j++;
  const out: Slot[] = [];
  for (let k = j; k > i; k--) if (!c.toks[k - 1].possessive) out.push({ from: i, to: k, label: c.slice(i, k) });
  return out;
}

/** The UNIT slot `name` as a pattern, with every reading (the longest parse of the whole construction wins). */
export function units(name: string): Pattern {
  return slots(name, unitReadings);
}
