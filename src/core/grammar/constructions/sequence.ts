// Sequences: "three consecutive even numbers" -> "n, n + 2, n + 4"; "each day 5 more pages than the
// day before" -> "each day = the previous day + 5".
import { opt, seq, slot, w, type ConstructionDef } from '../engine.ts';
import { fitted, money } from '../render.ts';
import { comparative, quantity, units } from '../slots.ts';
import { ref, refOf, text } from './common.ts';
import { previousPeriod } from './additive.ts';

/** "three consecutive even numbers" -> "n, n + 2, n + 4". */
export const consecutive: ConstructionDef = {
  family: 'sequence',
  kind: 'consecutive',
  priority: 15,
  pattern: seq(
    opt(slot('n', quantity)),
    w('consecutive'),
    opt(
      slot('parity', (c, i) =>
        ['even', 'odd'].includes(c.word(i)) ? { from: i, to: i + 1, label: c.word(i) } : undefined,
      ),
    ),
    opt(w('whole', 'positive', 'page')),
    w('numbers', 'integers', 'number', 'integer'),
  ),
  render(p) {
    const n = p.slots.n?.value;
    if (n !== undefined && (!Number.isInteger(n) || n < 2 || p.slots.n.label)) return null;
    const step = p.slots.parity ? 2 : 1;
    const terms = ['n'];
    const shown = n === undefined ? 3 : Math.min(n, 5);
    for (let k = 1; k < shown; k++) terms.push(`n + ${k * step}`);
    let list = terms.join(', ');
    if (n === undefined) list += ', …';
    else if (n > 5) list += `, …, n + ${(n - 1) * step}`;
    const parity = p.slots.parity ? ` (n ${p.slots.parity.label})` : '';
    return { gloss: `${list}${parity}` };
  },
};

/** "5 more pages than the day before" -> "each day = the previous day + 5 pages". */
export const moreThanPrevious: ConstructionDef = {
  family: 'sequence',
  kind: 'more-than-previous',
  priority: 12,
  pattern: seq(
    slot('q', quantity),
    opt(units('unit1')),
    slot('cmp', comparative),
    opt(units('unit')),
    w('than'),
    ref(),
  ),
  render(p) {
    const r = refOf(p)!;
    const words = p.c.slice(r.from, r.to);
    if (!previousPeriod(words)) return null;
    const m = /^the (?:(?:previous|prior|last) (\w+)|(\w+) before)$/i.exec(words);
    const per = (m?.[1] ?? m?.[2] ?? 'one').toLowerCase();
    const q = p.slots.q;
    const u = text(p, p.slots.unit) || text(p, p.slots.unit1);
    return fitted(
      `each ${per} = the previous ${per} ${p.slots.cmp.down ? '−' : '+'} ${money(q.value!, q.label)}${u ? ` ${u}` : ''}`,
    );
  },
};

/** The sequence family. */
export const sequenceFamily: ConstructionDef[] = [consecutive, moreThanPrevious];
