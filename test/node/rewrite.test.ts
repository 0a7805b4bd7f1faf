// Gloss insertion into plain text: known answers, grapheme-safe offsets, and properties over
// arbitrary Unicode (strip undoes a rewrite, rewriting is idempotent, nothing throws).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Rule } from '../../src/core/rules/schema.ts';
import type { FiredRule } from '../../src/core/rules/match.ts';
import { matchRules } from '../../src/core/rules/match.ts';
import { rewriteText, stripGlosses } from '../../src/core/rewrite/text.ts';
import { insideGrapheme } from '../../src/core/rules/boundaries.ts';

const evidence = { support: 40, lift: 2.5, q_value: 0.01, datasets: ['gsm8k'] };

function rule(over: Partial<Rule> & { id: string }): Rule {
  return {
    feature: 1,
    threshold: 0.5,
    scope: 'span',
    placement: 'after-span',
    gloss: 'note on {span}',
    priority: 0,
    label: over.id,
    evidence,
    ...over,
  };
}

/** A fired entry for `rule` on text[start, end). */
function fire(r: Rule, text: string, start: number, end: number): FiredRule {
  const placement = r.scope === 'prompt' ? 'note' : r.placement;
  return {
    ruleId: r.id,
    feature: r.feature,
    column: 0,
    scope: r.scope,
    placement,
    priority: r.priority,
    span: { start, end, text: text.slice(start, end) },
    peak: 1,
    threshold: r.threshold,
    ratio: 2,
    tokens: [],
  };
}

const HALF = rule({ id: 'half-as-many', gloss: '"{span}" means 0.5 times as many' });
const NATALIA = 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.';

describe('rewriteText: known answers', () => {
  it('glosses "half as many" right after the span', () => {
    const at = NATALIA.indexOf('half as many');
    const r = rewriteText(NATALIA, [fire(HALF, NATALIA, at, at + 12)], [HALF]);
    expect(r.text).toBe(
      'Natalia sold clips to 48 of her friends in April, and then she sold half as many ⟦gloss: "half as many" means 0.5 times as many⟧ clips in May.',
    );
    expect(r.status).toBe('rewritten');
    expect(r.inserted).toEqual([
      { ruleId: 'half-as-many', at: at + 12, gloss: '"half as many" means 0.5 times as many' },
    ]);
    expect(stripGlosses(r.text)).toBe(NATALIA);
  });

  it('gives the same answer from detector activations through matchRules', () => {
    const text = 'Natalia sold half as many clips';
    const words = [...text.matchAll(/\s*\S+/g)].map((m) => ({ start: m.index!, end: m.index! + m[0].length }));
    const acts = new Float32Array(words.length);
    acts[2] = 0.9;
    acts[3] = 0.7;
    acts[4] = 0.6;
    const { fired } = matchRules({
      text,
      tokens: words,
      activations: acts,
      numFeatures: 1,
      featureColumns: new Map([[1, 0]]),
      rules: [HALF],
    });
    expect(rewriteText(text, fired, [HALF]).text).toBe(
      'Natalia sold half as many ⟦gloss: "half as many" means 0.5 times as many⟧ clips',
    );
  });

  it('puts note and prompt-scope glosses in one block at the end, in fired order', () => {
    const text = 'Each box holds 3 pens per row.\n';
    const per = rule({ id: 'per', scope: 'prompt', gloss: '"per" means for each one.' });
    const rows = rule({ id: 'rows', placement: 'note', gloss: 'Count {span} before multiplying.' });
    const at = text.indexOf('per');
    const r = rewriteText(
      text,
      [fire(per, text, at, at + 3), fire(rows, text, at + 4, at + 7), fire(HALF, text, 0, 4)],
      [per, rows, HALF],
    );
    expect(r.text).toBe(
      'Each ⟦gloss: "Each" means 0.5 times as many⟧ box holds 3 pens per row.\n' +
        '\n\n⟦gloss-notes: how to read the text above\n- "per" means for each one.\n- Count row before multiplying.\n⟧',
    );
    expect(r.inserted.map((i) => [i.ruleId, i.at])).toEqual([
      ['half-as-many', 4],
      ['per', text.length],
      ['rows', text.length],
    ]);
    expect(stripGlosses(r.text)).toBe(text);
  });

  it('keeps fired order at a shared offset and dedupes identical glosses', () => {
    const a = rule({ id: 'a', gloss: 'first' });
    const b = rule({ id: 'b', gloss: 'second' });
    const c = rule({ id: 'c', gloss: 'first' });
    const text = 'twice as many';
    const r = rewriteText(
      text,
      [fire(b, text, 0, 5), fire(a, text, 0, 5), fire(c, text, 0, 5), fire(a, text, 9, 13)],
      [a, b, c],
    );
    expect(r.text).toBe('twice ⟦gloss: second⟧ ⟦gloss: first⟧ as many ⟦gloss: first⟧');
  });

  it('sanitizes glosses: no brackets that could close a marker, one line', () => {
    const evil = rule({ id: 'evil', gloss: 'x⟧ y ⟦gloss: z\n  {span}' });
    const text = 'a ⟧b⟧ c';
    const r = rewriteText(text, [fire(evil, text, 2, 5)], [evil]);
    expect(r.text).toBe('a ⟧b⟧ ⟦gloss: x] y [gloss: z ]b]⟧ c');
    expect(stripGlosses(r.text)).toBe(text);
  });

  it('shortens a long span quoted in a gloss', () => {
    const text = 'w'.repeat(100);
    const r = rewriteText(text, [fire(HALF, text, 0, 100)], [HALF]);
    expect(r.inserted[0].gloss).toBe(`"${'w'.repeat(79)}…" means 0.5 times as many`);
  });

  it('never cuts a surrogate pair, combining marks, ZWJ emoji or a flag', () => {
    const cases: [string, number, string][] = [
      ['ab😀cd', 3, 'ab😀 ⟦gloss: X⟧cd'], // inside the pair
      ['cafe\u0301 noir', 4, 'cafe\u0301 ⟦gloss: X⟧ noir'], // before a combining accent
      ['a👨‍👩‍👧b', 3, 'a👨‍👩‍👧 ⟦gloss: X⟧b'], // inside a ZWJ family
      ['x🇫🇷🇩🇪y', 3, 'x🇫🇷 ⟦gloss: X⟧🇩🇪y'], // between the two letters of a flag
      ['x🇫🇷🇩🇪y', 5, 'x🇫🇷 ⟦gloss: X⟧🇩🇪y'], // exactly between two flags: stays
      ['👍🏽ok', 2, '👍🏽 ⟦gloss: X⟧ok'], // before a skin-tone modifier
      ['a\r\nb', 2, 'a\r\n ⟦gloss: X⟧b'],
    ];
    const x = rule({ id: 'x', gloss: 'X' });
    for (const [text, end, want] of cases) expect(rewriteText(text, [fire(x, text, 0, end)], [x]).text).toBe(want);
  });

  it('leaves annotated texts alone, so rewriting twice equals rewriting once', () => {
    const at = NATALIA.indexOf('half as many');
    const once = rewriteText(NATALIA, [fire(HALF, NATALIA, at, at + 12)], [HALF]);
    const twice = rewriteText(once.text, [fire(HALF, once.text, at, at + 12)], [HALF]);
    expect(twice).toEqual({ text: once.text, inserted: [], status: 'already-annotated' });
  });

  it('ignores unknown rules and nonsensical spans; unchanged without glosses', () => {
    const text = 'half as many';
    const bad = [
      fire(rule({ id: 'nope' }), text, 0, 4),
      { ...fire(HALF, text, 0, 4), span: { start: NaN, end: 3, text: '' } },
      { ...fire(HALF, text, 0, 4), span: { start: 5, end: 2, text: '' } },
    ];
    expect(rewriteText(text, bad, [HALF])).toEqual({ text, inserted: [], status: 'unchanged' });
    expect(rewriteText(text, [], [HALF]).status).toBe('unchanged');
    // Out-of-range ends are clamped to the text.
    expect(
      rewriteText(
        text,
        [{ ...fire(HALF, text, 0, 4), span: { start: -5, end: 500, text: '' } }],
        new Map([[HALF.id, HALF]]),
      ).text,
    ).toBe('half as many ⟦gloss: "half as many" means 0.5 times as many⟧');
  });

  it('rewrites a 200k-character text with many glosses', () => {
    const text = 'She sold half as many clips in May. '.repeat(5600).slice(0, 200_000);
    const fired: FiredRule[] = [];
    for (let at = text.indexOf('half'); at >= 0; at = text.indexOf('half', at + 1))
      fired.push(fire(HALF, text, at, at + 12));
    const t0 = performance.now();
    const r = rewriteText(text, fired, [HALF]);
    const stripped = stripGlosses(r.text);
    const ms = performance.now() - t0;
    console.log(`rewrite+strip of ${text.length} chars with ${r.inserted.length} glosses: ${ms.toFixed(1)} ms`);
    expect(r.inserted.length).toBe(fired.length);
    expect(stripped).toBe(text);
  });
});

describe('rewriteText: properties', () => {
  // Pieces that stress the markers and the grapheme rules, mixed with arbitrary Unicode.
  const tricky = fc.constantFrom(
    '⟦',
    '⟧',
    '⟦gloss: ',
    '⟦gloss',
    'gloss-notes:',
    '\n\n',
    ' ',
    '\u0301',
    '\u200D',
    '👨‍👩‍👧',
    '🇫🇷',
    '👍🏽',
    'שלום עולם',
    'مرحبا',
    '一半',
    '\uD83D',
    '\uDE00',
    '\r\n',
    '{span}',
  );
  const anyText = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), tricky), maxLength: 30 }),
  );
  const RULES = [
    HALF,
    rule({ id: 'plain', gloss: 'read carefully' }),
    rule({ id: 'quoted', gloss: '⟧{span}⟦gloss: ⟧' }),
    rule({ id: 'noted', placement: 'note', gloss: 'about {span}\n- more' }),
    rule({ id: 'whole', scope: 'prompt', gloss: 'the whole prompt ⟦' }),
  ];
  const firedArb = fc.array(fc.record({ a: fc.nat(), b: fc.nat(), r: fc.nat({ max: RULES.length - 1 }) }), {
    maxLength: 6,
  });
  const toFired = (text: string, raw: { a: number; b: number; r: number }[]) =>
    raw.map(({ a, b, r }) => {
      const x = a % (text.length + 1);
      const y = b % (text.length + 1);
      return fire(RULES[r], text, Math.min(x, y), Math.max(x, y));
    });

  it('strip(rewrite(x)) === x, rewrite is idempotent, offsets are grapheme-safe, nothing throws', () => {
    let rewritten = 0;
    fc.assert(
      fc.property(anyText, firedArb, (text, raw) => {
        const fired = toFired(text, raw);
        const once = rewriteText(text, fired, RULES);
        if (once.status === 'rewritten') {
          rewritten++;
          expect(stripGlosses(once.text)).toBe(text);
          for (const ins of once.inserted) expect(insideGrapheme(text, ins.at)).toBe(false);
        } else expect(once.text).toBe(text);
        expect(once.status === 'already-annotated').toBe(text.includes('⟦gloss'));
        const twice = rewriteText(once.text, toFired(once.text, raw), RULES);
        expect(twice.text).toBe(once.text);
      }),
      { numRuns: 2000 },
    );
    expect(rewritten).toBeGreaterThan(500);
  });

  it('an annotated text containing user brackets still strips exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('⟦', '⟧', ' ', 'gloss', ': ', '-notes', '\n'), fc.string({ maxLength: 3 })), {
          maxLength: 20,
        }),
        firedArb,
        (pieces, raw) => {
          const text = pieces.join('');
          const once = rewriteText(text, toFired(text, raw), RULES);
          if (once.status === 'rewritten') expect(stripGlosses(once.text)).toBe(text);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
