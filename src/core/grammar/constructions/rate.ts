// Rates: "6 liters of fuel for every 100 km", "$3 per pound", "60 miles per hour", "5 pages a day".
import { alt, opt, seq, slot, w, when, type ConstructionDef } from '../engine.ts';
import { fit, money, num } from '../render.ts';
import { period, quantity, unit } from '../slots.ts';
import { text } from './common.ts';
import { clauseTail } from './tail.ts';

/** "6 liters of fuel for every 100 km" -> "fuel = 6 liters per 100 km". */
export const rateForEvery: ConstructionDef = {
  family: 'rate',
  kind: 'rate-for-every',
  priority: 20,
  pattern: seq(
    slot('q1', quantity),
    opt(slot('u1', unit)),
    opt(seq(w('of'), slot('what', unit))),
    w('for'),
    w('every', 'each'),
    opt(slot('q2', quantity)),
    slot('u2', unit),
    clauseTail,
  ),
  render(p) {
    const q1 = p.slots.q1;
    const u1 = text(p, p.slots.u1);
    const what = text(p, p.slots.what) || u1;
    const q2 = p.slots.q2;
    const amount = `${money(q1.value!, q1.label)}${u1 ? ` ${u1}` : ''}`;
    const per = `${q2 ? `${num(q2.value!)} ` : ''}${text(p, p.slots.u2)}`;
    const gloss = fit(what ? `${what} = ${amount} per ${per}` : `${amount} per ${per}`);
    return gloss ? { gloss } : null;
  },
};

const perPeriod = alt(
  seq(w('per'), alt(slot('per', period), slot('per', unit))),
  seq(w('a', 'an', 'each', 'every'), slot('per', period)),
);

/** "$3 per pound" -> "total = $3 × number of pounds"; "60 miles per hour" -> "miles = 60 × number of hours". */
export const ratePer: ConstructionDef = {
  family: 'rate',
  kind: 'rate-per',
  priority: 6,
  pattern: seq(
    when((c, s) => c.word(s.i - 1) !== 'every' && c.word(s.i - 1) !== 'per'),
    slot('q', quantity),
    opt(slot('u', unit)),
    perPeriod,
  ),
  render(p) {
    const q = p.slots.q;
    const u = text(p, p.slots.u);
    if (!u && !q.label) return null; // "3 per day": no unit to name
    const perSlot = p.slots.per;
    const perWord =
      perSlot.label && p.c.slice(perSlot.from, perSlot.to).split(' ').length === 1
        ? p.c.slice(perSlot.from, perSlot.to)
        : text(p, perSlot);
    const per = /s$/.test(perWord) ? perWord : `${perWord}s`;
    const gloss = fit(
      u ? `${u} = ${num(q.value!)} × number of ${per}` : `total = ${money(q.value!, q.label)} × number of ${per}`,
    );
    return gloss ? { gloss } : null;
  },
};

/** The rate family. */
export const rateFamily: ConstructionDef[] = [rateForEvery, ratePer];
