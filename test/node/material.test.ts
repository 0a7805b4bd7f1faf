// Material ranges (src/core/rules/material.ts): text the user hands over to be worked on, where no
// gloss may go. Each case names the range it expects by the text it covers.
import { describe, expect, it } from 'vitest';
import { findMaterial, overlapsMaterial, quotedSpans } from '../../src/core/rules/material.ts';

/** The texts of the material ranges of `text`, with their kinds. */
const material = (text: string) => findMaterial(text).map((r) => [r.kind, text.slice(r.start, r.end)]);

describe('findMaterial', () => {
  it('takes quoted text the user asks to proofread, translate or judge', () => {
    expect(material(`Proofread this: 'Sam has twice as many apples as Tom, and they shares them.'`)).toEqual([
      ['after-instruction', ` 'Sam has twice as many apples as Tom, and they shares them.'`],
    ]);
    expect(material('Translate "Half of the cake is gone" into French.')).toEqual([
      ['quoted', '"Half of the cake is gone"'],
    ]);
    expect(material('Is this sentence grammatical? \u201CShe earn 20% more than him.\u201D')).toEqual([
      ['quoted', '\u201CShe earn 20% more than him.\u201D'],
    ]);
    expect(material(`Rewrite this sentence so it sounds formal: we meet every other day.`)).toEqual([
      ['after-instruction', ' we meet every other day.'],
    ]);
    expect(material(`Can you check my essay? 'The ratio of cats to dogs is 3 to 5' is my first line.`)).toEqual([
      ['quoted', `'The ratio of cats to dogs is 3 to 5'`],
    ]);
  });

  it('takes the lines after "the following sentence" or "the text below"', () => {
    const t =
      'Is the verb "grasp" used metaphorically in the following sentence? Answer yes or no.\n\nHe grasped the rope.';
    expect(material(t).map(([k]) => k)).toEqual(['quoted', 'after-instruction']);
    expect(material(t)[1][1]).toBe('\nHe grasped the rope.');
    const s = 'Summarize the article below.\nPrices rose 20% in a year, twice as fast as wages.';
    expect(material(s)).toEqual([['after-instruction', 'Prices rose 20% in a year, twice as fast as wages.']]);
    const e = 'My essay intro is below. Does it flow well?\n\nA third of my childhood was spent in a kitchen.';
    expect(material(e)).toEqual([['after-instruction', '\nA third of my childhood was spent in a kitchen.']]);
  });

  it('always takes fenced blocks, inline code, block quotes and tagged text', () => {
    const fenced = 'What does this print?\n```js\nconst half = n / 2; // every other item\n```\nThanks.';
    expect(material(fenced)).toEqual([['fence', '```js\nconst half = n / 2; // every other item\n```']]);
    expect(material('An unclosed fence\n~~~\nx = 3 * y')).toEqual([['fence', '~~~\nx = 3 * y']]);
    expect(material('Why does `timeout * 2` overflow?')).toEqual([['inline-code', '`timeout * 2`']]);
    expect(material('He wrote:\n> I have three times as many\n> as you.\nWho is right?')).toEqual([
      ['block-quote', '> I have three times as many\n> as you.\n'],
    ]);
    expect(material('<text>Half of 40 is 20.</text> Is this true?')).toEqual([
      ['tagged', '<text>Half of 40 is 20.</text>'],
    ]);
  });

  it('leaves quotes inside a word problem alone: no instruction asks for work on them', () => {
    const q =
      'An elevator sign reads "Maximum weight 600 pounds." Three adults weigh 140 pounds each. How much more weight can go in?';
    expect(findMaterial(q)).toEqual([]);
    expect(
      findMaterial('Carter is twice as tall as his 24\u201D tall dog. Betty is 12\u201D shorter than Carter.'),
    ).toEqual([]);
    expect(findMaterial('The pump works at a rate of 5 liters per minute: how long to fill 60 liters?')).toEqual([]);
    expect(findMaterial('Solve this: Sam has twice as many apples as Tom.')).toEqual([]);
    expect(findMaterial('Answer the following question: what is 3/4 of 20?')).toEqual([]);
  });

  it('counts a quoted statement of six words or more, and lines of code or data, whatever the prompt asks', () => {
    const q = 'Our CEO said "we grew 300% year over year, twice the market." Is that plausible for a startup?';
    expect(material(q)).toEqual([['quoted', '"we grew 300% year over year, twice the market."']]);
    const json = 'Parse this config: {"limit": "5 requests per second"} and tell me the field names.';
    expect(material(json).map(([k]) => k)).toContain('code-line');
    expect(material('let tip = 0.18; // 18% tip on the bill')).toEqual([
      ['code-line', 'let tip = 0.18; // 18% tip on the bill'],
    ]);
    // A short label inside a word problem is not someone's text.
    expect(findMaterial('A sign reads "30% off all shoes". A pair costs $60. What is the sale price?')).toEqual([]);
  });

  it('tells apostrophes from single quotes', () => {
    const t = `Tom's dog and the kids' toys don't count, but 'every other day' does.`;
    expect(quotedSpans(t).map((r) => t.slice(r.start, r.end))).toEqual([`'every other day'`]);
  });
});

describe('overlapsMaterial', () => {
  it('is true for a span that touches a range, and for an insertion point inside one', () => {
    const ranges = [{ start: 10, end: 20 }];
    expect(overlapsMaterial(ranges, 5, 11)).toBe(true);
    expect(overlapsMaterial(ranges, 19, 25)).toBe(true);
    expect(overlapsMaterial(ranges, 15, 15)).toBe(true);
    expect(overlapsMaterial(ranges, 0, 10)).toBe(false);
    expect(overlapsMaterial(ranges, 20, 30)).toBe(false);
    expect(overlapsMaterial([], 0, 5)).toBe(false);
  });
});
