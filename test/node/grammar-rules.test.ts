// Construction rules (rules.json `construction`): the grammar's gloss, fired only where the bundle's
// task gate is open for the rule's family, inserted at the grammar's insertAt. Runs the shipped
// default bundle's real detector and gate (models/default) with its rules swapped for one
// construction rule per family; no mocks.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBundle, type LoadedBundle } from '../../src/core/bundle/load.ts';
import { GlossEngine } from '../../src/core/engine/engine.ts';
import { CONSTRUCTION_FAMILIES, findConstructions } from '../../src/core/grammar/index.ts';
import { stripGlosses } from '../../src/core/rewrite/text.ts';
import { parseRules, RulesError, type Rule } from '../../src/core/rules/schema.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';

const DIR = 'models/default';

function constructionRule(family: (typeof CONSTRUCTION_FAMILIES)[number], feature: number, extra: Partial<Rule> = {}) {
  return {
    id: `construction-${family}`,
    feature,
    threshold: 1,
    scope: 'span',
    placement: 'after-phrase',
    gloss: '{span}',
    priority: 10,
    label: `${family} construction (grammar)`,
    evidence: { support: 0, lift: 0, q_value: 1, datasets: [] },
    family,
    construction: family,
    ...extra,
  };
}

const MATH = [
  'Ruby is 6 times older than Sam. If Sam is 5, how old is Ruby?',
  'A bakery sold 5 more muffins than twice the bagels. It sold 40 bagels. How many muffins did it sell?',
  'Jason has three times as many toys as Mandy. Mandy has 4 toys. How many toys does Jason have?',
  'A car drives 120 km in 2 hours and 180 km in 3 hours. What is its average speed for the whole trip?',
  'The car uses 6 liters of fuel for every 100 km. How much fuel does it need for 350 km?',
];
const CHAT = [
  'My Jest test suite times out after 5 seconds on CI but passes locally. What should I check first?',
  'Why does double-click on a file open it in a new tab?',
  'Please split this paragraph in half and tighten the wording.',
];

describe('construction rules in rules.json', () => {
  it('validate: a family or kinds, with the family set, and no cue or probe', () => {
    const file = (r: object) => ({ version: 1, rules: [r] });
    expect(parseRules(file(constructionRule('percent', 3))).rules[0].construction).toBe('percent');
    expect(
      parseRules(file(constructionRule('multiplicative', 3, { construction: ['times-as-many'] }))).rules[0]
        .construction,
    ).toEqual(['times-as-many']);
    expect(() => parseRules(file(constructionRule('percent', 3, { cue: 'percent' })))).toThrow(RulesError);
    expect(() => parseRules(file(constructionRule('percent', 3, { family: 'rate' })))).toThrow(RulesError);
    expect(() => parseRules(file(constructionRule('percent', 3, { placement: 'after-span' })))).toThrow(RulesError);
  });
});

describe.skipIf(!existsSync(`${DIR}/manifest.json`))('construction rules on models/default', () => {
  let engine: GlossEngine;
  let bundle: LoadedBundle;
  beforeAll(async () => {
    const base = await loadBundle(folderSource(DIR));
    const gate = base.rules!.gate!;
    const rules = parseRules({
      ...base.rules!,
      rules: CONSTRUCTION_FAMILIES.map((f) => constructionRule(f, gate.features[0])),
    });
    bundle = { ...base, rules };
    engine = await GlossEngine.create(bundle, ortNodeBackend());
  });

  it('inserts the grammar’s gloss at its insertAt in math problems the gate opens on', async () => {
    let glossed = 0;
    for (const text of MATH) {
      const out = await engine.rewrite(text, { maxGlosses: 10 });
      const expected = findConstructions(text);
      expect(expected.length).toBeGreaterThan(0);
      if (!out.gate?.open) {
        // A closed gate fires no construction rule at all.
        expect(out.inserted).toEqual([]);
        expect(out.skipped.filter((s) => s.reason === 'gate-closed').length).toBe(CONSTRUCTION_FAMILIES.length);
        continue;
      }
      glossed++;
      // Every insertion is one of the grammar's constructions, its gloss verbatim, at its insertAt.
      for (const ins of out.inserted) {
        const c = expected.find((e) => e.insertAt === ins.at);
        expect(c, `${text}: insertion at ${ins.at}`).toBeDefined();
        expect(ins.gloss).toBe(c!.gloss);
        expect(ins.ruleId).toBe(`construction-${c!.family}`);
      }
      expect(out.inserted.length).toBe(expected.length);
      for (const f of out.fired) {
        expect(f.construction?.kind).toBeDefined();
        expect(f.span.end).toBe(expected.find((e) => e.gloss === f.gloss)!.insertAt);
      }
      expect(stripGlosses(out.rewritten)).toBe(text);
    }
    // The shipped gate opens on these textbook problems (it was fitted on GSM8K).
    expect(glossed).toBeGreaterThanOrEqual(4);
  });

  it('fires nothing where the gate is closed, though the grammar or old cues would match words', async () => {
    for (const text of CHAT) {
      const out = await engine.analyze(text);
      expect(out.gate?.open, text).toBe(false);
      expect(out.fired).toEqual([]);
    }
  });

  it('holds every construction rule back where the prompt asks for no quantity, and glosses once it asks', async () => {
    // Chat requests that hold rates and percentages; the gate's verdict on them varies, the guard's does not.
    const requests = [
      'Our team of 8 closes about 40 tickets per week. How do we report velocity to management?',
      'My kid reads 20 pages a night. Can you recommend some books for a 9-year-old?',
      'We sell about 50 candles a week on Etsy. How can I photograph them better?',
    ];
    let heldByGuard = 0;
    for (const text of requests) {
      const out = await engine.analyze(text);
      expect(out.fired, text).toEqual([]);
      if (out.gate?.open) {
        heldByGuard++;
        expect(out.skipped.filter((s) => s.reason === 'no-quantity-asked').length).toBe(CONSTRUCTION_FAMILIES.length);
      }
      // The same facts told of someone else, with a question asked: a word problem, glossed where the
      // gate opens (in the first person they would stay the writer's own context).
      const story = text
        .replace(/^Our\b/, 'The')
        .replace(/^My\b/, 'Her')
        .replace(/^We\b/, 'They');
      const asked = await engine.rewrite(story.replace(/\s[^.]*\?$/, ' How many do they get through in 6 weeks?'));
      if (asked.gate?.open) expect(asked.inserted.some((i) => i.ruleId === 'construction-rate')).toBe(true);
    }
    // The gate opens on at least one of them (about 0.1 over its threshold when measured), so the guard is what holds it.
    expect(heldByGuard).toBeGreaterThanOrEqual(1);
  });

  it('opens construction rules at the gate’s askedThreshold only where the prompt asks for a quantity', async () => {
    const base = bundle.rules!;
    // Thresholds far from any score: the gate itself stays shut, only the asked path can open it.
    const withGate = (askedThreshold?: number) =>
      GlossEngine.create(
        { ...bundle, rules: parseRules({ ...base, gate: { ...base.gate!, threshold: 0.999, askedThreshold } }) },
        ortNodeBackend(),
      );
    const problem = 'After a 25% discount, a pair of boots costs $60. What was the price before the discount?';
    const request = 'Our sales grew 20% this year. Write a short LinkedIn post celebrating the team.';
    const lower = await withGate(0.001);
    const opened = await lower.rewrite(problem);
    expect(opened.gate?.open).toBe(false);
    expect(opened.inserted.map((i) => i.ruleId)).toEqual(['construction-percent']);
    expect(opened.fired[0].threshold).toBe(0.001);
    // A request that asks for no quantity: the lower threshold does not apply.
    const held = await lower.analyze(request);
    expect(findConstructions(request).length).toBeGreaterThan(0);
    expect(held.fired).toEqual([]);
    expect(held.skipped.filter((s) => s.reason === 'gate-closed').length).toBe(CONSTRUCTION_FAMILIES.length);
    // Without askedThreshold the closed gate holds the problem back too.
    const plain = await (await withGate()).analyze(problem);
    expect(plain.fired).toEqual([]);
    // A lower threshold above the gate's own is refused.
    expect(() => parseRules({ ...base, gate: { ...base.gate!, threshold: 0.5, askedThreshold: 0.6 } })).toThrow(
      /askedThreshold must be at most threshold/,
    );
  });

  it('fires only the kinds a kinds rule names', async () => {
    const gate = bundle.rules!.gate!;
    const rules = parseRules({
      ...bundle.rules!,
      rules: [constructionRule('multiplicative', gate.features[0], { construction: ['times-as-many'] })],
    });
    const e = await GlossEngine.create({ ...bundle, rules }, ortNodeBackend());
    const text = MATH[2];
    const out = await e.rewrite(text);
    expect(out.gate?.open).toBe(true);
    const want = findConstructions(text).filter((c) => c.kind === 'times-as-many');
    expect(want.length).toBe(1);
    expect(out.inserted.map((i) => [i.at, i.gloss])).toEqual(want.map((c) => [c.insertAt, c.gloss]));
    // The 'n-times-more-than' phrase of another problem is not this rule's kind.
    const other = await e.analyze(MATH[0]);
    expect(other.fired.every((f) => f.construction?.kind === 'times-as-many')).toBe(true);
  });
});
