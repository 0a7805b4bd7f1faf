// Percentage changes: successive ("20% off, then another 10% off"), reverse ("after a 20% raise it
// is $60: what was it before"), between two values ("rose from $20 to $25 … by what percent") and
// single ("a 20% discount", "increased by 15%", "30% off", "an 8% sales tax").
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
} from '../../engine.ts';
import { factor, fitted, money, num } from '../../render.ts';
import { percent, quantity, units } from '../../slots.ts';
import { sentenceAfter, sentenceBefore, text } from '../common.ts';
import {
  BASE_FORMS,
  bareBaseForm,
  CHANGE_VERBS,
  DOWN_NOUNS,
  DOWN_VERBS,
  LEVEL,
  PERCENT_ASKED,
  PERCENT_LEVEL,
  PERCENT_WORD,
  UP_NOUNS,
  UP_VERBS,
  baseTail,
  changeDirection,
  notOf,
  priceBase,
} from './words.ts';

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

const originalAsked = when((c, s) =>
  /\b(original(ly)?|before|at first|initially|to begin with|start(ed)? with|(full|regular|usual|list|normal|sticker|undiscounted) (price|cost|fare|rent))\b/i.test(
    c.text.slice(c.toks[s.i - 1].end),
  ),
);

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
    if (a.value === b.value || a.value === 0 || bareBaseForm(p)) return null;
    // ("from 40 percent to 50 percent" may also read as a count of the unit "percent")
    // "By how many percentage points …?" asks for the points themselves
    if (/\bpercentage points?\b/i.test(p.c.text)) return null;
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
      bareBaseForm(p) ||
      (BASE_FORMS.has(p.c.word(p.from)) &&
        ['more', 'less', 'fewer', 'higher', 'lower', 'than', 'below', 'above', 'bigger', 'smaller', 'greater'].includes(
          p.c.word(p.to),
        ))
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
        return p.slots.obj.to - p.slots.obj.from === 2 &&
          MEASURED_NOUNS.has(head) &&
          EARLIER_CHANGE.test(p.c.text.slice(0, p.c.toks[p.from].start))
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

// An earlier percentage change in the text: "cut the price … by 20%", "20% off".
const EARLIER_CHANGE =
  /\b(?:cut|cuts|reduced|reduces|raised|raises|increased|increases|decreased|decreases|lowered|lowers|discounted|marked (?:down|up))\b[^.?!]*?(?:%|per\s?cent)|(?:%|per\s?cent)\s*(?:off|discount|sale|increase|decrease|raise|cut)\b/i;
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

// A condition on a change: "for orders over $50", "on the first $100", "if you buy 3 or more".
const CONDITION =
  /\b(?:for|on) (?:\w+ )?(?:orders?|purchases?|groups?|bills?|totals?|anything|items?|spending) (?:of |over |above |more than |worth |totaling )|\b(?:over|above|more than|at least) \$|\b(?:first|next) \$?\d|\bif\b|\bwhen\b|\bonly\b/i;

/**
 * Whether the text after the phrase asks for the part a percentage takes or adds ("How much tax does
 * she pay?", "How much does a customer save?", "what is the discount?") rather than the amount after it.
 */
function asksForPart(p: Parse): boolean {
  const rest = p.c.text.slice(p.c.toks[p.to - 1].end);
  // "How much does he save by buying the cheaper lens?": a saving between two choices, not the discount
  if (/\bsaves?\b(?:\s+\w+){0,3}\s+by\s+(?:buying|choosing|getting|going|picking|taking|using)\b/i.test(rest))
    return false;
  return /\bhow much (?:\w+ ){0,4}?(?:tax|tip|save|saves|saved|saving|savings|discount)\b|\b(?:what|how much) (?:is|was|will be|would be) the (?:\w+ )?(?:tax|tip|discount|saving|savings)\b/i.test(
    rest,
  );
}

// The base of a tip named by where tax stands, right after it: "on the pre-tax amount", "calculated on
// the price before tax", "on the total after tax"; group 1 is the base's words after "the".
const TAX_BASE =
  /^\s*(?:\S+\s+){0,2}?on\s+(?:the\s+)?((?:pre-?tax|after-?tax)\s+(?:price|bill|amount|total|cost|subtotal)|(?:price|bill|amount|total|cost|subtotal|meal)\s+(?:before|after|without|with)\s+(?:the\s+)?tax(?:es)?)\b/i;
// A tip on a fare or a named cost, right after it ("on the fare", "on the cost of the food"): not the bill.
const TIP_ON =
  /^\s*on\s+(?:the|a|an|her|his|their|its|our|my|your)\s+(?:\$?[\d.,]+\s+)?(fare|(?:cost|price) of (?:the|her|his|their) (?:food|meal|dinner|lunch|breakfast|order))\b(?!\s+(?:and|plus|with|or)\b)/i;
// A tip on the price without tax, anywhere in the text: then a tax's "total with tax" is no tip's base.
const PRE_TAX_TIP = /\b(?:tip|gratuity)\b[^.?!]{0,40}?\b(?:pre-?tax|before (?:the )?tax|without (?:the )?tax)\b/i;
