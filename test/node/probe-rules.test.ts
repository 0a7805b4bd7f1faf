// Probe rules (figurative verbs): the schema, compromise's word tagger on real sentences, and
// matchRules on hand-made activations, so each branch (verb only, right context, missing latent,
// no tagger, one gloss per verb) has a known answer.
import { describe, it, expect, beforeAll } from 'vitest';
import { parseRules, type Rule } from '../../src/core/rules/schema.ts';
import { matchRules, type MatchInput } from '../../src/core/rules/match.ts';
import { loadWordTagger, splitSentences, tagSentence, type WordTagger } from '../../src/core/rules/pos.ts';
import { probeTokens } from '../../src/core/rules/probe.ts';

// Latent 7 at the verb says "figurative"; latent 9 in the next words says so too (an abstract object).
const figurative: Rule = {
  ...{ id: 'figurative-verb', feature: 7, threshold: 0.6, scope: 'span', placement: 'after-span' },
  ...{ gloss: '"{span}" is used figuratively here', priority: -1, label: 'figurative verbs', family: 'figurative' },
  evidence: { support: 10, lift: 0, q_value: 1, datasets: ['VUA train'] },
  probe: { pos: 'verb', features: [7, 9], word: [2, 0], right: [0, 2], rightWords: 3, bias: -1 },
};

let tag: WordTagger;
beforeAll(async () => {
  tag = await loadWordTagger();
});

/** One token per word of the text (offsets from the tagger), activations [T, 2]: columns of latents 7 and 9. */
function input(text: string, acts: Record<string, [number, number]>, rules: Rule[] = [figurative]): MatchInput {
  const words = splitSentences(text).flatMap((s) => tagSentence(tag, text, s));
  const data = new Float32Array(words.length * 2);
  words.forEach((w, i) => data.set(acts[text.slice(w.start, w.end)] ?? [0, 0], i * 2));
  return {
    text,
    tokens: words.map((w) => ({ start: w.start, end: w.end })),
    activations: data,
    numFeatures: 2,
    featureColumns: new Map([
      [7, 0],
      [9, 1],
    ]),
    rules,
    tagger: tag,
    // Short test sentences: no added-text budget here (rules.test.ts and rules-gate.test.ts test it).
    options: { maxAddedFraction: Infinity },
  };
}

describe('sentences and the word tagger (compromise)', () => {
  it('cuts sentences after . ! ? before white space and at line breaks, trimmed', () => {
    const text = ' Prices soared. Did they?  Yes! v1.2 is out\nNext line';
    expect(splitSentences(text).map((s) => text.slice(s.start, s.end))).toEqual([
      'Prices soared.',
      'Did they?',
      'Yes!',
      'v1.2 is out',
      'Next line',
    ]);
    expect(splitSentences('   ')).toEqual([]);
  });

  it('tags main verbs with their offsets, not copulas, auxiliaries or nouns', () => {
    const text = 'She has grasped the idea, and the idea is simple.';
    const words = tag(text);
    const verbs = words.filter((w) => w.verb).map((w) => text.slice(w.start, w.end));
    expect(verbs).toEqual(['grasped']);
    expect(words.map((w) => text.slice(w.start, w.end))).toContain('idea');
  });

  it('gives UTF-16 offsets that cut the text at its words after non-ASCII text', () => {
    const text = 'Zoë 🙂 devoured the novel.';
    const w = tag(text).find((x) => x.verb)!;
    expect(text.slice(w.start, w.end)).toBe('devoured');
  });
});

describe('probe rules', () => {
  it('fires on a verb whose own latent crosses the threshold, and on no other word', () => {
    // sigmoid(-1 + 2 * 1) = 0.73 >= 0.6 at "devoured"; "novel" has the same code but is a noun.
    const r = matchRules(input('She devoured the novel.', { devoured: [1, 0], novel: [1, 0] }));
    expect(r.fired.map((f) => f.span.text)).toEqual(['devoured']);
    expect(r.fired[0].peak).toBeGreaterThan(0.6);
    expect(r.fired[0].peak).toBeLessThan(0.8);
  });

  it('reads the words after the verb: the object can make it fire', () => {
    const text = 'She devoured the novel.';
    expect(matchRules(input(text, { novel: [0, 1] })).fired.map((f) => f.span.text)).toEqual(['devoured']);
    // Below threshold without either: sigmoid(-1) = 0.27.
    expect(matchRules(input(text, {})).fired).toEqual([]);
  });

  it('stops reading after rightWords words', () => {
    const text = 'He ate the old red apple.';
    // "apple" is the 4th word after "ate": outside rightWords = 3.
    expect(matchRules(input(text, { apple: [0, 1] })).fired).toEqual([]);
    expect(matchRules(input(text, { red: [0, 1] })).fired.map((f) => f.span.text)).toEqual(['ate']);
  });

  it('glosses each figurative verb once, up to maxPerPrompt', () => {
    const text = 'Prices soared and hopes collapsed.';
    const two = matchRules(input(text, { soared: [1, 0], collapsed: [1, 0] }));
    expect(two.fired.map((f) => f.span.text)).toEqual(['soared', 'collapsed']);
    const one = matchRules(input(text, { soared: [1, 0], collapsed: [2, 0] }, [{ ...figurative, maxPerPrompt: 1 }]));
    expect(one.fired.map((f) => f.span.text)).toEqual(['collapsed']);
    expect(one.skipped).toContainEqual(expect.objectContaining({ reason: 'max-per-prompt' }));
  });

  it('skips with a reason when a latent is missing or the words were not tagged', () => {
    const i = input('She devoured the novel.', { devoured: [1, 0] });
    const missing = matchRules({ ...i, featureColumns: new Map([[7, 0]]) });
    expect(missing.fired).toEqual([]);
    expect(missing.skipped).toEqual([{ ruleId: 'figurative-verb', reason: 'feature-not-in-bundle' }]);
    const untagged = matchRules({ ...i, tagger: undefined });
    expect(untagged.skipped).toEqual([{ ruleId: 'figurative-verb', reason: 'untagged' }]);
  });

  it('fires only in sentences its context gate opens on, pooled over that sentence alone', () => {
    // Context gate on latent 9's sentence mean: open when the mean is >= 0.5 (sigmoid(-5 + 10 * mean) >= 0.5).
    const context = {
      id: 'prose',
      label: 'prose sentence',
      features: [9],
      pool: 'mean' as const,
      weights: [10],
      bias: -5,
      threshold: 0.5,
      families: ['figurative' as const],
    };
    const rule = { ...figurative, probe: { ...figurative.probe!, context } };
    const text = 'Prices soared. Run the tests.';
    const acts = { Prices: [0, 1], soared: [1, 1], Run: [1, 0], the: [0, 0], tests: [0, 0] } as Record<
      string,
      [number, number]
    >;
    const r = matchRules(input(text, acts, [rule]));
    expect(r.fired.map((f) => f.span.text)).toEqual(['soared']);
    expect(r.skipped).toContainEqual({
      ruleId: 'figurative-verb',
      reason: 'gate-closed',
      span: { start: 15, end: 29, text: 'Run the tests.' },
    });
    // Without the gate both verbs fire.
    expect(matchRules(input(text, acts)).fired.map((f) => f.span.text)).toEqual(['soared', 'Run']);
  });

  it('pools a word over all its tokens and the right context over the next words only', () => {
    const words = [
      { start: 0, end: 3, verb: false },
      { start: 4, end: 12, verb: true },
      { start: 13, end: 16, verb: false },
    ];
    const tokens = [
      { start: 0, end: 3 },
      { start: 4, end: 8 },
      { start: 8, end: 12 },
      { start: 13, end: 16 },
    ];
    expect(probeTokens(words, 1, 3, tokens, [0, 1, 2, 3])).toEqual({ word: [1, 2], right: [3] });
    expect(probeTokens(words, 2, 3, tokens, [0, 1, 2, 3])).toEqual({ word: [3], right: [] });
  });
});

describe('probe rules in rules.json', () => {
  const file = (r: unknown) => ({ version: 1, rules: [r] });
  it('accepts a probe rule and rejects a threshold above 1 or weights of the wrong length', () => {
    expect(parseRules(file(figurative)).rules[0].probe?.features).toEqual([7, 9]);
    expect(() => parseRules(file({ ...figurative, threshold: 2 }))).toThrow(
      'rules[0].threshold: a probe rule needs a probability <= 1',
    );
    expect(() => parseRules(file({ ...figurative, probe: { ...figurative.probe, right: [1] } }))).toThrow(
      'rules[0].probe: word and right must have one weight per feature',
    );
    expect(() => parseRules(file({ ...figurative, probe: { ...figurative.probe, pos: 'noun' } }))).toThrow(
      /rules\[0\]\.probe\.pos/,
    );
  });
});
