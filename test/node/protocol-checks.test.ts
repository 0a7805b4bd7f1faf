// The protocol's checks (offline-training/protocol/checks.ts) over a glosser built from the keyword
// matcher (the old cue regexes, a real baseline, not a model): what each check counts, and where
// placement says a gloss sits badly.
import { describe, expect, it } from 'vitest';
import {
  badPlacement,
  keywordFamilies,
  negativesCheck,
  paraphraseCheck,
  placementCheck,
  trapsCheck,
  type Glosser,
} from '../../offline-training/protocol/checks.ts';
import { cuesOf } from '../../offline-training/mine/misreadings.ts';
import { bootstrapCi, rateCi } from '../../offline-training/protocol/bootstrap.ts';

/** The keyword matcher as a glosser: a gloss after each cue phrase, named by its family. */
const keywordGlosser: Glosser = async (text) => {
  const glosses = cuesOf(text).map((c) => ({ family: c.family as string, at: c.end, gloss: c.family, span: c }));
  let rewritten = text;
  for (const g of [...glosses].sort((a, b) => b.at - a.at))
    rewritten = rewritten.slice(0, g.at) + ` [${g.gloss}]` + rewritten.slice(g.at);
  return { text, rewritten, glosses };
};

describe('protocol checks', () => {
  it('counts traps with the right family and lists the misses', async () => {
    const r = await trapsCheck(keywordGlosser, [
      { family: 'percent', phrase: '20% off', text: 'A $50 lamp is 20% off. What does it cost?' },
      { family: 'ratio', phrase: 'as 4 is to 3', text: 'Two towers are as 4 is to 3. The short one is 45 m.' },
    ]);
    expect(r.right_family.value).toBe(0.5);
    expect(r.misses).toEqual(['ratio: "as 4 is to 3" -> none']);
    expect(r.per_family).toEqual({ percent: { n: 1, right: 1 }, ratio: { n: 1, right: 0 } });
  });

  it('keeps a paraphrase only where the family fires on both sides', async () => {
    const r = await paraphraseCheck(keywordGlosser, [
      { id: 'x', family: 'periodic', a: 'She swims every other day.', b: 'She swims on alternate days.' },
      { id: 'y', family: 'percent', a: 'It is 20% off.', b: 'It is 20 percent off.' },
    ]);
    expect(r.kept_given_original).toEqual({ value: 0.5, kept: 1, of: 2 });
    expect(r.lost).toEqual(['x']);
  });

  it('counts math and figurative glosses on non-math texts separately', async () => {
    const r = await negativesCheck(keywordGlosser, ['Think twice before you send it.', 'Hello there.']);
    expect(r.math_glossed_count).toBe(1);
    expect(r.figurative_glossed_count).toBe(0);
    expect(r.keyword_matcher.value).toBe(0.5);
    expect(keywordFamilies('a 3:5 ratio, 20% more')).toEqual(['ratio', 'percent']);
  });

  it('finds glosses inside words, numbers, times and noun phrases, and measures growth', () => {
    expect(badPlacement('twelve', 3)).toBe('inside a word');
    expect(badPlacement('at 6:00 am', 4)).toBe('inside a number or time');
    expect(badPlacement('costs 3.50 now', 7)).toBe('inside a number or time');
    expect(badPlacement('at 6 am sharp', 4)).toBe('inside a time or percentage');
    expect(badPlacement('in the crate', 6)).toBe('inside a noun phrase');
    expect(badPlacement("Jamal's photograph", 7)).toBe('inside a noun phrase');
    expect(badPlacement('they shot down the plane', 9)).toBe('splitting a phrasal verb');
    expect(badPlacement('twice as many apples. Then', 20)).toBeUndefined();
    expect(badPlacement('What percentage does each adult get?', 20)).toBe('inside a clause or phrase');
    expect(badPlacement('10% higher than they had planned', 20)).toBe('inside a clause or phrase');
    expect(badPlacement('$18 for each hour of work plus a fee', 30)).toBe('inside a clause or phrase');
    expect(badPlacement('$18 for each hour of work, plus a fee', 25)).toBeUndefined();
    const p = placementCheck([
      {
        text: 'abcdefghij',
        rewritten: 'abcdefghij [x]',
        glosses: [{ family: 'rate', at: 10, gloss: 'x', span: { start: 0, end: 10 } }],
      },
      { text: 'abcdefghij', rewritten: 'abcdefghij', glosses: [] },
    ]);
    expect(p.glossed_texts).toBe(1);
    expect(p.median_growth.value).toBeCloseTo(0.4, 10);
    expect(p.bad_placements).toBe(0);
  });

  it('bootstraps a rate around its value, deterministically', () => {
    const hits = Array.from({ length: 200 }, (_, i) => i % 4 === 0);
    const a = rateCi(hits);
    expect(a.value).toBe(0.25);
    expect(a.lo).toBeLessThan(0.25);
    expect(a.hi).toBeGreaterThan(0.25);
    expect(a.hi - a.lo).toBeLessThan(0.15);
    expect(rateCi(hits)).toEqual(a);
    expect(bootstrapCi(0, () => NaN).lo).toBeNaN();
  });
});
