// rules.json / features.json schemas (errors name the exact path) and rule matching on hand-made
// activations: merging, word expansion, per-rule limits, dedupe, ranking, the cap.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseRules, parseFeatures, featureColumns, RulesError, type Rule } from '../../src/core/rules/schema.ts';
import { matchRules, type MatchInput } from '../../src/core/rules/match.ts';
import { expandToWords, insideGrapheme, MAX_WORD_GROWTH } from '../../src/core/rules/boundaries.ts';

const evidence = { support: 40, lift: 2.5, q_value: 0.01, heldout_auc: 0.71, datasets: ['gsm8k'] };

function rule(over: Partial<Rule> & { id: string; feature: number }): Rule {
  return {
    threshold: 0.5,
    scope: 'span',
    placement: 'after-span',
    gloss: `${over.id}: about {span}`,
    priority: 0,
    label: over.id,
    evidence,
    ...over,
  };
}

function errorOf(json: unknown): string {
  try {
    parseRules(json);
  } catch (e) {
    expect(e).toBeInstanceOf(RulesError);
    return (e as Error).message;
  }
  throw new Error('expected parseRules to throw');
}

/** Tokens from pieces that concatenate to the text, e.g. ['Natalia', ' sold', ' half']. */
function tokenize(pieces: string[]): { text: string; tokens: { start: number; end: number }[] } {
  const tokens: { start: number; end: number }[] = [];
  let at = 0;
  for (const p of pieces) {
    tokens.push({ start: at, end: at + p.length });
    at += p.length;
  }
  return { text: pieces.join(''), tokens };
}

/** Activations [T, F] with the given values set: acts[token] = { column: value }. */
function activations(T: number, F: number, acts: Record<number, Record<number, number>>): Float32Array {
  const a = new Float32Array(T * F);
  for (const [t, cols] of Object.entries(acts))
    for (const [c, v] of Object.entries(cols)) a[Number(t) * F + Number(c)] = v;
  return a;
}

function input(
  pieces: string[],
  F: number,
  acts: Record<number, Record<number, number>>,
  rules: Rule[],
  cols?: [number, number][],
): MatchInput {
  const { text, tokens } = tokenize(pieces);
  return {
    text,
    tokens,
    activations: activations(tokens.length, F, acts),
    numFeatures: F,
    featureColumns: new Map(cols ?? rules.map((r, i) => [r.feature, i])),
    rules,
  };
}

/** A MatchInput over text already split into `tokens`; rule i reads column i of `a` [T, F]. */
function tokenizedInput(
  text: string,
  tokens: MatchInput['tokens'],
  a: Float32Array,
  F: number,
  rules: Rule[],
  maxGlosses: number,
): MatchInput {
  return {
    text,
    tokens,
    activations: a,
    numFeatures: F,
    featureColumns: new Map(rules.map((r, i) => [r.feature, i])),
    rules,
    options: { maxGlosses },
  };
}

describe('parseRules', () => {
  const good = {
    version: 1,
    rules: [
      rule({ id: 'half-as-many', feature: 7 }),
      rule({ id: 'per', feature: 9, scope: 'prompt', placement: 'note' }),
    ],
  };

  it('accepts a valid file, from a value or a JSON string', () => {
    expect(parseRules(good).rules.map((r) => r.id)).toEqual(['half-as-many', 'per']);
    expect(parseRules(JSON.stringify(good))).toEqual(parseRules(good));
  });

  it('names the path of a bad threshold', () => {
    const bad = structuredClone(good);
    bad.rules[1].threshold = 0;
    expect(errorOf(bad)).toMatch(/^invalid rules\.json: rules\[1\]\.threshold: Too small: expected number to be >0$/);
    bad.rules[1].threshold = 'high' as never;
    expect(errorOf(bad)).toContain('rules[1].threshold: Invalid input: expected number, received string');
  });

  it('rejects an unknown key in a rule and names it', () => {
    const bad = structuredClone(good) as { rules: Record<string, unknown>[] };
    bad.rules[0].thresold = 0.3;
    expect(errorOf(bad)).toBe('invalid rules.json: rules[0].thresold: unknown key');
  });

  it('names a missing, empty, too long or mistyped gloss', () => {
    const bad = structuredClone(good) as { rules: Record<string, unknown>[] };
    delete bad.rules[1].gloss;
    expect(errorOf(bad)).toBe('invalid rules.json: rules[1].gloss: is required');
    bad.rules[1].gloss = '   ';
    expect(errorOf(bad)).toBe('invalid rules.json: rules[1].gloss: must not be empty');
    bad.rules[1].gloss = 'x'.repeat(301);
    expect(errorOf(bad)).toBe('invalid rules.json: rules[1].gloss: must be at most 300 characters');
    bad.rules[1].gloss = 'read {spam} as {span}';
    expect(errorOf(bad)).toBe('invalid rules.json: rules[1].gloss: unknown placeholder; only {span} is allowed');
  });

  it('checks ids, enums, evidence and version', () => {
    const bad = structuredClone(good) as { version: number; rules: Record<string, unknown>[] };
    bad.rules[1].id = 'half-as-many';
    expect(errorOf(bad)).toBe('invalid rules.json: rules[1].id: duplicate id "half-as-many" (first at rules[0])');
    bad.rules[1].id = 'Per Unit';
    expect(errorOf(bad)).toContain('rules[1].id: must be a slug');
    bad.rules[1].id = 'per';
    bad.rules[1].scope = 'word';
    expect(errorOf(bad)).toContain('rules[1].scope: Invalid option');
    bad.rules[1].scope = 'prompt';
    (bad.rules[0].evidence as Record<string, unknown>).q_value = 1.5;
    expect(errorOf(bad)).toContain('rules[0].evidence.q_value: Too big');
    bad.rules[0].evidence = { ...evidence, precision: 0.9 }; // extra statistics are fine
    bad.version = 2;
    expect(errorOf(bad)).toMatch(/^invalid rules\.json: version: /);
    expect(errorOf('{"version": 1,')).toMatch(/^invalid rules\.json: not JSON/);
  });

  it('lists several issues in one message', () => {
    const msg = errorOf({ version: 1, rules: [{ ...rule({ id: 'a', feature: 1 }), threshold: -1, priority: 1.5 }] });
    expect(msg).toContain('rules[0].threshold:');
    expect(msg).toContain('rules[0].priority:');
  });
});

describe('parseFeatures', () => {
  const good = {
    version: 1,
    features: [
      {
        column: 0,
        feature: 1234,
        label: 'fractional comparison',
        threshold: 0.12,
        top_contexts: [{ text: 'half as many', activation: 3.1, tokens: [{ text: 'half', activation: 3.1 }] }],
      },
      { column: 1, feature: 77, label: 'per', threshold: 0 },
    ],
  };

  it('parses and maps feature ids to columns', () => {
    expect([...featureColumns(parseFeatures(good))]).toEqual([
      [1234, 0],
      [77, 1],
    ]);
  });

  it('names duplicate columns and bad contexts', () => {
    const bad = structuredClone(good);
    bad.features[1].column = 0;
    expect(() => parseFeatures(bad)).toThrow('invalid features.json: features[1].column: duplicate column 0');
    const bad2 = structuredClone(good) as { features: { top_contexts?: unknown[] }[] };
    bad2.features[0].top_contexts = [{ text: 'x' }];
    expect(() => parseFeatures(bad2)).toThrow('features[0].top_contexts[0].activation: is required');
  });
});

describe('matchRules', () => {
  const NATALIA = ['Natalia', ' sold', ' half', ' as', ' many', ' clips', '.'];

  it('merges adjacent firing tokens ("half" + " as") into one span', () => {
    const r = rule({ id: 'half-as', feature: 7 });
    const { fired, skipped } = matchRules(input(NATALIA, 1, { 2: { 0: 0.9 }, 3: { 0: 0.6 } }, [r]));
    expect(skipped).toEqual([]);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      ruleId: 'half-as',
      feature: 7,
      column: 0,
      span: { start: 13, end: 20, text: 'half as' },
      tokens: [2, 3],
      threshold: 0.5,
    });
    expect(fired[0].peak).toBeCloseTo(0.9, 6);
    expect(fired[0].ratio).toBeCloseTo(1.8, 6);
  });

  it('fires a rule with a cue only where the cue touches its span; names a bad cue', () => {
    const pieces = ['Omar', ' has', ' three', ' times', ' fewer', ' stamps', ' and', ' three', ' times', ' more', '.'];
    const r = rule({ id: 'times-fewer', feature: 1, cue: '\\b\\w+ times (?:fewer|less)\\b' });
    const { fired, skipped } = matchRules(input(pieces, 1, { 3: { 0: 0.9 }, 8: { 0: 0.9 } }, [r]));
    // The cue begins before the firing word ("three") but overlaps it: it counts, and the span
    // grows to quote it.
    expect(fired.map((f) => f.span.text)).toEqual(['three times fewer']);
    expect(skipped).toEqual([
      { ruleId: 'times-fewer', reason: 'cue-missing', span: expect.objectContaining({ text: 'times' }) },
    ]);
    expect(errorOf({ version: 1, rules: [{ ...r, cue: '(unclosed' }] })).toMatch(
      /rules\[0\]\.cue: must be a valid regular expression/,
    );
  });

  it('fires at exactly the threshold and not below it or on NaN', () => {
    const r = rule({ id: 'a', feature: 1, threshold: 0.25 });
    expect(matchRules(input(NATALIA, 1, { 2: { 0: 0.25 } }, [r])).fired).toHaveLength(1);
    expect(matchRules(input(NATALIA, 1, { 2: { 0: 0.2499 } }, [r])).fired).toHaveLength(0);
    expect(matchRules(input(NATALIA, 1, { 2: { 0: NaN } }, [r])).fired).toHaveLength(0);
  });

  it('expands spans to whole words, Unicode-aware, and trims spaces', () => {
    const r = rule({ id: 'w', feature: 1 });
    const span = (pieces: string[], t: number) =>
      matchRules(input(pieces, 1, { [t]: { 0: 1 } }, [r])).fired[0]?.span.text;
    expect(span(['It', ' was', ' un', 'believ', 'able'], 3)).toBe('unbelievable');
    expect(span(['She', ' does', 'n', "'t", ' know'], 3)).toBe("doesn't");
    expect(span(['twice', '-', 'as', '-many', ' apples'], 2)).toBe('twice-as-many');
    expect(span(['a', ' nai', '\u0308', 've', ' reader'], 2)).toBe('nai\u0308ve'); // combining diaeresis
    expect(span(['Ж', 'ёлтый', ' дом'], 0)).toBe('Жёлтый');
    expect(span(['x ', '𝐀𝐁', '𝐂 y'], 1)).toBe('𝐀𝐁𝐂'); // astral letters: never split a surrogate pair
    expect(span(['I', ' love', ' 🍕', ' a', ' lot'], 2)).toBe('🍕');
    expect(span(['wait', ' , ', 'ok'], 1)).toBe(',');
    expect(span(['wait', '   ', 'ok'], 1)).toBeUndefined(); // only white space: no span
    // Scripts without spaces do not swallow the whole clause.
    expect(span(['我', '有', '一半', '的', '苹果'], 2)).toBe('一半');
  });

  it('fires each rule once per span, even when pieces of one word fire apart', () => {
    const r = rule({ id: 'w', feature: 1 });
    const { fired } = matchRules(
      input(['It', ' was', ' un', 'believ', 'able', '.'], 1, { 2: { 0: 0.8 }, 4: { 0: 0.9 } }, [r]),
    );
    expect(fired).toHaveLength(1);
    expect(fired[0].span.text).toBe('unbelievable');
    expect(fired[0].tokens).toEqual([2, 4]);
    expect(fired[0].peak).toBeCloseTo(0.9, 6);
  });

  it('keeps separate spans of a span rule, one for a prompt rule (the strongest)', () => {
    const pieces = ['3', ' per', ' box', ' and', ' 5', ' per', ' bag'];
    const acts = { 1: { 0: 0.7, 1: 0.7 }, 5: { 0: 0.9, 1: 0.9 } };
    const span = rule({ id: 'per-span', feature: 1 });
    const prompt = rule({
      id: 'per-prompt',
      feature: 2,
      scope: 'prompt',
      placement: 'after-span',
      gloss: 'rates are per item',
    });
    const { fired, skipped } = matchRules({ ...input(pieces, 2, acts, [span, prompt]), options: { maxGlosses: 10 } });
    expect(fired.filter((f) => f.ruleId === 'per-span').map((f) => f.span.start)).toEqual([16, 2]); // stronger first
    const p = fired.filter((f) => f.ruleId === 'per-prompt');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ placement: 'note', span: { start: 16, text: 'per' } });
    expect(skipped).toEqual([
      { ruleId: 'per-prompt', reason: 'max-per-prompt', span: { start: 2, end: 5, text: 'per' } },
    ]);
  });

  it('honours maxPerPrompt on span rules', () => {
    const r = rule({ id: 'w', feature: 1, maxPerPrompt: 2 });
    const { fired, skipped } = matchRules(
      input(['a', ' b', ' c', ' d', ' e'], 1, { 0: { 0: 0.6 }, 2: { 0: 0.8 }, 4: { 0: 0.7 } }, [r]),
    );
    expect(fired.map((f) => f.span.text)).toEqual(['c', 'e']);
    expect(skipped.map((s) => [s.reason, s.span?.text])).toEqual([['max-per-prompt', 'a']]);
  });

  it('orders by priority, then activation/threshold, then position; caps the rest', () => {
    const pieces = ['a', ' b', ' c', ' d', ' e'];
    const rules = [
      rule({ id: 'low', feature: 1, priority: 0 }),
      rule({ id: 'high', feature: 2, priority: 9 }),
      rule({ id: 'strong', feature: 3, priority: 5, threshold: 0.1 }),
      rule({ id: 'weak', feature: 4, priority: 5, threshold: 0.4 }),
      rule({ id: 'late', feature: 5, priority: 5, threshold: 0.4 }),
    ];
    const acts = { 0: { 0: 1, 1: 1 }, 1: { 2: 0.5 }, 2: { 3: 0.5 }, 4: { 4: 0.5 } };
    // The default cap is 2 glosses per text: the riskiest first.
    const m = matchRules(input(pieces, 5, acts, rules));
    expect(m.fired.map((f) => f.ruleId)).toEqual(['high', 'strong']);
    expect(m.skipped).toEqual([
      { ruleId: 'weak', reason: 'cap', span: { start: 4, end: 5, text: 'c' } },
      { ruleId: 'late', reason: 'cap', span: { start: 8, end: 9, text: 'e' } },
      { ruleId: 'low', reason: 'cap', span: { start: 0, end: 1, text: 'a' } },
    ]);
    expect(
      matchRules({ ...input(pieces, 5, acts, rules), options: { maxGlosses: 3 } }).fired.map((f) => f.ruleId),
    ).toEqual(['high', 'strong', 'weak']);
    expect(
      matchRules({ ...input(pieces, 5, acts, rules), options: { maxGlosses: 1 } }).fired.map((f) => f.ruleId),
    ).toEqual(['high']);
    expect(matchRules({ ...input(pieces, 5, acts, rules), options: { maxGlosses: 0 } }).fired).toEqual([]);
  });

  it('keeps rules that are off by default silent unless the run options name their family', () => {
    const pieces = ['Tom', ' has', ' twice', ' as', ' many'];
    const rules = [
      rule({ id: 'mult', feature: 1, family: 'multiplicative', off: true }),
      rule({ id: 'rate', feature: 2, family: 'rate' }),
    ];
    const acts = { 2: { 0: 1, 1: 1 } };
    // No added-text budget here: the text is shorter than two glosses.
    const ids = (o?: { families: string[] }) =>
      matchRules({
        ...input(pieces, 2, acts, rules),
        options: { maxAddedFraction: Infinity, ...o },
      }).fired.map((f) => f.ruleId);
    expect(ids()).toEqual(['rate']);
    expect(matchRules(input(pieces, 2, acts, rules)).skipped).toContainEqual({ ruleId: 'mult', reason: 'family-off' });
    expect(ids({ families: ['multiplicative'] })).toEqual(['mult']);
    expect(ids({ families: ['multiplicative', 'rate'] }).sort()).toEqual(['mult', 'rate']);
  });

  it('never fires inside material the user hands over (text to proofread)', () => {
    const pieces = ['Proofread', ' this', ':', ' "', 'twice', ' as', ' many', '"', ' Thanks', ' twice'];
    const rules = [rule({ id: 'twice', feature: 1 })];
    const m = matchRules(input(pieces, 1, { 4: { 0: 1 }, 9: { 0: 1 } }, rules));
    expect(m.fired).toEqual([]);
    expect(m.skipped.map((x) => [x.reason, x.span?.text])).toEqual([
      ['material', 'twice'],
      ['material', 'twice'],
    ]);
    const plain = ['Tom', ' has', ' twice', ' as', ' many'];
    expect(matchRules(input(plain, 1, { 2: { 0: 1 } }, rules)).fired.map((f) => f.span.text)).toEqual(['twice']);
  });

  it('skips a rule whose feature is not in the bundle, without throwing', () => {
    const rules = [
      rule({ id: 'gone', feature: 999 }),
      rule({ id: 'here', feature: 1 }),
      rule({ id: 'bad-col', feature: 2 }),
    ];
    const m = matchRules(
      input(NATALIA, 1, { 2: { 0: 1 } }, rules, [
        [1, 0],
        [2, 5],
      ]),
    );
    expect(m.fired.map((f) => f.ruleId)).toEqual(['here']);
    expect(m.skipped).toEqual([
      { ruleId: 'gone', reason: 'feature-not-in-bundle' },
      { ruleId: 'bad-col', reason: 'column-out-of-range' },
    ]);
  });

  it('ignores special tokens: empty width or outside the text', () => {
    const text = 'half as many';
    const tokens = [
      { start: 0, end: 0 },
      { start: 0, end: 4 },
      { start: 4, end: 7 },
      { start: 7, end: 12 },
      { start: 12, end: 12 },
      { start: 0, end: 99 },
    ];
    const r = rule({ id: 'w', feature: 1 });
    const a = activations(tokens.length, 1, { 0: { 0: 5 }, 2: { 0: 1 }, 4: { 0: 5 }, 5: { 0: 5 } });
    const m = matchRules({
      text,
      tokens,
      activations: a,
      numFeatures: 1,
      featureColumns: new Map([[1, 0]]),
      rules: [r],
    });
    expect(m.fired.map((f) => [f.span.text, f.tokens])).toEqual([['as', [2]]]);
  });

  it('dedupes identical glosses at one place, keeps different ones on overlapping spans', () => {
    const rules = [
      rule({ id: 'one', feature: 1, gloss: 'means 0.5x', priority: 2 }),
      rule({ id: 'two', feature: 2, gloss: 'means 0.5x', priority: 1 }),
      rule({ id: 'three', feature: 3, gloss: 'compare with the other count', priority: 0 }),
    ];
    const m = matchRules({
      ...input(NATALIA, 3, { 2: { 0: 1, 1: 1, 2: 1 }, 3: { 2: 1 } }, rules),
      options: { maxGlosses: 5 },
    });
    expect(m.fired.map((f) => [f.ruleId, f.span.text])).toEqual([
      ['one', 'half'],
      ['three', 'half as'],
    ]);
    expect(m.skipped).toEqual([{ ruleId: 'two', reason: 'duplicate', span: { start: 13, end: 17, text: 'half' } }]);
  });

  it('drops spans under minSpanChars', () => {
    const r = rule({ id: 'w', feature: 1 });
    const m = matchRules({
      ...input(['a', ' bb', ' ccc'], 1, { 0: { 0: 1 }, 2: { 0: 1 } }, [r]),
      options: { minSpanChars: 2 },
    });
    expect(m.fired.map((f) => f.span.text)).toEqual(['ccc']);
    expect(m.skipped).toEqual([{ ruleId: 'w', reason: 'span-too-short', span: { start: 0, end: 1, text: 'a' } }]);
  });

  it('throws on an activation shape that does not match the tokens', () => {
    const r = rule({ id: 'w', feature: 1 });
    expect(() => matchRules({ ...input(NATALIA, 2, {}, [r]), numFeatures: 3 })).toThrow(RangeError);
  });

  it('stays linear on a 200k-character prompt, even one huge "word"', () => {
    const F = 8;
    const rules = Array.from({ length: F }, (_, i) => rule({ id: `r${i}`, feature: i, priority: i }));
    const cases = [
      ['prose', 'She sold half as many clips in May. '.repeat(5600).slice(0, 200_000), ['r7', 'r7', 'r7']],
      ['one word', 'a'.repeat(200_000), ['r7', 'r7', 'r7']], // growth is bounded: a huge word is cut in pieces
    ] as const;
    for (const [name, text, want] of cases) {
      const tokens = Array.from({ length: text.length / 4 }, (_, t) => ({ start: t * 4, end: t * 4 + 4 }));
      const a = new Float32Array(tokens.length * F).map((_, k) => ((k >> 3) % 2 === 0 ? 1 : 0)); // every other token fires
      const t0 = performance.now();
      const m = matchRules(tokenizedInput(text, tokens, a, F, rules, 3));
      console.log(
        `matchRules, ${name}: ${tokens.length} tokens x ${F} rules in ${(performance.now() - t0).toFixed(1)} ms`,
      );
      expect(m.fired.map((f) => f.ruleId)).toEqual(want);
    }
  });

  it('property: deterministic, capped, whole words, once per rule per span, never throws', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 4 }),
      fc.constantFrom(' ', 'half', ' as', "'s", '-', '\u0301', '👍🏽', '🇫🇷', 'שלום', '一半', '\uD83D'),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.array(fc.float({ min: 0, max: 2, noNaN: true }), { maxLength: 120 }),
        fc.integer({ min: 0, max: 4 }),
        (pieces, values, maxGlosses) => {
          const F = 4;
          const rules = [0, 1, 2, 3].map((i) =>
            rule({
              id: `r${i}`,
              feature: 10 + i,
              threshold: 0.5 + i * 0.2,
              priority: i % 2,
              scope: i === 3 ? 'prompt' : 'span',
            }),
          );
          const { text, tokens } = tokenize(pieces);
          const a = new Float32Array(tokens.length * F).map((_, k) => values[k % Math.max(1, values.length)] ?? 0);
          const inp = tokenizedInput(text, tokens, a, F, rules, maxGlosses);
          const m = matchRules(inp);
          expect(matchRules(inp)).toEqual(m);
          expect(m.fired.length).toBeLessThanOrEqual(maxGlosses);
          const seen = new Set<string>();
          for (const f of m.fired) {
            expect(insideGrapheme(text, f.span.start) || insideGrapheme(text, f.span.end)).toBe(false);
            // Spans grow to whole words (up to MAX_WORD_GROWTH on each side).
            if (text.length < MAX_WORD_GROWTH)
              expect(expandToWords(text, f.span.start, f.span.end)).toEqual({ start: f.span.start, end: f.span.end });
            expect(f.span.text).toBe(text.slice(f.span.start, f.span.end));
            const key = `${f.ruleId}@${f.span.start}`;
            expect(seen.has(key)).toBe(false);
            seen.add(key);
          }
          expect(m.fired.filter((f) => f.ruleId === 'r3').length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
