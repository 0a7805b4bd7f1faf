// Additive comparisons: "Tom has 5 more apples than Jerry", "6 years older than Sam", "$5 cheaper
// than", "how many more ... than".
import { not, opt, phrase, seq, slot, w, type ConstructionDef } from '../engine.ts';
import { fitted, money } from '../render.ts';
import { comparative, fraction, multiplier, percent, quantity, units } from '../slots.ts';
import { comparisonSides, ref, refOf, text, verbDimension } from './common.ts';

/** Whether a referent is "the day before", "the previous week": a sequence, not a comparison of two things. */
export function previousPeriod(words: string): boolean {
  return /^(the (previous|prior|last) \w+|the \w+ before|the one before|the previous one)$/i.test(words);
}

/** "5 more apples than Jerry" -> "Tom's apples = Jerry's apples + 5"; "6 years older" -> "+ 6 years". */
export const moreThan: ConstructionDef = {
  family: 'additive-comparison',
  kind: 'n-more-than',
  priority: 10,
  pattern: seq(
    not(slot('x', percent)),
    slot('q', quantity),
    opt(seq(units('unit1'), opt(seq(w('per', 'an', 'a'), units('per1'))))),
    slot('cmp', comparative),
    opt(units('unit')),
    w('than'),
    not(slot('x', multiplier)),
    not(slot('x', fraction)),
    ref(),
  ),
  render(p) {
    const r = refOf(p)!;
    if (previousPeriod(p.c.slice(r.from, r.to))) return null;
    // "3 times more": the quantity is a multiplier (multiplicative family)
    if (p.c.word(p.slots.q.to) === 'times') return null;
    const cmp = p.slots.cmp;
    const per1 = p.slots.per1 ? ` ${p.c.slice(p.slots.unit1.to, p.slots.per1.to)}` : '';
    const unit1 = text(p, p.slots.unit1) + per1;
    let dim = cmp.label ?? '';
    let down = !!cmp.down;
    // "20 minutes slower than the bus": a time difference, and slower means more time
    if (dim === 'speed' && /^(seconds?|minutes?|hours?|days?)$/i.test(unit1)) {
      dim = 'time';
      down = !down;
    }
    // "ran 3 miles more than Wes": the verb names what is compared
    const verbDim = !dim && unit1 && !p.slots.unit ? verbDimension(p, p.from) : '';
    if (verbDim) dim = verbDim;
    const u = text(p, p.slots.unit) || (dim ? '' : unit1);
    const sides = comparisonSides(p, r, dim, u);
    if (!sides) return null;
    const q = p.slots.q;
    const delta = money(q.value!, q.label) + (dim && unit1 ? ` ${unit1}` : '');
    return fitted(`${sides[0]} = ${sides[1]} ${down ? '−' : '+'} ${delta}`);
  },
};

/** "12 cards in excess of Bo" -> "Ann's cards = Bo's cards + 12". */
export const inExcessOf: ConstructionDef = {
  family: 'additive-comparison',
  kind: 'n-more-than',
  priority: 10,
  pattern: seq(not(slot('x', percent)), slot('q', quantity), opt(units('unit')), phrase('in excess of'), ref()),
  render(p) {
    const r = refOf(p)!;
    if (previousPeriod(p.c.slice(r.from, r.to))) return null;
    const sides = comparisonSides(p, r, '', text(p, p.slots.unit));
    if (!sides) return null;
    const q = p.slots.q;
    return fitted(`${sides[0]} = ${sides[1]} + ${money(q.value!, q.label)}`);
  },
};

/** The additive-comparison family. */
export const additive: ConstructionDef[] = [moreThan, inExcessOf];
