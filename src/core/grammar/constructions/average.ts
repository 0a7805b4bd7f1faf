// Averages: "average speed" (total distance ÷ total time, not the mean of the speeds), an overall
// average of groups (weighted), "mean number sold per day", "the average of 4, 8 and 12".
import { pluralNoun } from '../lexicon.ts';
import { alt, gap, opt, phrase, seq, slot, sym, w, type ConstructionDef, type Pattern } from '../engine.ts';
import { fitted, num } from '../render.ts';
import { period, quantity, units } from '../slots.ts';
import { text } from './common.ts';

/** "average speed for the whole trip" -> "average speed = total distance ÷ total time". */
export const averageSpeed: ConstructionDef = {
  family: 'average',
  kind: 'average-speed',
  priority: 20,
  pattern: seq(
    w('average', 'mean'),
    w('speed', 'velocity'),
    opt(
      seq(
        w('for', 'over', 'on'),
        w('the'),
        opt(w('whole', 'entire', 'round', 'total')),
        w('trip', 'journey', 'route', 'race', 'drive', 'ride', 'way'),
      ),
    ),
  ),
  render() {
    return { gloss: 'average speed = total distance ÷ total time' };
  },
};

const overall: Pattern = alt(
  seq(
    w('overall', 'combined', 'whole', 'total'),
    opt(w('class', 'group', 'team')),
    w('average', 'mean'),
    opt(seq(w('of', 'for'), opt(w('all', 'both')), opt(w('the')), opt(slot('n', quantity)), units('u2'))),
  ),
  seq(
    opt(w('overall', 'combined', 'whole', 'total')),
    w('average', 'mean'),
    opt(units('u')),
    w('of', 'for'),
    alt(w('all'), phrase('both groups'), phrase('both classes')),
    opt(w('the')),
    opt(slot('n', quantity)),
    opt(units('u2')),
    opt(w('combined', 'together', 'altogether')),
  ),
  seq(
    w('average', 'mean'),
    opt(units('u')),
    w('of', 'for'),
    w('the'),
    opt(w('two', 'three', 'both')),
    units('u2'),
    w('combined', 'together', 'altogether'),
  ),
);

/** "the overall average of both classes" -> "overall average = total of all values ÷ count of all values". */
export const weightedAverage: ConstructionDef = {
  family: 'average',
  kind: 'weighted-average',
  priority: 18,
  pattern: overall,
  render() {
    return { gloss: 'overall average = total of all values ÷ count of all values' };
  },
};

/** "mean number sold per day" -> "average per day = total ÷ number of days". */
export const averagePer: ConstructionDef = {
  family: 'average',
  kind: 'average-per',
  priority: 12,
  pattern: seq(
    w('average', 'mean'),
    opt(phrase('number of')),
    gap(
      3,
      (c, i) =>
        c.toks[i].type === 'word' &&
        !['per', 'a', 'an', 'each', 'every', 'than', 'of', 'is', 'was'].includes(c.word(i)),
    ),
    alt(w('per', 'each', 'every'), seq(w('a', 'an'), seq())),
    slot('per', period),
  ),
  render(p) {
    const per = p.slots.per.label!;
    return { gloss: `average per ${per} = total ÷ number of ${pluralNoun(per)}` };
  },
};

const listItem = slot('x', quantity);

/** "the average of 4, 8 and 12" -> "average = sum of the 3 values ÷ 3". */
export const averageOf: ConstructionDef = {
  family: 'average',
  kind: 'average-of',
  priority: 10,
  pattern: alt(
    seq(w('average', 'mean'), w('of'), listItem, (c, s) => {
      // ", 8, 12 and 16": count the items
      let i = s.i;
      let n = 1;
      for (;;) {
        if (c.toks[i]?.text === ',' && quantity(c, i + 1)) {
          i = quantity(c, i + 1)!.to;
          n++;
          continue;
        }
        const k = c.toks[i]?.text === ',' ? i + 1 : i;
        if (c.word(k) === 'and' && quantity(c, k + 1)) {
          i = quantity(c, k + 1)!.to;
          n++;
        }
        break;
      }
      return n > 1 ? [{ i, slots: { ...s.slots, n: { from: s.i, to: i, value: n } } }] : [];
    }),
    seq(w('average', 'mean'), w('of'), slot('n', quantity), units('u'), opt(sym(','))),
  ),
  render(p) {
    const n = p.slots.n.value!;
    if (!Number.isInteger(n) || n < 2) return null;
    const what = text(p, p.slots.u) || 'values';
    return fitted(`average = sum of the ${num(n)} ${what} ÷ ${num(n)}`);
  },
};

/** The average family. */
export const averageFamily: ConstructionDef[] = [averageSpeed, weightedAverage, averagePer, averageOf];
