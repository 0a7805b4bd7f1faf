// Multiplicative constructions: "N times as many X as Y", "N times more/older than Y" (ambiguous),
// "N times fewer than Y", "5 more than twice as many", "three times the number of Y", "doubles
// every year".
import {
  alt,
  cap,
  gap,
  not,
  opt,
  seq,
  slot,
  w,
  when,
  type ConstructionDef,
  type Parse,
  type Pattern,
  type Rendering,
} from '../engine.ts';
import { AS_ADJECTIVES, GROWTH_VERBS, pluralNoun } from '../lexicon.ts';
import { clauseTail } from './tail.ts';
import { fit, fitted, money, num } from '../render.ts';
import { comparative, fraction, multiplier, percent, period, quantity, units } from '../slots.ts';
import { asDimension, comparisonSides, ref, refOf, text, verbDimension } from './common.ts';

const asAdj = cap('adj', w(...Object.keys(AS_ADJECTIVES)));

/** "three times as many apples as Jerry" -> "Tom's apples = 3 × Jerry's apples". */
export const timesAsMany: ConstructionDef = {
  family: 'multiplicative',
  kind: 'times-as-many',
  priority: 20,
  pattern: seq(slot('m', multiplier), w('as'), asAdj, opt(units('unit')), w('as'), ref()),
  render(p) {
    const { dim, unit: u } = asDimension(p);
    const sides = comparisonSides(p, refOf(p), dim, u);
    if (!sides) return null;
    return fitted(`${sides[0]} = ${num(p.slots.m.value!)} × ${sides[1]}`);
  },
};

const upComparative = slot('cmp', (c, i) => {
  const s = comparative(c, i);
  return s && !s.down ? s : undefined;
});
const downComparative = slot('cmp', (c, i) => {
  const s = comparative(c, i);
  return s && s.down ? s : undefined;
});

function comparisonDim(p: Parse): { dim: string; unit: string } {
  const dim = p.slots.cmp.label ?? '';
  const u = text(p, p.slots.unit);
  if (dim) return { dim, unit: '' };
  if (u) return { dim: '', unit: u };
  return { dim: verbDimension(p, p.from), unit: '' };
}

/**
 * "<m> times <comparative> than <referent>": the comparison's sides (as comparisonSides reads them,
 * in the dimension comparisonDim finds) and the multiplier go to `gloss`; no parse renders without sides.
 */
function timesThan(
  kind: string,
  cmp: Pattern,
  gloss: (sides: [string, string], m: number) => Rendering | null,
): ConstructionDef {
  return {
    family: 'multiplicative',
    kind,
    priority: 20,
    pattern: seq(slot('m', multiplier), cmp, opt(units('unit')), w('than'), ref()),
    render(p) {
      const { dim, unit: u } = comparisonDim(p);
      const sides = comparisonSides(p, refOf(p), dim, u);
      return sides ? gloss(sides, p.slots.m.value!) : null;
    },
  };
}

/** "6 times older than Sam" -> "Ruby's age = 6 × Sam's age (some read 7 ×)": flagged ambiguous. */
export const timesMoreThan = timesThan('n-times-more-than', upComparative, (sides, m) => {
  const gloss = fit(`${sides[0]} = ${num(m)} × ${sides[1]} (some read ${num(m + 1)} ×)`);
  return gloss ? { gloss, ambiguous: true } : null;
});

/** "three times fewer than X" -> "= X ÷ 3". */
export const timesFewerThan = timesThan('n-times-fewer-than', downComparative, (sides, m) =>
  fitted(`${sides[0]} = ${sides[1]} ÷ ${num(m)}`),
);

const anyComparative = slot('cmp', comparative);

/** "5 more muffins than twice the bagels", "40 less than seven times as many" -> "muffins = 2 × bagels + 5". */
export const moreThanTimes: ConstructionDef = {
  family: 'multiplicative',
  kind: 'n-more-than-k-times',
  priority: 30,
  pattern: seq(
    slot('q', quantity),
    opt(units('unit1')),
    anyComparative,
    opt(units('unit')),
    w('than'),
    slot('m', multiplier),
    alt(seq(w('as'), asAdj, opt(units('unit3')), w('as'), ref()), ref()),
  ),
  render(p) {
    const cmp = p.slots.cmp;
    const unit1 = text(p, p.slots.unit1);
    const u = text(p, p.slots.unit) || text(p, p.slots.unit3) || (cmp.label ? '' : unit1);
    const dim = cmp.label ?? '';
    const sides = comparisonSides(p, refOf(p), dim, u);
    if (!sides) return null;
    const q = p.slots.q;
    const delta = money(q.value!, q.label) + (dim && unit1 ? ` ${unit1}` : '');
    return fitted(`${sides[0]} = ${num(p.slots.m.value!)} × ${sides[1]} ${cmp.down ? '−' : '+'} ${delta}`);
  },
};

const AMOUNT_VERBS = new Set(
  'has have had earns earned earn makes made make pays paid pay costs cost weighs weighed sold sells sell gets got get saves saved spends spent owns owned collects collected scored scores is was are were'.split(
    ' ',
  ),
);

// Words that end the short clause after "what": conjunctions and the prepositions of an adjunct.
const CLAUSE_ENDS = new Set('and but so then while in on at for with from by to during before after'.split(' '));

/** "triple what Sam has", "twice what she earned" -> "3 × what Sam has" (the clause is the base). */
export const timesWhat: ConstructionDef = {
  family: 'multiplicative',
  kind: 'times-the',
  priority: 14,
  pattern: seq(
    // an amount verb before it: "has triple what", not "tell me twice what" (twice = tell again)
    when((c, s) => AMOUNT_VERBS.has(c.word(s.i - 1))),
    slot('m', multiplier),
    w('what'),
    // a short clause: its subject and verb ("Sam has", "she earned last week")
    gap(4, (c, i) => c.toks[i].type === 'word' && !CLAUSE_ENDS.has(c.word(i))),
    when((c, s) => {
      const t = c.toks[s.i];
      return !t || t.type === 'punct' || CLAUSE_ENDS.has(c.word(s.i));
    }),
  ),
  render(p) {
    const clause = p.c.slice(p.slots.m.to + 1, p.to);
    let verb = false;
    for (let k = p.slots.m.to + 2; k < p.to; k++) verb ||= p.c.tags(k).has('Verb') && !p.c.tags(k).has('Copula');
    if (p.to - p.slots.m.to < 3 || !verb) return null; // "twice what" needs a subject and its verb
    return fitted(`${num(p.slots.m.value!)} × what ${clause}`);
  },
};

/** "three times the number of cats", "twice Sam's age" -> "3 × the number of cats". */
export const timesThe: ConstructionDef = {
  family: 'multiplicative',
  kind: 'times-the',
  priority: 14,
  pattern: seq(
    slot('m', multiplier),
    not(w('as', 'more', 'less', 'fewer')),
    not(slot('x', percent)),
    not(slot('x', fraction)),
    ref(),
    clauseTail,
  ),
  render(p) {
    const r = refOf(p)!;
    if (r.role === 'pronoun' || r.role === 'time') return null;
    const first = p.c.toks[r.from];
    // "twice the amount", "three times Sam's age", "double the price of a ticket"; not "twice Sam" (no measure)
    if (!(
      first.possessive ||
      first.lower === 'the' ||
      first.lower === 'his' ||
      first.lower === 'her' ||
      first.lower === 'their' ||
      first.lower === 'its'
    ))
      return null;
    return fitted(`${num(p.slots.m.value!)} × ${p.c.slice(r.from, p.to).replace(/\s+/g, ' ')}`);
  },
};

/** "doubles every year" -> "× 2 every year: it multiplies, it does not add". */
export const repeatedGrowth: ConstructionDef = {
  family: 'multiplicative',
  kind: 'repeated-growth',
  priority: 16,
  pattern: seq(
    cap('verb', w(...Object.keys(GROWTH_VERBS))),
    w('every', 'each'),
    opt(slot('n', quantity)),
    slot('per', period),
  ),
  render(p) {
    const v = GROWTH_VERBS[text(p, p.slots.verb).toLowerCase()];
    const n = p.slots.n?.value;
    const per = p.slots.per.label!;
    const every = n && n > 1 ? `every ${num(n)} ${pluralNoun(per)}` : `every ${per}`;
    return { gloss: `× ${v} ${every}: it multiplies, it does not add` };
  },
};

/** The multiplicative family, in precedence order. */
export const multiplicative: ConstructionDef[] = [
  moreThanTimes,
  timesAsMany,
  timesMoreThan,
  timesFewerThan,
  timesThe,
  timesWhat,
  repeatedGrowth,
];
