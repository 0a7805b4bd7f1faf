// Additive comparisons: "Tom has 5 more apples than Jerry", "6 years older than Sam", "$5 cheaper
// than", "how many more ... than".
import { not, opt, seq, slot, w, type ConstructionDef } from '../engine.ts';
import { fit, money } from '../render.ts';
import { comparative, fraction, multiplier, percent, quantity, unit } from '../slots.ts';
import { comparisonSides, ref, refOf, text } from './common.ts';

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
    opt(slot('unit1', unit)),
    slot('cmp', comparative),
    opt(slot('unit', unit)),
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
    const unit1 = text(p, p.slots.unit1);
    const dim = cmp.label ?? '';
    const u = text(p, p.slots.unit) || (dim ? '' : unit1);
    const sides = comparisonSides(p, r, dim, u);
    if (!sides) return null;
    const q = p.slots.q;
    const delta = money(q.value!, q.label) + (dim && unit1 ? ` ${unit1}` : '');
    const gloss = fit(`${sides[0]} = ${sides[1]} ${cmp.down ? '−' : '+'} ${delta}`);
    return gloss ? { gloss } : null;
  },
};

/** The additive-comparison family. */
export const additive: ConstructionDef[] = [moreThan];
