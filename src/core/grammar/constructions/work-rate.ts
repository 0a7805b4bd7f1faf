// Work rates: "working together", "if they paint the fence together" -> "their rates (jobs per hour)
// add; their times do not".
import { alt, gap, seq, w, type ConstructionDef } from '../engine.ts';

const WORK_VERBS = [
  'work',
  'works',
  'worked',
  'working',
  'paint',
  'painting',
  'clean',
  'cleaning',
  'build',
  'building',
  'fill',
  'filling',
  'mow',
  'mowing',
  'dig',
  'digging',
  'type',
  'typing',
  'assemble',
  'assembling',
  'pack',
  'packing',
  'finish',
  'finishing',
  'complete',
  'completing',
  'do',
  'doing',
  'wash',
  'washing',
  'knit',
  'knitting',
  'bake',
  'baking',
  'pick',
  'picking',
  'harvest',
  'harvesting',
  'empty',
  'emptying',
  'drain',
  'draining',
];

/** "working together" -> "their rates (jobs per hour) add; their times do not". */
export const workTogether: ConstructionDef = {
  family: 'work-rate',
  kind: 'work-together',
  priority: 15,
  pattern: alt(
    seq(w(...WORK_VERBS), w('together')),
    seq(
      w(...WORK_VERBS),
      gap(4, (c, i) => c.toks[i].type === 'word' && !['and', 'but', 'then', 'together'].includes(c.word(i))),
      w('together'),
    ),
    seq(w('working', 'work'), w('at'), w('the'), w('same'), w('time')),
  ),
  render(p) {
    // "get together", "put together" never reach here (not work verbs); "do ... together" needs a job noun
    if (p.c.word(p.from) === 'do' || p.c.word(p.from) === 'doing') {
      const inner = p.c.slice(p.from + 1, p.to - 1);
      if (!/\b(job|task|work|chores?|project|homework)\b/i.test(inner)) return null;
    }
    return { gloss: 'their rates (jobs per hour) add; their times do not' };
  },
};

/** The work-rate family. */
export const workRateFamily: ConstructionDef[] = [workTogether];
