// Percentages: successive changes ("20% off, then another 10% off"), "25% more than last year",
// single changes ("a 20% discount", "increased by 15%", "30% off"), reverse questions ("after a 20%
// raise it is $60: what was it before"), the base of "what percent of", "25% of the remainder",
// "15% of the students", compound and simple interest.
import {
  alt,
  cap,
  gap,
  not,
  opt,
  phrase,
  seq,
  slot,
  sym,
  w,
  when,
  type ConstructionDef,
  type Parse,
  type Pattern,
  type Reader,
} from '../engine.ts';
import { nameOf, subjectBefore } from '../referents.ts';
import { factor, fitted, money, num } from '../render.ts';
import { comparative, percent, period, quantity, units } from '../slots.ts';
import { FREQUENCY_ADVERBS } from '../lexicon.ts';
import { comparisonSides, ref, refOf, sentenceAfter, sentenceBefore, text, verbDimension } from './common.ts';
import { ofRemainder } from './fraction.ts';
import { clauseAt, clauseTail, relativeAt, relativeTail } from './tail.ts';

const DOWN_NOUNS = ['discount', 'decrease', 'reduction', 'cut', 'drop', 'markdown', 'loss', 'decline', 'fall'];
const UP_NOUNS = ['increase', 'raise', 'markup', 'rise', 'gain', 'hike', 'growth', 'surcharge'];
const DOWN_VERBS = [
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
  // base forms, after "to", "will", "should" ("is expected to grow by 5% each year"): BASE_FORMS
  'decrease',
  'reduce',
  'drop',
  'fall',
  'decline',
  'lower',
  'shrink',
];
const UP_VERBS = [
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
  'increase',
  'raise',
  'rise',
  'grow',
  'climb',
  'jump',
  'gain',
  'boost',
];

// The change verbs' base forms ("will grow", "to increase").
const BASE_FORMS = new Set([
  'decrease',
  'reduce',
  'drop',
  'fall',
  'decline',
  'lower',
  'shrink',
  'increase',
  'raise',
  'rise',
  'grow',
  'climb',
  'jump',
  'gain',
  'boost',
]);

/** The direction of the percentage change named around slot `pct`: true = down, false = up, undefined = none. */
function changeDirection(p: Parse, from: number, to: number, comparatives = true): boolean | undefined {
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
const priceBase = seq(
  w('the', 'its', 'his', 'her', 'their', 'that', 'this'),
  cap('base', seq(opt(w(...PRICE_ADJECTIVES)), opt(w(...PRICE_ADJECTIVES)), w(...PRICE_NOUNS))),
);
const baseTail = opt(alt(priceBase, seq(w('on', 'of', 'from'), priceBase)));

const notSentenceEnd = gap(
  7,
  (c, i) => !(c.toks[i].type === 'punct' && /^[.!?]$/.test(c.toks[i].text)) && c.word(i) !== 'then',
);

// "(off / of) the original price", "of its initial value": the base a percentage names right after it
const ORIGINAL_BASE =
  /^\s*(?:\w+\s+){0,2}?(?:off|of|on)\s+(?:the|its|his|her|their)\s+(?:original|initial|starting|first|full|regular)\b/i;

/** "20% off, then another 10% off" -> "10% off the reduced price, not 30% off". */
export const successivePercent: ConstructionDef = {
  family: 'percent',
  kind: 'successive-percent',
  priority: 25,
  pattern: alt(
    // "a 10% discount and a 20% discount were applied one after the other"
    seq(
      slot('p1', percent),
      w(...DOWN_NOUNS, ...UP_NOUNS),
      w('and'),
      opt(w('a', 'an', 'another', 'then')),
      slot('p2', percent),
      w(...DOWN_NOUNS, ...UP_NOUNS),
      gap(3, (c, i) => c.toks[i].type === 'word'),
      alt(
        phrase('one after the other'),
        phrase('in succession'),
        phrase('in a row'),
        w('successively', 'consecutively'),
      ),
    ),
    seq(
      slot('p1', percent),
      notSentenceEnd,
      alt(w('then'), phrase('followed by'), phrase('after that'), phrase('and then')),
      // "and then puts it on sale for 20% off"
      gap(
        6,
        (c, i) =>
          c.toks[i].type === 'word' && !['another', 'additional', 'further', 'extra', 'second'].includes(c.word(i)),
      ),
      opt(w('another', 'additional', 'further', 'extra', 'second')),
      opt(w('by')),
      slot('p2', percent),
      opt(w('off', 'discount', 'increase', 'raise', 'more', 'less', 'decrease', 'cut', 'markup', 'reduction')),
      baseTail,
    ),
  ),
  render(p) {
    const p1 = p.slots.p1;
    const p2 = p.slots.p2;
    // "then an extra 10% off the original price", "then decreased by 20% of the original price": both
    // changes are of the original here, so the usual note would be false
    if (ORIGINAL_BASE.test(p.c.text.slice(p.c.toks[p2.to - 1].end, p.c.toks[p2.to - 1].end + 40))) return null;
    // "discounted 20% and then 8% sales tax is added": the second is a levy on top, not a change of the same kind
    if (/^\s*(?:\w+\s+)?(?:tax|taxes|vat|tip|gratuity|surcharge|fee)\b/i.test(p.c.text.slice(p.c.toks[p2.to - 1].end)))
      return null;
    // "then by 10% of the new population": the text names the base itself
    if (
      /^\s*of\s+(?:the|its|his|her|their)\s+(?:new|increased|reduced|discounted|remaining|sale|current)\b/i.test(
        p.c.text.slice(p.c.toks[p2.to - 1].end),
      )
    )
      return null;
    // The connective splits the phrase: the first change's words lie before it ("20% off, then",
    // "went up 20% and then"), the second's after it ("then fell 10%").
    let conn = p1.to;
    while (conn < p2.from && !['then', 'followed', 'after'].includes(p.c.word(conn))) conn++;
    // "raised its prices by 10%, then", "raises the price of a $50 toaster by 20%": the verb may be a few words before
    const back = Math.max(p.c.sentenceStart(p1.from), p1.from - 12);
    const d1 = changeDirection(p, p1.to, conn) ?? changeDirection(p, back, p1.from);
    // "then 10% more" after a fall is a further fall: only change words count around the second
    // (and the two words after it: "then a 10% pay cut")
    const d2 = changeDirection(p, Math.max(conn, p2.from - 3), Math.max(p.to, p2.to + 2), false) ?? d1;
    if (d1 === undefined || d2 === undefined) return null;
    // "rose 10% and then fell 10%": the second change is of the changed amount, so it does not undo the first
    if (d1 !== d2) {
      const note = p1.value === p2.value ? ', not back to the start' : '';
      return d1
        ? { gloss: `${num(p2.value!)}% of the reduced amount${note}` }
        : { gloss: `${num(p2.value!)}% off the increased amount${note}` };
    }
    const sum = num(p1.value! + p2.value!);
    return d1
      ? { gloss: `${num(p2.value!)}% off the reduced price, not ${sum}% off` }
      : { gloss: `${num(p2.value!)}% of the increased amount, not ${sum}% of the original` };
  },
};

/** Not followed by "of": "rose 8%" is a change, "grew 20% of the wheat" a share. */
const notOf = when((c, s) => c.word(s.i) !== 'of');

const pctComparative = slot('cmp', (c, i) => {
  const s = comparative(c, i);
  return s &&
    [
      'more',
      'less',
      'fewer',
      'higher',
      'lower',
      'cheaper',
      'greater',
      'larger',
      'smaller',
      'bigger',
      'heavier',
      'lighter',
      'taller',
      'shorter',
      'longer',
      'older',
      'younger',
      'faster',
      'slower',
    ].includes(c.word(i))
    ? s
    : undefined;
});

/**
 * "this year's harvest was 30% above last year's": the referent is a bare possessive, so both sides
 * measure the subject's noun ("This year's harvest", "last year's harvest").
 */
function elliptical(p: Parse): [string, string] | null {
  const r = refOf(p);
  if (!r || !p.c.toks[r.to - 1].possessive || p.c.toks[r.to]?.type === 'word') return null;
  const subj = subjectBefore(p.c, p.from);
  if (!subj || subj.role === 'pronoun') return null;
  return [nameOf(p.c, subj), `${p.c.slice(r.from, r.to)} ${p.c.toks[subj.head].text}`];
}

/** "25% more than last year" -> "price = last year's price × 1.25". */
export const percentMoreThan: ConstructionDef = {
  family: 'percent',
  kind: 'percent-more-than',
  priority: 18,
  pattern: alt(
    seq(slot('pct', percent), pctComparative, opt(units('unit')), w('than'), ref()),
    // "30 percent above last year's", "priced 15% below the old one"
    seq(slot('pct', percent), cap('dir', w('above', 'below')), ref()),
  ),
  render(p) {
    // "sells a large coffee for 20% more than a medium", "marks up its shirts 60% above the wholesale
    // cost": the object's price is compared, not the subject
    if (['for', 'at'].includes(p.c.word(p.from - 1))) return null;
    // (an object: a noun after a determiner, "its shirts"; not "Electricity cost 8% more")
    const prev = p.c.tags(p.from - 1);
    const det = ['the', 'a', 'an', 'its', 'his', 'her', 'their', 'our', 'my', 'your', 'these', 'those'];
    if (prev.has('Noun') && !p.c.toks[p.from - 1]?.possessive && det.includes(p.c.word(p.from - 2))) return null;
    const cmp = p.slots.cmp;
    const down = cmp ? !!cmp.down : text(p, p.slots.dir).toLowerCase() === 'below';
    // "15% higher than last year" compares amounts, not heights
    const plain =
      !cmp || ['higher', 'lower', 'greater', 'larger', 'bigger', 'smaller'].includes(text(p, cmp).toLowerCase());
    // "costs 25% more than last year": the verb names what is compared (price)
    const dim = plain ? '' : (cmp.label ?? '');
    const r = refOf(p);
    const unit = text(p, p.slots.unit);
    // "the tree will grow 50% more than the first year": the growth is compared, not the tree
    const verbBefore = p.c.slice(Math.max(p.c.sentenceStart(p.from), p.from - 3), p.from);
    if (
      r?.role === 'time' &&
      /\b(?:grows?|grew|grown|rises?|rose|gains?|gained|increases?|increased)\b/i.test(verbBefore)
    )
      return null;
    const sides =
      elliptical(p) ??
      comparisonSides(p, r, dim, unit) ??
      (dim ? null : comparisonSides(p, r, verbDimension(p, p.from), unit));
    // "higher than they had planned": the other side is a clause, not an amount
    if (!sides || sides[0] === sides[1] || (r?.role === 'pronoun' && p.c.tags(p.to).has('Verb'))) return null;
    // "costs 20% more than her monthly cell phone expenses": "Cheryl's amount = … expenses' amount" names nothing
    if (sides.some((x) => /['\u2019]s? amount$/.test(x))) return null;
    return fitted(`${sides[0]} = ${sides[1]} × ${factor(p.slots.pct.value!, down)}`);
  },
};

const originalAsked = when((c, s) =>
  /\b(original(ly)?|before|at first|initially|to begin with|start(ed)? with|(full|regular|usual|list|normal|sticker|undiscounted) (price|cost|fare|rent))\b/i.test(
    c.text.slice(c.toks[s.i - 1].end),
  ),
);

const CHANGE_VERBS = [...DOWN_VERBS, ...UP_VERBS].map((v) => phrase(v));
// "Marked down by 30%, ...": an opening participle, the sentence's first words
const sentenceOpening = when((c, s) => c.sentenceStart(s.i) === s.i);

// "a 20% raise", "a 5% tax increase"
const aPercentChange = seq(
  w('a', 'an', 'the'),
  slot('pct', percent),
  opt(w('tax', 'price', 'pay', 'rent', 'salary', 'wage', 'fare')),
  w(...DOWN_NOUNS, ...UP_NOUNS),
);

/** "after a 20% raise she earns $60 ... what did she earn before?" -> "$60 = earlier amount × 1.2". */
export const reversePercent: ConstructionDef = {
  family: 'percent',
  kind: 'reverse-percent',
  priority: 22,
  pattern: alt(
    seq(
      w('after'),
      // "After getting a 6% raise", "after receiving a 10% discount"
      opt(w('getting', 'receiving', 'taking', 'giving', 'applying', 'offering', 'winning')),
      alt(
        aPercentChange,
        // "after a discount of 20%"
        seq(w('a', 'an', 'the'), w(...DOWN_NOUNS, ...UP_NOUNS), w('of'), slot('pct', percent)),
        seq(w('being'), alt(...CHANGE_VERBS), opt(w('by')), slot('pct', percent)),
        // "after its price was cut by 25%", "After prices fell 20%"
        seq(
          gap(3, (c, i) => c.toks[i].type === 'word' && !['was', 'is', 'were', 'had', 'has'].includes(c.word(i))),
          opt(alt(w('was', 'is', 'were'), phrase('had been'), phrase('has been'))),
          alt(...CHANGE_VERBS),
          opt(w('by')),
          slot('pct', percent),
        ),
      ),
      originalAsked,
    ),
    // "Following a 25% pay rise", "With a 10% discount", "With 20% off"
    seq(w('following', 'with'), alt(aPercentChange, seq(slot('pct', percent), w('off'))), originalAsked),
    // "Marked down by 30%, a coat sells for $84"
    seq(
      sentenceOpening,
      alt(...CHANGE_VERBS),
      opt(w('by')),
      slot('pct', percent),
      when((c, s) => c.toks[s.i]?.text === ','),
      originalAsked,
    ),
    // "having risen by 25%, the price is now $50"
    seq(w('having'), opt(w('been')), w(...DOWN_VERBS, ...UP_VERBS), opt(w('by')), slot('pct', percent), originalAsked),
  ),
  render(p) {
    const down = changeDirection(p, p.from, p.to);
    if (down === undefined) return null;
    // "after a 10% discount and a 20% discount were applied": one factor of two would mislead
    if (PERCENT_WORD.test(sentenceAfter(p))) return null;
    return {
      gloss: `new amount = original × ${factor(p.slots.pct.value!, down)}; the ${num(p.slots.pct.value!)}% is of the original`,
    };
  },
};

// One noun, what a percentage change is "in": "salary", "price", "visitors".
const changedNoun = when(
  (c, s) =>
    c.toks[s.i]?.type === 'word' && !c.toks[s.i].possessive && c.tags(s.i).has('Noun') && !c.tags(s.i).has('Pronoun'),
);
const oneWord: Pattern = (c, s) => (c.toks[s.i] ? [{ i: s.i + 1, slots: s.slots }] : []);

// The text asks for a percentage change: "by what percent", "the percentage increase".
const PERCENT_ASKED =
  /\b(what|which)\s+(percent(age)?|%)|\bby\s+how\s+many\s+percent|\bpercent(age)?\s+(increase|decrease|change|rise|drop|gain|loss|growth|decline)\b/i;

/**
 * "rose from $20 to $25 ... by what percent?" -> "percent change = change ÷ $20 × 100, with $20 the
 * starting value": the usual slip is dividing by the new value. Only where the text asks for a
 * percentage; "rose from $20 to $25 last year" alone gets no gloss.
 */
export const percentChangeBetween: ConstructionDef = {
  family: 'percent',
  kind: 'percent-change-between',
  priority: 14,
  pattern: seq(
    alt(...CHANGE_VERBS, w('went', 'changed', 'moved', 'jumped', 'climbed', 'slid')),
    opt(w('up', 'down')),
    w('from'),
    alt(
      seq(slot('a', quantity), opt(units('ua')), w('to'), slot('b', quantity), opt(units('ub'))),
      // "fell from 48% to 42%": a level in percent, whose change in points is not its percent change
      seq(cap('points', slot('a', percent)), w('to'), slot('b', percent)),
    ),
    when((c) => PERCENT_ASKED.test(c.text)),
  ),
  render(p) {
    const { a, b } = p.slots;
    if (a.value === b.value || a.value === 0) return null;
    // ("from 40 percent to 50 percent" may also read as a count of the unit "percent")
    if (p.slots.points || /^per\s?cent$/i.test(text(p, p.slots.ua)))
      return fitted(`percent change = change ÷ ${num(a.value!)}% × 100, not the change in points`);
    const start = money(a.value!, a.label);
    return fitted(`percent change = change ÷ ${start} × 100, with ${start} the starting value`);
  },
};

/** "a 20% discount", "increased by 15%", "30% off" -> "new price = old price × 0.7". */
export const percentChange: ConstructionDef = {
  family: 'percent',
  kind: 'percent-change',
  priority: 12,
  pattern: alt(
    seq(
      w('a', 'an', 'the'),
      slot('pct', percent),
      alt(w(...DOWN_NOUNS, ...UP_NOUNS), seq(w('price', 'pay', 'salary', 'rent'), w(...DOWN_NOUNS, ...UP_NOUNS))),
      // "a 10% discount on the total cost": the base is part of the phrase
      opt(seq(w('on', 'of'), alt(priceBase, w('them', 'it', 'everything', 'all', 'both', 'each')))),
      // "a 5% raise in salary": the gloss goes after what changes, and names it
      opt(
        seq(
          w('in'),
          opt(w('his', 'her', 'their', 'its', 'the', 'our', 'my', 'your')),
          cap('inWhat', seq(changedNoun, oneWord)),
          not(w('of')),
        ),
      ),
    ),
    // "buy one get one 50% off": the discount is on the second item only
    seq(
      opt(seq(phrase('buy one'), opt(sym(',')))),
      cap('bogo', seq(w('get'), alt(w('one', 'another'), seq(w('the', 'a'), w('second'))))),
      slot('pct', percent),
      w('off'),
    ),
    // not "decreased by 20% of the original price": the base follows, and "new = old × 0.8" would misplace it
    seq(alt(...[...DOWN_VERBS, ...UP_VERBS].map((v) => phrase(v))), w('by'), slot('pct', percent), notOf),
    // "plans to raise the rent by 10%", "cut the price of a $50 shirt by 20%": the verb's object is
    // what changes (only an amount noun: MEASURED_NOUNS, in render)
    seq(
      alt(...[...DOWN_VERBS, ...UP_VERBS].map((v) => phrase(v))),
      w('the', 'its', 'his', 'her', 'their', 'our', 'my', 'your'),
      cap(
        'obj',
        gap(6, (c, i) => c.toks[i].type !== 'punct' && c.word(i) !== 'by' && c.word(i) !== 'and'),
      ),
      w('by'),
      slot('pct', percent),
      notOf,
    ),
    // "rose 8%", "is discounted 35%"; not "grew 20% of the wheat" (a share, not a change)
    seq(alt(...[...DOWN_VERBS, ...UP_VERBS].map((v) => phrase(v))), slot('pct', percent), notOf),
    // "marked the car up 12%"
    seq(
      w('marked', 'marks', 'priced'),
      gap(3, (c, i) => c.toks[i].type === 'word' && c.word(i) !== 'by'),
      w('up', 'down'),
      opt(w('by')),
      slot('pct', percent),
      notOf,
    ),
    // "marks up its goods by 40%"
    seq(
      w('marked', 'marks', 'mark'),
      w('up', 'down'),
      gap(3, (c, i) => c.toks[i].type === 'word' && c.word(i) !== 'by'),
      w('by'),
      slot('pct', percent),
      notOf,
    ),
    // "is now 15% cheaper", "became 10% more expensive": a price change with no "than" after it
    seq(
      slot('pct', percent),
      alt(w('cheaper'), phrase('more expensive'), phrase('less expensive')),
      when((c, s) => c.word(s.i) !== 'than'),
    ),
    // "a discount of 20%", "an increase of 4 percent"
    seq(w('a', 'an', 'the'), w(...DOWN_NOUNS, ...UP_NOUNS), w('of'), slot('pct', percent)),
    // "a tip of fifteen percent"
    seq(
      w('a', 'an', 'the'),
      opt(w('sales', 'service', 'state', 'city', 'local')),
      cap('levy', w('tax', 'tip', 'gratuity', 'vat')),
      w('of'),
      slot('pct', percent),
    ),
    seq(slot('pct', percent), w('off'), baseTail),
    // "an 8% sales tax", "a 15% tip", "adds 7% sales tax": added on top of the price
    seq(
      opt(w('a', 'an', 'the')),
      slot('pct', percent),
      opt(w('sales', 'service', 'state', 'city', 'local')),
      cap('levy', w('tax', 'tip', 'gratuity', 'vat')),
      // "has a 9% tax added": the participle stays with its phrase
      opt(w('added', 'included', 'applied')),
    ),
  ),
  render(p) {
    if (p.slots.bogo) return { gloss: `second item = its price × ${factor(p.slots.pct.value!, true)}` };
    const levy = text(p, p.slots.levy).toLowerCase();
    // "a 15% tip on the pre-tax amount", "a 20% tip calculated on the price before tax": a tip whose
    // base says where tax stands is a share of that base, in the text's words
    const taxBase = TAX_BASE.exec(p.c.text.slice(p.c.toks[p.to - 1].end));
    if ((levy === 'tip' || levy === 'gratuity') && taxBase)
      return fitted(`${levy} = ${num(p.slots.pct.value! / 100)} × the ${taxBase[1].toLowerCase()}`);
    // "a 12% tax on the room rate", "a tip on the total": the base is named after, and
    // "total with tip = price × 1.15" may be of another total
    if (
      levy &&
      (p.c.word(p.to) === 'on' || p.c.word(p.to + 1) === 'on' || p.c.word(p.to + 2) === 'on') &&
      /^\s*(?:\S+\s+){0,2}?on\s+(?:\S+\s+){0,3}?(?:pre-?tax|tax|total|subtotal|after|before|rate|share|portion|part|own)\b/i.test(
        p.c.text.slice(p.c.toks[p.to - 1].end),
      )
    )
      return null;
    if (levy) {
      const share = num(p.slots.pct.value! / 100);
      // "a 20% tip": the question asks for the tip as often as for the total, so the gloss names the
      // tip; "a 15% tip of $42" and "a 5% tax of $3" name the levy's amount, not a total
      // "a 10% tip on the fare": the base in the text's own word
      const on = TIP_ON.exec(p.c.text.slice(p.c.toks[p.to - 1].end));
      if (levy === 'tip' || levy === 'gratuity')
        return { gloss: `${levy} = ${share} × the ${on?.[1].toLowerCase() ?? 'bill'}` };
      if (p.c.word(p.to) === 'of' && quantity(p.c, p.to + 1)?.label) return { gloss: `${levy} = ${share} × price` };
      // "How much tax does she pay?": the question asks for the levy, not the total with it; "paid the
      // 10% tax and left a 20% tip on the price before tax": a total with tax would be the tip's base
      if (asksForPart(p) || PRE_TAX_TIP.test(p.c.text)) return { gloss: `${levy} = ${share} × price` };
      return { gloss: `total with ${levy} = price × ${factor(p.slots.pct.value!, false)}` };
    }
    // "A phone battery drops 12% every hour": a level in percent falls by points, not by a share of
    // itself; "support fell from 48% to 42% … 'dropped 6%'": the 6% is points
    if (LEVEL.test(sentenceBefore(p)) || PERCENT_LEVEL.test(p.c.text)) return null;
    // "10% off for every $100 spent, up to 30%": a tiered discount, no single factor
    if (['for', 'per'].includes(p.c.word(p.to)) && ['every', 'each'].includes(p.c.word(p.to + 1))) return null;
    if (p.c.word(p.to) === 'per') return null;
    // "wants to gain 25% profit": a share taken as profit, interest or a return, not a change
    if (/^(?:profits?|returns?|interest|commission|margin|markup|dividends?)$/.test(p.c.word(p.to))) return null;
    // "the tree will grow 50% more than the first year": after a base form (a future or a plan), a
    // comparison follows, not a change of the amount ("This year it grew 30% more than last year" is one)
    if (
      BASE_FORMS.has(p.c.word(p.from)) &&
      ['more', 'less', 'fewer', 'higher', 'lower', 'than'].includes(p.c.word(p.to))
    )
      return null;
    // "20% off all purchases for orders over $50", "a 10% discount on the first $100": the change holds
    // only under a condition, and a bare factor would apply it everywhere
    if (CONDITION.test(sentenceAfter(p))) return null;
    const down = changeDirection(p, p.from, p.to);
    if (down === undefined) return null;
    const f = factor(p.slots.pct.value!, down);
    if (p.slots.obj) {
      // the amount is the object's head: its last word, or the one before "of" ("the rent", "her
      // coffee spending", "the price of a $50 shirt")
      let k = p.slots.obj.from;
      while (k + 1 < p.slots.obj.to && p.c.word(k + 1) !== 'of') k++;
      const head = p.c.word(k);
      // "A week later it raised the new price by 20%" after an earlier change: of the changed price
      const adj = p.c.word(p.slots.obj.from);
      if (CHANGED_ADJECTIVES.includes(adj))
        return MEASURED_NOUNS.has(head) && PERCENT_WORD.test(p.c.text.slice(0, p.c.toks[p.from].start))
          ? fitted(`${num(p.slots.pct.value!)}% of the ${adj} ${head}, not of the original`)
          : null;
      if (MEASURED_NOUNS.has(head)) {
        if (down && asksForPart(p)) return { gloss: `saving = ${num(p.slots.pct.value! / 100)} × old ${head}` };
        return { gloss: `new ${head} = old ${head} × ${f}` };
      }
      return null;
    }
    // "How much money does a customer save?": the question asks for the part taken off, not what is left
    if (down && asksForPart(p)) return { gloss: `saving = ${num(p.slots.pct.value! / 100)} × the price before` };
    // "10% off the sale price": the phrase names its base, so the gloss does too.
    const base = text(p, p.slots.base).toLowerCase();
    const changed = text(p, p.slots.inWhat).toLowerCase();
    if (changed) return { gloss: `new ${changed} = old ${changed} × ${f}` };
    const noun = base.split(' ').at(-1);
    if (base) return { gloss: `new ${noun} = ${base} × ${f}` };
    // "15% cheaper", "the second one was 50% more expensive": a price beside another one (earlier or
    // another item's), so "new / old" would be wrong half the time
    if (/\b(cheaper|expensive)$/i.test(p.c.slice(p.from, p.to)))
      return { gloss: `price = the price it is compared with × ${f}` };
    const measured = measuredSubject(p);
    return { gloss: measured ? `new ${measured} = old ${measured} × ${f}` : `new amount = old amount × ${f}` };
  },
};

// An amount already changed: "the new price", "the reduced rent".
const CHANGED_ADJECTIVES = ['new', 'reduced', 'discounted', 'increased', 'raised', 'lowered', 'sale', 'current'];

// Subjects whose head names an amount, so a verb's change can be glossed in the text's own words.
const MEASURED_NOUNS = new Set([
  'price',
  'prices',
  'cost',
  'costs',
  'rent',
  'salary',
  'wage',
  'wages',
  'pay',
  'income',
  'earnings',
  'value',
  'fare',
  'fee',
  'fees',
  'bill',
  'sales',
  'revenue',
  'population',
  'profit',
  'profits',
  'budget',
  'tuition',
  'premium',
  'attendance',
  'enrollment',
  'production',
  'output',
  'membership',
  'spending',
]);

/**
 * The amount a change verb's subject names ("My rent went up 8%" -> "rent", "The price of a ticket
 * rose by 15%" -> "price"), or '' when the phrase starts with a determiner ("a 20% discount") or the
 * subject is no amount ("The shirt was discounted 20%": "new shirt" would be nonsense).
 */
function measuredSubject(p: Parse): string {
  if (['a', 'an', 'the'].includes(p.c.word(p.from))) return '';
  let at = p.from;
  while (at > 0 && ['was', 'is', 'were', 'are', 'has', 'have', 'had', 'been'].includes(p.c.word(at - 1))) at--;
  const word = (i: number) => (i >= 0 && p.c.toks[i].type === 'word' ? p.c.word(i) : '');
  if (MEASURED_NOUNS.has(word(at - 1))) return word(at - 1);
  // "the price of a ticket rose": the amount is the head before "of"
  let k = at - 2;
  if (['a', 'an', 'the', 'each', 'one', 'his', 'her', 'their', 'its', 'our', 'my', 'your'].includes(word(k))) k--;
  return word(k) === 'of' && MEASURED_NOUNS.has(word(k - 1)) ? word(k - 1) : '';
}

const part = alt(slot('xq', quantity), ref('x'));
const whole = alt(slot('yq', quantity), ref('y'));
const BE = ['is', 'are', 'was', 'were'];

function partText(p: Parse, q: string, r: string): string | null {
  const s = p.slots[q];
  if (s) return money(s.value!, s.label);
  const ref = refOf(p, r);
  if (!ref || ref.role === 'pronoun' || ref.role === 'time') return null;
  return nameOf(p.c, ref);
}

/** "did it win": a subject and its verb, required (the gloss must not go inside the question). */
const askedClause: Pattern = (c, s) => clauseTail(c, s).filter((x) => x.i > s.i);

/** "what percent of the class is 12", "12 as a percentage of 60" -> "12 ÷ 60 × 100: 60 is the base". */
export const percentOfBase: ConstructionDef = {
  family: 'percent',
  kind: 'percent-of-base',
  priority: 16,
  pattern: alt(
    seq(w('what'), w('percent', 'percentage'), w('of'), whole, w(...BE), part),
    seq(part, w(...BE), w('what'), w('percent', 'percentage'), w('of'), whole),
    seq(part, w('as'), w('a'), w('percent', 'percentage'), w('of'), whole),
    // "what percent of its games did it win": the part is the clause after
    seq(w('what'), w('percent', 'percentage'), w('of'), whole, w('did', 'does', 'do'), askedClause),
    // "He answered 45 of the 60 questions right. What percent …?", "72 out of 90": a part of a counted whole
    seq(
      slot('xq', quantity),
      alt(seq(w('of'), w('the', 'his', 'her', 'their', 'its')), phrase('out of')),
      slot('yq', quantity),
      opt(units('whole')),
      // "What percent of its games did it win?" has its own reading: one gloss for one relation
      when((c) => PERCENT_ASKED.test(c.text) && !/\bwhat\s+percent(age)?\s+of\b/i.test(c.text)),
    ),
  ),
  render(p) {
    const y = partText(p, 'yq', 'y');
    const x = p.slots.xq || p.slots.x ? partText(p, 'xq', 'x') : 'the part';
    if (!x || !y) return null;
    // "45 out of 60 right. What percent did she get wrong?": the question asks for the other part
    if (
      (p.slots.xq || p.slots.x) &&
      /\b(?:wrong|incorrect|missed|not|n't|left|remain\w*|rest|fail\w*|lost)\b/i.test(
        p.c.text.slice(p.c.toks[p.to - 1].end),
      )
    )
      return null;
    return fitted(`${x} ÷ ${y} × 100, with ${y} as the base`);
  },
};

/** "25% of the remainder" -> "25% of what is left after the previous step". */
export const percentOfRemainder = ofRemainder('percent', 'percent-of-remainder', 'pct', percent);

/** "15% of the students" -> "0.15 × the students". */
export const percentOf: ConstructionDef = {
  family: 'percent',
  kind: 'percent-of',
  priority: 8,
  // "2% of the money he owed": the relative clause is part of the phrase
  pattern: alt(
    seq(slot('pct', percent), w('of'), ref(), clauseTail, relativeTail),
    // "a 4% commission on $25,000": a share of the amount, not a change of it
    seq(
      w('a', 'an'),
      slot('pct', percent),
      cap('share', w('commission', 'royalty', 'fee')),
      w('on', 'of'),
      cap('counted', slot('n', quantity)),
    ),
    // "Of the 250 tickets, 40 percent were sold online", "Of 1,200 emails, 3% bounced"
    seq(
      w('of'),
      opt(w('the', 'his', 'her', 'their', 'its')),
      cap('counted', seq(slot('n', quantity), units('u'))),
      sym(','),
      slot('pct', percent),
      // "of 100 people, 40% of these people": the phrase after is the base, not the count before
      notOf,
    ),
  ),
  render(p) {
    // "45% liked cats, 35% liked dogs, and the rest …": one share of a list
    if (/^[^,.;?!]*,\s*(?:and\s+)?\d[\d.]*\s*(?:%|per\s?cent)/i.test(sentenceAfter(p))) return null;
    const counted = text(p, p.slots.counted);
    const share = text(p, p.slots.share).toLowerCase();
    if (share)
      return fitted(`${share} = ${num(p.slots.pct.value! / 100)} × ${money(p.slots.n.value!, p.slots.n.label)}`);
    if (counted && !p.slots.n.label) return fitted(`${num(p.slots.pct.value! / 100)} × ${counted}`);
    if (counted) return null;
    const r = refOf(p)!;
    if (r.role === 'time') return null;
    // "80% of people who took the test", "60% of the recommended 8 hours": the base goes on past
    // the phrase, so neither the gloss nor its place would be right
    if (relativeAt(p.c, p.to) || clauseAt(p.c, p.to) || quantity(p.c, p.to)) return null;
    if (p.c.word(p.from - 1) === ',' || p.c.toks[p.from - 1]?.text === ',') {
      if (
        PERCENT_WORD.test(
          p.c
            .slice(p.c.sentenceStart(p.from), p.from - 1)
            .split(',')
            .slice(1)
            .join(','),
        )
      )
        return null;
    }
    // "15% of day-shift workers and 30% of night-shift workers are …": two shares of one subject
    if (['and', 'or'].includes(p.c.word(p.to)) && PERCENT_WORD.test(p.c.slice(p.to + 1, p.to + 4))) return null;
    if (
      ['and', 'or'].includes(p.c.word(p.from - 1)) &&
      p.c.toks[p.from - 2]?.text !== ',' &&
      ((/ of /.test(sentenceBefore(p)) && PERCENT_WORD.test(sentenceBefore(p))) ||
        /(?:%|\bper\s?cent)\s*$/i.test(p.c.slice(p.c.sentenceStart(p.from), p.from - 1)))
    )
      return null;
    if (/\b[A-Z]$/.test(p.c.slice(p.from, p.to))) return null; // "50% of tree B": a type, not a base
    // "25 percent of the cows without a red spot", "50% of tree A": the base goes on past the phrase
    if (['without', 'with', 'not'].includes(p.c.word(p.to)) || /^[A-Z]$/.test(p.c.toks[p.to]?.text ?? '')) return null;
    // "Dev and Emma each keep 20% of the money" (each one's own), "After spending 40% of his money,
    // Raj has $90 left" (the amount left is the other 60%), "$54 including 8% of the price as tax"
    if (eachAgentBefore(p) || /^\s*after\b/i.test(sentenceBefore(p))) return null;
    // "15% of the value-added tax": a tax or tip is a percentage of a price, so this wording means the rate
    if ([r.head, p.to].some((i) => /^(?:tax|taxes|vat|tip|tips|gratuity)$/i.test(p.c.word(i)))) return null;
    if (/\binclud(?:es|ed|ing)\b/i.test(`${sentenceBefore(p)} ${sentenceAfter(p)}`)) return null;
    // "480 students and 25% of them": the pronoun's one count in the sentence is the base
    // "80% of people who RSVPed": the clause after the noun is part of the base
    const base =
      r.role === 'pronoun'
        ? p.c.word(r.from) === 'them'
          ? countBefore(p)
          : ''
        : p.c.slice(r.from, Math.max(r.to, p.to));
    if (!base) return null;
    // "10% of the tulips sold on the second day", "20% of the customers served": the participle and
    // what follows it narrow the base, so the gloss names them too (or, past 4 words, nothing)
    const narrowed = participleTail(p);
    if (narrowed === null) return null;
    return fitted(`${num(p.slots.pct.value! / 100)} × ${base.replace(/^(the|a|an) /i, '')}${narrowed}`);
  },
};

/**
 * The words of a past participle phrase right after a percentage's base ("sold on the second day",
 * "served", "polled"): '' where none follows, null where it runs past 4 words.
 */
function participleTail(p: Parse): string | null {
  const c = p.c;
  // "15% of the trees died": with no verb before the phrase in its clause and none after, the
  // participle-looking word is the clause's own verb
  let k = p.from - 1;
  while (
    k >= 0 &&
    c.toks[k].type !== 'punct' &&
    !['but', 'and', 'while', 'so'].includes(c.word(k)) &&
    !c.tags(k).has('Verb')
  )
    k--;
  const verbBefore = k >= 0 && c.tags(k).has('Verb') && c.toks[k].type === 'word';
  const t = c.tags(p.to);
  if (c.toks[p.to]?.type !== 'word' || !t.has('Verb') || !(t.has('PastTense') || t.has('Participle'))) return '';
  if (t.has('Copula') || t.has('Auxiliary') || (c.tags(p.to + 1).has('Noun') && c.tags(p.to + 1).has('Determiner')))
    return '';
  // a verb with an object ("20% of the students passed the test") is the clause's, not the base's
  if (['the', 'a', 'an', 'his', 'her', 'their', 'its', 'them', 'it'].includes(c.word(p.to + 1))) return '';
  let i = p.to + 1;
  while (i < c.toks.length && c.toks[i].type === 'word' && !c.tags(i).has('Verb') && !c.tags(i).has('Conjunction')) i++;
  if (!verbBefore && !(c.toks[i]?.type === 'word' && c.tags(i).has('Verb'))) return '';
  if (i - p.to > 5) return null;
  // "80% of the people abducted ." / "45% of the people polled said …": the participle ends the base
  return ` ${c.slice(p.to, i)}`;
}

/**
 * The one "N <plural noun>" count ("480 students") in the sentence before the phrase, as written, or
 * '' where there is none or more than one (then "them" is not resolved).
 */
function countBefore(p: Parse): string {
  const found: string[] = [];
  for (let i = p.c.sentenceStart(p.from); i < p.from; i++) {
    const q = quantity(p.c, i);
    if (!q || q.label || !p.c.tags(q.to).has('Plural') || p.c.tags(q.to).has('Pronoun')) continue;
    found.push(p.c.slice(i, q.to + 1));
    i = q.to;
  }
  return found.length === 1 ? found[0] : '';
}

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
    if (LEVEL.test(sentenceBefore(p)) || PERCENT_LEVEL.test(p.c.text)) return null;
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

/** The percent family. */
// Every percent construction reads a percentage ("%", "percent", "per cent") or asks for one ("percentage").
const PERCENT_WORD = /%|\bper\s?cent/i;

/** Whether "each" or "both" stands before a verb earlier in the phrase's sentence ("Dev and Emma each keep"). */
function eachAgentBefore(p: Parse): boolean {
  for (let i = p.c.sentenceStart(p.from); i < p.from - 1; i++)
    if (['each', 'both'].includes(p.c.word(i)) && p.c.tags(i + 1).has('Verb') && !p.c.tags(i + 1).has('Noun'))
      return true;
  return false;
}

// A condition on a change: "for orders over $50", "on the first $100", "if you buy 3 or more".
const CONDITION =
  /\b(?:for|on) (?:\w+ )?(?:orders?|purchases?|groups?|bills?|totals?|anything|items?|spending) (?:of |over |above |more than |worth |totaling )|\b(?:over|above|more than|at least) \$|\b(?:first|next) \$?\d|\bif\b|\bwhen\b|\bonly\b/i;

/**
 * Whether the text after the phrase asks for the part a percentage takes or adds ("How much tax does
 * she pay?", "How much does a customer save?", "what is the discount?") rather than the amount after it.
 */
function asksForPart(p: Parse): boolean {
  const rest = p.c.text.slice(p.c.toks[p.to - 1].end);
  return /\bhow much (?:\w+ ){0,4}?(?:tax|tip|save|saves|saved|saving|savings|discount)\b|\b(?:what|how much) (?:is|was|will be|would be) the (?:\w+ )?(?:tax|tip|discount|saving|savings)\b/i.test(
    rest,
  );
}

// The base of a tip named by where tax stands, right after it: "on the pre-tax amount", "calculated on
// the price before tax", "on the total after tax"; group 1 is the base's words after "the".
const TAX_BASE =
  /^\s*(?:\S+\s+){0,2}?on\s+(?:the\s+)?((?:pre-?tax|after-?tax)\s+(?:price|bill|amount|total|cost|subtotal)|(?:price|bill|amount|total|cost|subtotal|meal)\s+(?:before|after|without|with)\s+(?:the\s+)?tax(?:es)?)\b/i;
// A tip on a fare, named right after it ("on the fare"): a fare is a price, not a bill.
const TIP_ON = /^\s*on\s+(?:the|a|an|her|his|their|its|our|my|your)\s+(?:\$?[\d.,]+\s+)?(fare)\b/i;
// A tip on the price without tax, anywhere in the text: then a tax's "total with tax" is no tip's base.
const PRE_TAX_TIP = /\b(?:tip|gratuity)\b[^.?!]{0,40}?\b(?:pre-?tax|before (?:the )?tax|without (?:the )?tax)\b/i;

// Quantities that are themselves percentages ("battery", "charge level"): their changes are in points.
// A level that is itself a percentage, anywhere in the text: "fell from 48% to 42%", "it's at 90% now".
const PERCENT_LEVEL =
  /\bfrom\s+\d[\d.]*\s?(?:%|percent\b|per cent\b)\s+to\s+\d|\b(?:is|was|it's|at|stands at|sits at)\s+\d[\d.]*\s?%\s+(?:now|right now|today|currently)\b/i;
const LEVEL = /\b(?:battery|charge|level|percentage|occupancy|humidity|chances?|probability|likelihood|odds)\b/i;

/** The percent family (each construction skipped on texts without a percent word). */
export const percentFamily: ConstructionDef[] = [
  successivePercent,
  reversePercent,
  percentChangeBetween,
  compoundInterest,
  simpleInterest,
  percentOfRemainder,
  repeatedPercent,
  percentMoreThan,
  percentOfBase,
  percentChange,
  percentOf,
].map((d) => ({ ...d, requires: PERCENT_WORD }));
