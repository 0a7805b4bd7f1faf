// Percent comparisons: "25% more than last year", "30 percent above last year's".
import { alt, cap, opt, seq, slot, w, type ConstructionDef, type Parse } from '../../engine.ts';
import { nameOf, subjectBefore } from '../../referents.ts';
import { factor, fitted } from '../../render.ts';
import { comparative, percent, units } from '../../slots.ts';
import { comparisonSides, ref, refOf, text, verbDimension } from '../common.ts';

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
