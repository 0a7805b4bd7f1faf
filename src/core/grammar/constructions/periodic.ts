// Periodic events: "every other day" -> "every 2nd day"; "every 3 days" -> "once per 3 days";
// "twice a week" -> "2 times per week"; "twice daily".
import { alt, opt, seq, slot, w, type ConstructionDef, type Reader } from '../engine.ts';
import { FREQUENCY_ADVERBS, pluralNoun } from '../lexicon.ts';
import { num } from '../render.ts';
import { frequency, period, quantity } from '../slots.ts';

/** "every other day", "on alternate days" -> "every 2nd day". */
export const everyOther: ConstructionDef = {
  family: 'periodic',
  kind: 'every-other',
  priority: 15,
  pattern: alt(
    seq(w('every'), w('other'), slot('per', period)),
    seq(opt(w('on')), w('alternate', 'alternating'), slot('per', period)),
  ),
  render(p) {
    return { gloss: `every 2nd ${p.slots.per.label}, not every ${p.slots.per.label}` };
  },
};

const ORDINALS: Record<string, number> = {
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
};

/** An ordinal: "third", "3rd". */
const ordinal: Reader = (c, i) => {
  const wd = c.word(i);
  if (wd in ORDINALS) return { from: i, to: i + 1, value: ORDINALS[wd] };
  const t = c.toks[i];
  const s = c.toks[i + 1];
  if (t?.type === 'num' && s && s.start === t.end && /^(st|nd|rd|th)$/.test(s.lower))
    return { from: i, to: i + 2, value: t.value };
  return undefined;
};

/** "every 3 days", "every third day" -> "once per 3 days, not 3 times per day". */
export const everyNPeriod: ConstructionDef = {
  family: 'periodic',
  kind: 'every-n-period',
  priority: 14,
  pattern: seq(w('every'), alt(slot('n', quantity), slot('n', ordinal)), slot('per', period)),
  render(p) {
    const n = p.slots.n.value!;
    if (!Number.isInteger(n) || n < 2 || p.slots.n.label) return null;
    const per = p.slots.per.label!;
    return { gloss: `once per ${num(n)} ${pluralNoun(per)}, not ${num(n)} times per ${per}` };
  },
};

/** "twice a day", "3 times per week", "twice daily" -> "2 times per day". */
export const timesPerPeriod: ConstructionDef = {
  family: 'periodic',
  kind: 'n-times-per-period',
  priority: 14,
  pattern: seq(
    slot('n', frequency),
    alt(
      seq(w('a', 'an', 'per', 'each', 'every'), slot('per', period)),
      slot('per', (c, i) =>
        c.word(i) in FREQUENCY_ADVERBS ? { from: i, to: i + 1, label: FREQUENCY_ADVERBS[c.word(i)] } : undefined,
      ),
    ),
  ),
  render(p) {
    const n = p.slots.n.value!;
    const per = p.slots.per.label!;
    return { gloss: `${num(n)} ${n === 1 ? 'time' : 'times'} per ${per}` };
  },
};

/** The periodic family. */
export const periodicFamily: ConstructionDef[] = [everyOther, everyNPeriod, timesPerPeriod];
