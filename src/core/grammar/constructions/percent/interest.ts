// Repeated changes ("loses 15% of its value each year") and compound and simple interest.
import { alt, cap, gap, opt, phrase, seq, slot, sym, w, type ConstructionDef, type Reader } from '../../engine.ts';
import { factor, fitted, num } from '../../render.ts';
import { percent, period } from '../../slots.ts';
import { FREQUENCY_ADVERBS } from '../../lexicon.ts';
import { ref, refOf, sentenceAfter, sentenceBefore, text } from '../common.ts';
import { CHANGE_VERBS, bareBaseForm, DOWN_NOUNS, LEVEL, PERCENT_LEVEL, UP_NOUNS, changeDirection } from './words.ts';

/** "yearly", "monthly": a period as an adverb. */
const frequencyAdverb: Reader = (c, i) =>
  c.word(i) in FREQUENCY_ADVERBS ? { from: i, to: i + 1, label: FREQUENCY_ADVERBS[c.word(i)] } : undefined;

const everyPeriod = alt(seq(w('each', 'every', 'per', 'a'), slot('per', period)), slot('per', frequencyAdverb));

const LOSS_VERBS = ['loses', 'lost', 'lose', 'drops', 'dropped', 'depreciates', 'depreciated', 'shrinks', 'shrank'];
const GAIN_VERBS = ['gains', 'gained', 'gain', 'grows', 'grew', 'appreciates', 'appreciated', 'adds', 'added'];

/**
 * "the car loses 15% of its value each year" -> "each year its value × 0.85: 15% of the current
 * value, not the original" (a repeated change compounds; "0.15 × its value" would not say so).
 */
export const repeatedPercent: ConstructionDef = {
  family: 'percent',
  kind: 'repeated-percent',
  priority: 19,
  pattern: alt(
    seq(cap('verb', w(...LOSS_VERBS, ...GAIN_VERBS)), slot('pct', percent), w('of'), ref(), everyPeriod),
    // "grows by 4% every year", "increases 3% annually", "a 5% raise every year"
    seq(
      alt(
        seq(alt(...CHANGE_VERBS, w(...LOSS_VERBS, ...GAIN_VERBS)), opt(w('by')), slot('pct', percent)),
        seq(w('a', 'an'), slot('pct', percent), w(...DOWN_NOUNS, ...UP_NOUNS)),
      ),
      everyPeriod,
    ),
  ),
  render(p) {
    // "A phone battery drops 12% every hour": a level in percent falls by points, not by a share of itself
    if (LEVEL.test(sentenceBefore(p)) || PERCENT_LEVEL.test(p.c.text) || bareBaseForm(p)) return null;
    // "grows by 4% every year", "a 5% raise every year": the amount is not named
    if (!p.slots.verb) {
      const down = changeDirection(p, p.from, p.to, false);
      if (down === undefined) return null;
      return fitted(
        `each ${p.slots.per.label} the amount × ${factor(p.slots.pct.value!, down)}: ${num(p.slots.pct.value!)}% of the current amount, not the original`,
      );
    }
    const r = refOf(p)!;
    if (r.role === 'time') return null;
    // "loses 10% of its original value each year": the same amount each year, not compounding
    if (/\b(original|initial|starting|first)\b/i.test(p.c.slice(r.from, r.to))) return null;
    const down = LOSS_VERBS.includes(text(p, p.slots.verb).toLowerCase());
    const name = p.c.slice(r.from, r.to).replace(/^(the|a|an) /i, '');
    const noun = p.c.toks[r.head].text;
    return fitted(
      `each ${p.slots.per.label} ${name} × ${factor(p.slots.pct.value!, down)}: ${num(p.slots.pct.value!)}% of the current ${noun}, not the original`,
    );
  },
};

/** Compounding adverbs: the period and how many of them make a year. */
const COMPOUNDING: Readonly<Record<string, [string, number]>> = {
  annually: ['year', 1],
  yearly: ['year', 1],
  semiannually: ['half-year', 2],
  quarterly: ['quarter', 4],
  monthly: ['month', 12],
  weekly: ['week', 52],
  daily: ['day', 365],
  year: ['year', 1],
  quarter: ['quarter', 4],
  month: ['month', 12],
  week: ['week', 52],
  day: ['day', 365],
};

/** "annually", "monthly", "every quarter": part of the phrase, so the gloss goes after it. */
const compoundingPeriod = opt(
  cap(
    'every',
    alt(w(...Object.keys(COMPOUNDING)), seq(w('every', 'each'), w('year', 'quarter', 'month', 'week', 'day'))),
  ),
);

const interestAfter = gap(8, (c, i) => !(c.toks[i].type === 'punct' && /^[.!?]$/.test(c.toks[i].text)));

/** "5% interest per year, compounded annually" -> "each year the balance × 1.05: interest earns interest". */
export const compoundInterest: ConstructionDef = {
  family: 'percent',
  kind: 'compound-interest',
  priority: 20,
  pattern: alt(
    seq(
      slot('pct', percent),
      opt(w('annual', 'yearly', 'monthly')),
      w('interest'),
      interestAfter,
      w('compounded', 'compounding'),
      compoundingPeriod,
    ),
    seq(slot('pct', percent), opt(w('annual', 'yearly')), phrase('compound interest')),
    seq(phrase('compound interest'), opt(w('of', 'at')), slot('pct', percent)),
    // "5% per year, compounded yearly": the rate, its period, then the compounding
    seq(
      slot('pct', percent),
      w('a', 'per', 'each', 'every'),
      w('year', 'annum', 'month'),
      opt(sym(',')),
      w('compounded', 'compounding'),
      compoundingPeriod,
    ),
  ),
  render(p) {
    // The rate's own period ("1% monthly interest"), not the compounding's ("compounded monthly")
    const monthly = /\bmonth/i.test(p.c.slice(p.from, p.slots.every?.from ?? p.to));
    const per = monthly ? 'month' : 'year';
    const pct = p.slots.pct.value!;
    // "4% interest, compounded monthly": a yearly rate, split over the compounding periods
    const every = p.slots.every ? COMPOUNDING[p.c.word(p.slots.every.to - 1)] : undefined;
    // "10% interest compounded monthly" with no "a year": GSM8K reads it as 10% each month as often
    // as a yearly rate split over 12, so the split is written only where the rate says it is yearly
    const yearly = /\b(?:annual|yearly|a year|per year|each year|every year|per annum|annually|APR)\b/i.test(
      `${p.c.slice(p.from, p.to)} ${sentenceAfter(p)}`,
    );
    if (every && !monthly && every[0] !== 'year' && !yearly) return null;
    // a shorter parse that stops before "compounded monthly" would misread it as yearly
    if (!every && p.c.word(p.to) in COMPOUNDING) return null;
    if (every && !monthly && every[0] !== 'year')
      return fitted(`each ${every[0]} the balance × (1 + ${num(pct / 100)} ÷ ${every[1]}): interest earns interest`);
    return { gloss: `each ${per} the balance × ${factor(pct, false)}: interest earns interest` };
  },
};

/** "5% simple interest" -> "5% of the original amount each year; it does not compound". */
export const simpleInterest: ConstructionDef = {
  family: 'percent',
  kind: 'simple-interest',
  priority: 20,
  pattern: seq(
    alt(
      seq(slot('pct', percent), opt(cap('adj', w('annual', 'yearly', 'monthly'))), phrase('simple interest')),
      seq(phrase('simple interest'), opt(w('of', 'at')), slot('pct', percent)),
    ),
    // "2% simple interest per month", "each year": the rate's period is part of the phrase
    opt(seq(w('per', 'a', 'each', 'every'), cap('per', w('year', 'annum', 'month', 'week', 'day', 'quarter')))),
  ),
  render(p) {
    const said = (text(p, p.slots.per) || text(p, p.slots.adj)).toLowerCase();
    const per = /month/.test(said)
      ? 'month'
      : /week/.test(said)
        ? 'week'
        : /day/.test(said)
          ? 'day'
          : /quarter/.test(said)
            ? 'quarter'
            : 'year';
    // A rate with no period named after it may be quoted per month elsewhere: name none then
    if (!said && /\bper\s+(month|week|day)|\bmonthly\b/i.test(p.c.text)) return null;
    return { gloss: `${num(p.slots.pct.value!)}% of the original amount each ${per}; it does not compound` };
  },
};
