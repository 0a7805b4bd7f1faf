// Fractions: "a third of the remainder", "two-fifths of the students", "half as many X as Y",
// "one third the size of", "a quarter more than".
import { alt, cap, opt, phrase, seq, slot, w, when, type ConstructionDef, type Parse, type Reader } from '../engine.ts';
import { AS_ADJECTIVES, PERIODS } from '../lexicon.ts';
import { nameOf, sideOf, subjectBefore } from '../referents.ts';
import { fitted } from '../render.ts';
import { comparative, fraction, units } from '../slots.ts';
import { asDimension, comparisonSides, ref, refOf, text } from './common.ts';

/** "the remainder", "the rest", "what is left", "the remaining apples", "her remaining money". */
export const remainder = alt(
  phrase('the remainder'),
  phrase('the rest'),
  phrase('what is left'),
  // "what's left": one token, with its apostrophe
  seq(w("what's", 'what\u2019s'), w('left', 'remaining')),
  phrase('what was left'),
  phrase('what remains'),
  phrase('what remained'),
  phrase('what she had left'),
  phrase('what he had left'),
  phrase('what they had left'),
  seq(w('the', 'her', 'his', 'their', 'its', 'my', 'our'), w('remaining', 'leftover'), opt(units('unit'))),
  seq(
    w('the'),
    units('unit'),
    alt(w('left', 'remaining', 'leftover'), phrase('that remain'), phrase('that were left'), phrase('that are left')),
  ),
  seq(phrase('the leftovers')),
);

/** The fraction as "÷ d" (unit fractions) or "n/d ×", around the referent text. */
export function ofFraction(p: Parse, what: string): string {
  const f = p.slots.f;
  const [n, d] = f.label!.split('/');
  return n === '1' ? `${what} ÷ ${d}` : `${n}/${d} × ${what}`;
}

/**
 * "<amount> of the remainder" -> "<amount> of what is left after the previous step", the amount read
 * by `read` into slot `name` (a fraction here, a percent in percent/share.ts).
 */
export function ofRemainder(family: string, kind: string, name: string, read: Reader): ConstructionDef {
  return {
    family,
    kind,
    priority: 20,
    pattern: seq(slot(name, read), w('of'), remainder),
    render(p) {
      return { gloss: `${text(p, p.slots[name])} of what is left after the previous step` };
    },
  };
}

/** "a third of the remainder" -> "a third of what is left after the previous step". */
export const fractionOfRemainder = ofRemainder('fraction', 'fraction-of-remainder', 'f', fraction);

/**
 * The plural noun counted by the nearest number before token `i` in its sentence ("Out of 64 tiles,
 * ... of them" -> "tiles"), or undefined where there is none or another plural noun comes between.
 */
function countedBefore(p: Parse, i: number): string | undefined {
  for (let j = i - 1; j > 0; j--) {
    const t = p.c.toks[j];
    if (t.type === 'punct' && /^[.!?]$/.test(t.text)) return undefined;
    const prev = p.c.toks[j - 1];
    if (t.type === 'word' && /s$/.test(t.lower) && p.c.tags(j).has('Plural'))
      return prev.type === 'num' ? t.lower : undefined;
  }
  return undefined;
}

/** "two-fifths of the students" -> "2/5 × students"; "half of his money" -> "his money ÷ 2". */
export const fractionOf: ConstructionDef = {
  family: 'fraction',
  kind: 'fraction-of',
  priority: 8,
  pattern: seq(
    // "the first half of the book" names a part, not a fraction of an amount
    when(
      (c, s) =>
        !['first', 'second', 'last', 'other', 'back', 'front', 'top', 'bottom', 'latter', 'former'].includes(
          c.word(s.i - 1),
        ),
    ),
    slot('f', fraction),
    w('of'),
    ref(),
  ),
  render(p) {
    const r = refOf(p)!;
    // "Out of 64 tiles, three eighths of them": "them" is the counted noun before it in the sentence.
    const antecedent = p.c.word(r.head) === 'them' ? countedBefore(p, r.from) : undefined;
    if (!antecedent && (r.role === 'pronoun' || r.role === 'time' || p.c.word(r.head) in PERIODS)) return null;
    const what = antecedent ?? p.c.slice(r.from, r.to).replace(/^(the|a|an) /i, '');
    return fitted(ofFraction(p, what));
  },
};

/** "half as many X as Y" -> "X = Y ÷ 2". */
export const fractionAsMany: ConstructionDef = {
  family: 'fraction',
  kind: 'fraction-as-many',
  priority: 20,
  pattern: seq(
    slot('f', fraction),
    w('as'),
    cap('adj', w(...Object.keys(AS_ADJECTIVES))),
    opt(units('unit')),
    w('as'),
    ref(),
  ),
  render(p) {
    const { dim, unit: u } = asDimension(p);
    const sides = comparisonSides(p, refOf(p), dim, u);
    if (!sides) return null;
    return fitted(`${sides[0]} = ${ofFraction(p, sides[1])}`);
  },
};

const MEASURES = [
  'size',
  'number',
  'amount',
  'price',
  'length',
  'weight',
  'height',
  'age',
  'cost',
  'distance',
  'speed',
  'area',
  'width',
  'value',
];

/** "one third the size of the old tank" -> "new tank's size = old tank's size ÷ 3". */
export const fractionTheSize: ConstructionDef = {
  family: 'fraction',
  kind: 'fraction-the-size',
  priority: 18,
  pattern: seq(slot('f', fraction), opt(w('the')), cap('dim', w(...MEASURES)), w('of'), ref()),
  render(p) {
    const c = p.c;
    const dim = text(p, p.slots.dim).toLowerCase();
    const subj = subjectBefore(c, p.from);
    const r = refOf(p)!;
    if (!subj || r.role === 'time') return null;
    const b = dim === 'number' || dim === 'amount' ? nameOf(c, r) : sideOf(c, r, dim);
    const a = dim === 'number' || dim === 'amount' ? nameOf(c, subj) : sideOf(c, subj, dim);
    return fitted(`${a} = ${ofFraction(p, b)}`);
  },
};

/** "a third more than X" -> "= (1 + 1/3) × X". */
export const fractionMoreThan: ConstructionDef = {
  family: 'fraction',
  kind: 'fraction-more-than',
  priority: 18,
  pattern: seq(slot('f', fraction), slot('cmp', comparative), opt(units('unit')), w('than'), ref()),
  render(p) {
    const cmp = p.slots.cmp;
    const u = text(p, p.slots.unit);
    const sides = comparisonSides(p, refOf(p), cmp.label ?? '', cmp.label ? '' : u);
    if (!sides) return null;
    return fitted(`${sides[0]} = (1 ${cmp.down ? '−' : '+'} ${p.slots.f.label}) × ${sides[1]}`);
  },
};

/** The fraction family. */
export const fractionFamily: ConstructionDef[] = [
  fractionOfRemainder,
  fractionAsMany,
  fractionTheSize,
  fractionMoreThan,
  fractionOf,
];
