// The runtime side of misreading-family rules: the families, the task gate, after-phrase placement and one
// gloss per meaning per prompt.
import { describe, it, expect } from 'vitest';
import { parseRules, type Gate, type Rule } from '../../src/core/rules/schema.ts';
import { INLINE_MARKER_CHARS, matchRules } from '../../src/core/rules/match.ts';
import { inlineMarker } from '../../src/core/rewrite/markers.ts';
import { phraseEnd } from '../../src/core/rules/boundaries.ts';
import { scoreGate } from '../../src/core/rules/gate.ts';

const evidence = { support: 40, lift: 2.5, q_value: 0.01, datasets: ['gsm8k'] };

function rule(over: Partial<Rule> & { id: string; feature: number }): Rule {
  return {
    threshold: 0.5,
    scope: 'span',
    placement: 'after-span',
    gloss: `gloss of ${over.id}`,
    priority: 0,
    label: over.id,
    evidence,
    ...over,
  };
}

/** Whitespace-split words of `text` as tokens, with activations per [token][column]. */
function input(text: string, F: number, acts: Record<number, Record<number, number>>) {
  const tokens: { start: number; end: number }[] = [];
  for (const m of text.matchAll(/\S+/g)) tokens.push({ start: m.index, end: m.index + m[0].length });
  const a = new Float32Array(tokens.length * F);
  for (const [t, cols] of Object.entries(acts))
    for (const [c, v] of Object.entries(cols)) a[Number(t) * F + Number(c)] = v;
  return {
    text,
    tokens,
    activations: a,
    numFeatures: F,
    featureColumns: new Map(Array.from({ length: F }, (_, i) => [i, i] as [number, number])),
  };
}

const gate: Gate = {
  id: 'math-word-problem',
  label: 'math word problem',
  features: [2],
  pool: 'mean',
  weights: [4],
  bias: -2,
  threshold: 0.5,
  families: ['rate'],
};

describe('phraseEnd', () => {
  it('runs to the end of the phrase, not past a clause', () => {
    const t = 'She earns $15 per hour and works 6 hours.';
    expect(t.slice(0, phraseEnd(t, t.indexOf('per') + 3))).toBe('She earns $15 per hour');
    const u = 'Jason has three times as many toys as Mandy. Mandy has 4.';
    expect(u.slice(0, phraseEnd(u, u.indexOf('times') + 5))).toBe('Jason has three times as many toys as Mandy');
  });
  it('keeps decimals, stops at punctuation right away, and at most maxWords words', () => {
    const t = 'It costs 2.5 dollars per kilogram, so';
    expect(t.slice(0, phraseEnd(t, t.indexOf('costs') + 5))).toBe('It costs 2.5 dollars per kilogram');
    expect(phraseEnd('twice. Then', 5)).toBe(5);
    expect(phraseEnd('a b c d e f g h', 1, 3)).toBe(7);
  });
});

describe('task gate', () => {
  it('scores mean-pooled latents and closes when a latent is missing', () => {
    const x = input('a b', 3, { 0: { 2: 1 }, 1: { 2: 0 } });
    const g = scoreGate(gate, x.activations, 3, [0, 1], x.featureColumns);
    expect(g.score).toBeCloseTo(0.5, 6);
    expect(g.open).toBe(true);
    const missing = scoreGate({ ...gate, features: [7] }, x.activations, 3, [0, 1], x.featureColumns);
    expect(missing.open).toBe(false);
    expect(missing.error).toMatch(/latent 7/);
  });

  it('keeps governed families silent when closed, ungoverned ones still fire', () => {
    const rules = [
      rule({ id: 'per', feature: 0, family: 'rate' }),
      rule({ id: 'verb', feature: 1, family: 'figurative' }),
    ];
    const text = 'latest order per customer grasped';
    const closed = matchRules({ ...input(text, 3, { 2: { 0: 1 }, 4: { 1: 1 } }), rules, gate });
    expect(closed.gate?.open).toBe(false);
    expect(closed.fired.map((f) => f.ruleId)).toEqual(['verb']);
    expect(closed.skipped).toContainEqual({ ruleId: 'per', reason: 'gate-closed' });
    const open = matchRules({
      ...input(text, 3, { 0: { 2: 5 }, 2: { 0: 1 }, 4: { 1: 1 } }),
      rules,
      gate,
      options: { maxAddedFraction: Infinity }, // a short text: no added-text budget here
    });
    expect(open.gate?.open).toBe(true);
    expect(open.fired.map((f) => f.ruleId).sort()).toEqual(['per', 'verb']);
  });

  it('rejects a gate whose weights do not match its latents', () => {
    expect(() => parseRules({ version: 1, rules: [], gate: { ...gate, weights: [1, 2] } })).toThrow(
      'invalid rules.json: gate.weights: weights must have one entry per feature',
    );
    expect(() =>
      parseRules({ version: 1, rules: [rule({ id: 'a', feature: 0, family: 'algebra' as never })] }),
    ).toThrow(/rules\[0\]\.family/);
  });
});

describe('after-phrase placement and one gloss per meaning', () => {
  it('places the gloss after the whole phrase and says a meaning once per prompt', () => {
    const text = 'Eggs cost $2 per dozen and milk costs $1 per litre.';
    const r = rule({ id: 'per', feature: 0, family: 'rate', placement: 'after-phrase', gloss: 'a rate' });
    const m = matchRules({ ...input(text, 1, { 3: { 0: 1 }, 9: { 0: 2 } }), rules: [r] });
    expect(m.fired.map((f) => f.span.text)).toEqual(['per litre']);
    expect(m.skipped).toEqual([
      { ruleId: 'per', reason: 'duplicate', span: { start: 13, end: 22, text: 'per dozen' } },
    ]);
  });

  it('says a meaning once even when its gloss quotes different phrases; other families still speak', () => {
    const text = 'Eggs cost $2 per dozen and milk costs $1 per litre.';
    const rules = [
      rule({ id: 'per', feature: 0, family: 'rate', placement: 'after-phrase', gloss: '"{span}" is a rate' }),
      rule({ id: 'per2', feature: 1, family: 'rate', placement: 'after-phrase', gloss: '"{span}" is a rate' }),
      rule({ id: 'cost', feature: 2, family: 'additive-comparison', placement: 'after-phrase', gloss: 'a difference' }),
    ];
    const m = matchRules({
      ...input(text, 3, { 3: { 0: 1, 1: 1 }, 9: { 0: 2 }, 1: { 2: 1 } }),
      rules,
      options: { maxAddedFraction: Infinity },
    });
    expect(m.fired.map((f) => [f.ruleId, f.span.text])).toEqual([
      ['per', 'per litre'],
      ['cost', 'cost $2 per dozen'],
    ]);
  });

  it('keeps added text within a third of a short text: the riskiest gloss first, a second only if it fits', () => {
    const text = 'Eggs cost $2 per dozen and milk costs $1 per litre.';
    const rules = [
      rule({ id: 'per', feature: 0, family: 'rate', placement: 'after-phrase', gloss: 'a rate', priority: 5 }),
      rule({
        id: 'cost',
        feature: 2,
        family: 'additive-comparison',
        placement: 'after-phrase',
        gloss: 'a difference between the two prices',
      }),
    ];
    const acts = { 3: { 0: 1 }, 9: { 0: 2 }, 1: { 2: 1 } };
    // 'a rate' + marker = 16 chars fits; the 35-char second gloss (45 with its marker) would pass 51/3 = 17.
    const m = matchRules({ ...input(text, 3, acts), rules });
    expect(m.fired.map((f) => f.ruleId)).toEqual(['per']);
    expect(m.skipped).toContainEqual({ ruleId: 'cost', reason: 'budget', span: expect.objectContaining({ start: 5 }) });
    // A longer text has room for both; the cap of 2 still holds.
    const long = matchRules({ ...input(text, 3, acts), rules, options: { maxAddedFraction: 2 } });
    expect(long.fired.map((f) => f.ruleId)).toEqual(['per', 'cost']);
    expect(INLINE_MARKER_CHARS).toBe(inlineMarker('').length);
  });
});
