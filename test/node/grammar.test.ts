// The grammar's parts on the traps the held-out checks found: tokens that must stay whole (times,
// dates, versions, pairs), one gloss per phrase, the direction of comparisons, and placement after
// the whole phrase (never inside a time, never between a verb and its particle).
import { describe, expect, it } from 'vitest';
import { findConstructions, CONSTRUCTION_KINDS, CONSTRUCTION_FAMILIES } from '../../src/core/grammar/index.ts';
import { tokenize } from '../../src/core/grammar/tokenize.ts';
import { Ctx } from '../../src/core/grammar/engine.ts';
import { fraction, numberWords, quantity } from '../../src/core/grammar/slots.ts';

const only = (text: string) => {
  const found = findConstructions(text);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('tokenizer', () => {
  it('keeps clock times, dates, versions and pairs whole', () => {
    const types = (s: string) => tokenize(s).map((t) => `${t.type}:${t.text}`);
    expect(types('at 6:00 am')).toEqual(['word:at', 'time:6:00 am']);
    expect(types('on 12/25/2024')).toEqual(['word:on', 'date:12/25/2024']);
    expect(types('v2.3 and 1.2.3')).toContain('version:v2.3');
    expect(types('won 3:2')).toEqual(['word:won', 'pair:3:2']);
    expect(types('3/5 of')).toEqual(['frac:3/5', 'word:of']);
    expect(types("Sam's $1,200.50")).toEqual(["word:Sam's", 'sym:$', 'num:1,200.50']);
  });

  it('reads number words and fractions in words', () => {
    const at = (s: string, read: typeof quantity) => read(new Ctx(s, tokenize(s)), 0);
    expect(at('twenty-five', numberWords)?.value).toBe(25);
    expect(at('three hundred and twenty', numberWords)?.value).toBe(320);
    expect(at('a dozen', numberWords)?.value).toBe(12);
    expect(at('two-fifths', fraction)?.label).toBe('2/5');
    expect(at('three quarters', fraction)?.label).toBe('3/4');
    expect(at('a third', fraction)?.label).toBe('1/3');
    expect(at('a thirds', fraction)).toBeUndefined();
  });
});

describe('constructions on the reported traps', () => {
  it('reads "6 times older than Sam" as a multiple and says it is ambiguous', () => {
    const c = only('Ruby is 6 times older than Sam.');
    expect(c.kind).toBe('n-times-more-than');
    expect(c.ambiguous).toBe(true);
    expect(c.gloss).toMatch(/^Ruby's age = 6 × Sam's age \(some read 7 ×\)$/);
  });

  it('gives "5 more than twice as many" one gloss, not two contradicting ones', () => {
    const text = 'Anna has 5 more than twice as many muffins as bagels.';
    const c = only(text);
    expect(c.kind).toBe('n-more-than-k-times');
    expect(c.gloss).toBe('muffins = 2 × bagels + 5');
    expect(text.slice(c.span.start, c.span.end)).toBe('5 more than twice as many muffins as bagels');
  });

  it('keeps the direction of fewer and younger', () => {
    expect(only('The jar has three times fewer beads than the box.').gloss).toBe("jar's beads = box's beads ÷ 3");
    expect(only('Ann is 4 years younger than Bo.').gloss).toBe("Ann's age = Bo's age − 4 years");
  });

  it('glosses average speed, rates "for every" and ratios by what they are', () => {
    expect(only('What is her average speed?').gloss).toBe('average speed = total distance ÷ total time');
    expect(only('The van uses 6 liters of fuel for every 100 km.').gloss).toBe('fuel = 6 liters per 100 km');
    expect(only('For every 3 red there are 5 blue.').gloss).toBe('red : blue = 3 : 5');
  });

  it('writes nothing on times, versions, scores and idioms', () => {
    for (const t of [
      'The bus arrives at 11:45 am.',
      'We won 3:2.',
      'Hire a third party.',
      'It times out.',
      'Double-check it.',
    ])
      expect(findConstructions(t)).toEqual([]);
  });
});

describe('placement', () => {
  it('inserts after the whole phrase, not inside the noun phrase it governs, at the end of a short clause', () => {
    const text = 'Jamal has twice as many photos as his little brother today.';
    const c = only(text);
    expect(text.slice(0, c.insertAt)).toBe('Jamal has twice as many photos as his little brother today');
    // a clause that goes on too long keeps the gloss at the phrase's end
    const long = 'Jamal has twice as many photos as his little brother in the old blue album from the attic upstairs.';
    expect(long.slice(0, only(long).insertAt)).toBe('Jamal has twice as many photos as his little brother');
  });

  it('does not carry the gloss past a new clause or the next phrase', () => {
    const text = 'She spent 25% of her pay on rent, and then she went out with 3 friends.';
    expect(text.slice(0, only(text).insertAt)).toBe('She spent 25% of her pay on rent');
    const two = 'He paid 40% of the bill and 3 times as many coins as notes.';
    const cs = findConstructions(two);
    expect(cs.length).toBe(2);
    expect(two.slice(0, cs[0].insertAt)).toBe('He paid 40% of the bill');
  });

  it('inserts after a verb particle that follows the phrase', () => {
    const text = 'She gave half of the apples away.';
    const c = only(text);
    expect(text.slice(0, c.insertAt)).toBe('She gave half of the apples away');
  });

  it('keeps a time after the phrase whole', () => {
    const text = 'He takes the pill twice a day at 6:00 am.';
    const c = only(text);
    // at the phrase's end or the clause's, never inside "6:00 am."
    expect([text.indexOf(' at 6:00'), text.length]).toContain(c.insertAt);
  });
});

describe('catalogue', () => {
  it('names every kind under one of the ten families', () => {
    expect(CONSTRUCTION_KINDS.size).toBeGreaterThanOrEqual(30);
    for (const f of CONSTRUCTION_KINDS.values()) expect(CONSTRUCTION_FAMILIES).toContain(f);
  });
});

describe('construction prefilters (ConstructionDef.requires)', () => {
  it('skip only constructions that could not parse: the same finds with and without them, on every corpus and dev text', async () => {
    const { readFileSync } = await import('node:fs');
    const { CONSTRUCTIONS } = await import('../../src/core/grammar/index.ts');
    const { runGrammar } = await import('../../src/core/grammar/engine.ts');
    const lines = (f: string) =>
      readFileSync(new URL(`../data/${f}`, import.meta.url), 'utf8')
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#'));
    const texts = [
      ...[
        'constructions/corpus.jsonl',
        'constructions/negatives.jsonl',
        'dev/math-traps.jsonl',
        'dev/traps-reworded.jsonl',
      ]
        .flatMap(lines)
        .map((l) => (JSON.parse(l) as { text: string }).text),
      ...lines('dev/paraphrases.jsonl').flatMap((l) => {
        const p = JSON.parse(l) as { a: string; b: string };
        return [p.a, p.b];
      }),
    ];
    expect(CONSTRUCTIONS.some((d) => d.requires)).toBe(true);
    const unfiltered = CONSTRUCTIONS.map(({ requires: _r, ...d }) => d);
    const key = (fs: ReturnType<typeof runGrammar>) => fs.map((f) => `${f.def.kind}@${f.from}-${f.to}:${f.gloss}`);
    for (const t of texts) {
      const with_ = runGrammar(new Ctx(t, tokenize(t)), CONSTRUCTIONS);
      const without = runGrammar(new Ctx(t, tokenize(t)), unfiltered);
      expect(key(with_), t).toEqual(key(without));
    }
  });
});

describe('unit notes', () => {
  it('says which unit a rate counts where the text counts another unit of the same kind', () => {
    const [c] = findConstructions(
      'A hose pours 5 gallons a minute into a pool. How many hours does it take to fill it?',
    );
    expect(c.gloss).toBe('gallons = 5 × number of minutes (minutes, not hours)');
    const [d] = findConstructions('Grapes cost $3 per pound, and Tom buys 12 ounces.');
    expect(d.gloss).toMatch(/\(pounds, not ounces\)$/);
    const [e] = findConstructions('Tom saves $5 a day. How much does he save in a fortnight?');
    expect(e.gloss).toMatch(/\(days, not fortnights\)$/);
  });

  it('writes no note where the count is itself of that kind or no other unit is counted', () => {
    const [c] = findConstructions('Janice works 5 days a week. How many days does she work in 10 weeks?');
    expect(c.gloss).toBe('days = 5 × number of weeks');
    const [d] = findConstructions('Grapes cost $3 per pound. How much do 7 pounds cost?');
    expect(d.gloss).not.toMatch(/\(/);
  });
});

describe('clause ends', () => {
  it('does not take names joined by "and" for a new clause', () => {
    const text = 'A 15% tip was left on a bill of $64 by Jordan and Lee, who split the total evenly.';
    const cs = findConstructions(text);
    expect(cs).toHaveLength(1);
    expect(text.slice(0, cs[0].insertAt)).not.toMatch(/Jordan$/);
  });
});

describe('rates changed later in the text', () => {
  it('writes no rate gloss where overtime or a later price change makes "pay = rate × hours" mislead', () => {
    const rates = (t: string) => findConstructions(t).filter((c) => c.family === 'rate');
    expect(rates('Marisol earns $18 per hour. Any hours over 40 are paid at 1.5 times her regular rate.')).toEqual([]);
    expect(rates('Jordan pays $12 per month for a streaming service. The price increases by 25% next month.')).toEqual(
      [],
    );
    expect(rates("Liam's rent went up by 5% this year. Last year he paid $1,000 a month.")).toEqual([]);
    expect(rates('Marisol earns $18 per hour. She works 30 hours. How much does she earn?')).toHaveLength(1);
  });
});

describe('levels in percent and tips by where tax stands', () => {
  it('reads a change of a percentage level as points, and says its percent change is not them', () => {
    const text = "Support fell from 48% to 42% in a month. A blog said it 'dropped 6%'. By what percent did it drop?";
    const found = findConstructions(text);
    // One gloss, on the change between the levels; none on the quoted "dropped 6%" (6 points, not × 0.94).
    expect(found.map((c) => [c.kind, c.gloss])).toEqual([
      ['percent-change-between', 'percent change = change ÷ 48% × 100, not the change in points'],
    ]);
    expect(findConstructions('The tank is at 90% now and drops 15% every hour.')).toEqual([]);
  });

  it('names a tip’s base where the text says it is before or after tax, and then a tax as its part', () => {
    expect(only('She left a 20% tip calculated on the price before tax.').gloss).toBe(
      'tip = 0.2 × the price before tax',
    );
    expect(only('They leave an 18% tip on the total after tax.').gloss).toBe('tip = 0.18 × the total after tax');
    const both = findConstructions('She paid the 10% tax and left a 20% tip on the pre-tax price.');
    expect(both.map((c) => c.gloss)).toEqual(['tax = 0.1 × price', 'tip = 0.2 × the pre-tax price']);
    // A tip on some other base ("on the room rate", "on their share") still gets none.
    expect(findConstructions('They add a 15% tip on their share.')).toEqual([]);
  });
});

describe('rates whose period or count is not the whole story', () => {
  it('writes no rate gloss where another frequency shares the period, or the period is narrowed', () => {
    const rates = (t: string) => findConstructions(t).filter((c) => c.family === 'rate');
    // "3 baskets a week" and "twice a week": per week or per collection is unclear
    expect(rates('John reels in 3 crab baskets a week. He collects crabs twice a week.')).toEqual([]);
    expect(rates('Aisha drinks 250 milliliters of water every hour she is awake.')).toEqual([]);
    expect(rates('The post office receives 60 letters and 20 packages per day.')).toEqual([]);
    // without the other frequency, the rate reads as usual
    expect(rates('John reels in 3 crab baskets a week.').map((c) => c.gloss)).toEqual([
      'crab baskets = 3 × number of weeks',
    ]);
  });
});

describe('percent words that are no change', () => {
  it('reads no change where a base form is a noun or an adjective, or the question asks for points', () => {
    const percent = (t: string) => findConstructions(t).filter((c) => c.family === 'percent');
    expect(percent('Bank B charges a lower 4% rate. How much interest?')).toEqual([]);
    expect(percent('He got a raise 5% bigger than last year. How much does he earn?')).toEqual([]);
    expect(percent('Unemployment fell from 8% to 6%. By how many percentage points did it fall?')).toEqual([]);
    // the verb's own base form still reads as a change
    expect(percent('The landlord plans to raise the rent by 10%.').map((c) => c.gloss)).toEqual([
      'new rent = old rent × 1.1',
    ]);
    // a tip's base is named only where it ends there ("the food and drinks" is not "the food")
    expect(percent('She left a 20% tip on the cost of the food and drinks.').map((c) => c.gloss)).toEqual([
      'tip = 0.2 × the bill',
    ]);
  });
});
