// Ratios: "for every 3 red marbles there are 5 blue ones", "the ratio of boys to girls is 3:2",
// "shared between Ann and Ben in the ratio 2:3".
import { alt, gap, opt, seq, slot, sym, w, type ConstructionDef, type Parse, type Reader } from '../engine.ts';
import { nameOf } from '../referents.ts';
import { fitted, num } from '../render.ts';
import { quantity, units } from '../slots.ts';
import { ref, refOf, text } from './common.ts';

/** A ratio value: "3:2" (a pair token), "3 : 2", "3 to 2". `label` is "a : b". */
const ratioValue: Reader = (c, i) => {
  const t = c.toks[i];
  if (t?.type === 'pair' && t.parts) return { from: i, to: i + 1, label: `${t.parts[0]} : ${t.parts[1]}` };
  if (t?.type === 'time' && /^\d{1,2}:\d{2}$/.test(t.text)) {
    const [a, b] = t.text.split(':').map(Number);
    return { from: i, to: i + 1, label: `${a} : ${b}` };
  }
  const a = quantity(c, i);
  if (!a || a.label) return undefined;
  const sep = c.toks[a.to];
  if (!sep || !(sep.text === ':' || sep.lower === 'to')) return undefined;
  const b = quantity(c, a.to + 1);
  if (!b || b.label) return undefined;
  return { from: i, to: b.to, label: `${num(a.value!)} : ${num(b.value!)}` };
};

/** Words naming the second group: "5 blue ones" -> "blue", "5 blue marbles" -> "blue marbles". */
function groupName(p: Parse, name: string): string {
  return text(p, p.slots[name]).replace(/\s+ones?$/i, '');
}

/** "for every 3 red marbles there are 5 blue ones" -> "red marbles : blue = 3 : 5". */
export const ratioForEvery: ConstructionDef = {
  family: 'ratio',
  kind: 'ratio-for-every',
  priority: 22,
  pattern: seq(
    w('for'),
    w('every', 'each'),
    slot('q1', quantity),
    units('u1'),
    // "for every 2 boys in the class"
    opt(
      seq(
        w('in', 'at', 'on'),
        gap(3, (c, i) => c.toks[i].type === 'word' && !['there', 'than'].includes(c.word(i))),
      ),
    ),
    opt(sym(',')),
    alt(
      seq(w('there'), w('are', 'is', 'were', 'was')),
      seq(
        gap(3, (c, i) => c.toks[i].type === 'word' && !['than', 'for', 'of'].includes(c.word(i))),
        w('has', 'have', 'had', 'gets', 'get', 'got', 'are', 'is', 'were', 'was', 'needs', 'need', 'uses', 'use'),
      ),
    ),
    slot('q2', quantity),
    units('u2'),
  ),
  render(p) {
    const q1 = p.slots.q1;
    const q2 = p.slots.q2;
    if (q1.label || q2.label) return null; // money: a price, not a ratio
    return fitted(`${groupName(p, 'u1')} : ${groupName(p, 'u2')} = ${num(q1.value!)} : ${num(q2.value!)}`);
  },
};

/** "the ratio of boys to girls is 3:2" -> "boys : girls = 3 : 2". */
export const ratioOf: ConstructionDef = {
  family: 'ratio',
  kind: 'ratio-of',
  priority: 22,
  pattern: alt(
    seq(
      opt(w('the')),
      w('ratio'),
      w('of'),
      ref('a'),
      w('to'),
      ref('b'),
      w('is', 'was', 'are', 'were'),
      opt(w('equal')),
      opt(w('to')),
      slot('v', ratioValue),
    ),
    seq(
      ref('a'),
      w('and'),
      ref('b'),
      // "share the money in", "are mixed in"
      gap(4, (c, i) => c.toks[i].type === 'word' && !['ratio', 'than', 'and'].includes(c.word(i))),
      w('the', 'a'),
      w('ratio'),
      opt(w('of')),
      slot('v', ratioValue),
    ),
    seq(
      w('between'),
      ref('a'),
      w('and'),
      ref('b'),
      opt(w('in')),
      w('the', 'a'),
      w('ratio'),
      opt(w('of')),
      slot('v', ratioValue),
    ),
  ),
  render(p) {
    const a = refOf(p, 'a');
    const b = refOf(p, 'b');
    if (!a || !b) return null;
    return fitted(`${nameOf(p.c, a)} : ${nameOf(p.c, b)} = ${p.slots.v.label}`);
  },
};

/** The ratio family. */
export const ratioFamily: ConstructionDef[] = [ratioForEvery, ratioOf];
