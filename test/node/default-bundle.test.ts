// The shipped default bundle (assembled by `npm run build:default`, which `npm test` runs first):
// its manifest carries the figures, its rules fire on GSM8K phrasings, and onnxruntime-node and
// onnxruntime-web (WASM, one thread: the Workers stand-in) fire the same rules on real prompts.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import * as ortWeb from 'onnxruntime-web';
import { loadBundle, type LoadedBundle } from '../../src/core/bundle/load.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { GlossEngine } from '../../src/core/engine/engine.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';
import { ortWebBackend } from '../../src/runtime/web/ort-web-backend.ts';
import { stripGlosses } from '../../src/core/rewrite/text.ts';
import { featureColumns } from '../../src/core/rules/schema.ts';
import { findConstructions } from '../../src/core/grammar/index.ts';
import { compareActivations, unexplainedRuleDifferences } from '../helpers/parity-check.ts';
import { haveRealPrompts, realPrompts } from '../helpers/real-prompts.ts';

const DIR = 'models/default';
const PROMPTS = [
  'Jason has three times as many toys as Mandy. Mandy has 4 toys. How many toys does Jason have?',
  'A store offers a 20% discount on a $50 jacket. What is the price after the discount?',
  'Weng earns $12 per hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?',
  'Carter is twice as tall as his 24" tall dog. Betty is 12" shorter than Carter. How tall is Betty in feet?',
  'Sandra eats 3 beignets every morning. How many beignets will she eat in 16 weeks?',
  'The sky was quiet and the sea lay still.',
  'مرحبا 🙂 '.repeat(120),
];
// Ordinary requests with the words the old rules glossed (times, per, double, percent, every).
const CHAT = [
  'My Jest test suite times out after 5 seconds on CI but passes locally. What should I check first?',
  'Write a SQL query that returns the latest order per customer from an orders table.',
  'Why does double-click on a file open it in a new tab?',
  'Rewrite this sentence: "I am one hundred percent committed to this project."',
  'Write a Bash one-liner that counts the lines in every .ts file in a folder.',
];

describe.skipIf(!existsSync(`${DIR}/manifest.json`))('models/default', () => {
  let bundle: LoadedBundle;
  beforeAll(async () => {
    bundle = await loadBundle(folderSource(DIR));
  });

  it('is a complete bundle with its figures as numbers', () => {
    const m = bundle.manifest;
    expect(m.detector.arch).toBe('use-lite');
    expect(m.detector.outputs).toContain('features');
    expect(Object.keys(m.files).sort()).toEqual([
      'card.md',
      'detector.onnx',
      'features.json',
      'rules.json',
      'tokenizer.json',
    ]);
    expect(m.sae?.metrics.fvu).toBeLessThan(0.25);
    expect(m.sae?.metrics.dead_fraction).toBeLessThanOrEqual(0.05);
    // Every protocol figure ships beside its baseline, validation and the test split's look alike.
    for (const [k, base] of [
      ['validation_news_math_glossed', 'validation_news_keyword'],
      ['validation_traps_reworded_right_family', 'validation_traps_reworded_keyword_right_family'],
      ['validation_gsm8k_failure_or', 'validation_gsm8k_keyword_or'],
      ['test_gsm8k_failure_or', 'test_gsm8k_keyword_or'],
      ['test_gsm8k_failure_or_lo', 'test_gsm8k_length_auc'],
      ['test_vua_figurative_precision', 'test_vua_figurative_share'],
    ]) {
      expect(typeof m.evaluation?.[k]).toBe('number');
      expect(typeof m.evaluation?.[base]).toBe('number');
    }
    const rules = bundle.rules!;
    expect(rules.rules.length).toBeGreaterThan(2);
    // Reviewed rules only, each with its misreading family; math glosses go after the whole phrase,
    // the figurative probe's right after its verb.
    const columnsOf = new Set(bundle.features!.features.map((f) => f.feature));
    for (const r of rules.rules) {
      expect(r.draft).toBeUndefined();
      expect(r.family).toBeDefined();
      expect(r.placement).toBe(r.probe ? 'after-span' : 'after-phrase');
      if (r.probe) {
        expect(r.family).toBe('figurative');
        expect(r.threshold).toBeLessThanOrEqual(1);
        for (const f of [...r.probe.features, ...(r.probe.context?.features ?? [])])
          expect(columnsOf.has(f)).toBe(true);
      }
    }
    expect(rules.rules.filter((r) => r.probe)).toHaveLength(1);
    // The task gate governs every math family, and its latents are in the head.
    const columns = new Set(bundle.features!.features.map((f) => f.feature));
    expect(rules.gate?.features.every((f) => columns.has(f))).toBe(true);
    expect(rules.gate?.families).toContain('percent');
    expect(bundle.card).toMatch(/## Test split/);
    expect(bundle.card).not.toMatch(/reviewed by a person/);
    expect(bundle.card).toMatch(/Not measured here/);
  });

  it('opens the task gate on math word problems only, and glosses them once per meaning', async () => {
    const engine = await GlossEngine.create(bundle, ortNodeBackend());
    let glossed = 0;
    for (const p of PROMPTS.slice(0, 5)) {
      const out = await engine.rewrite(p);
      expect(out.gate?.open).toBe(true);
      expect(stripGlosses(out.rewritten)).toBe(p);
      const glosses = out.inserted.map((i) => i.gloss);
      expect(new Set(glosses).size).toBe(glosses.length);
      // Every gloss is the grammar's own, at a phrase of its rule's family, and its family is on.
      const found = findConstructions(p);
      for (const f of out.fired) {
        const rule = engine.rulesById.get(f.ruleId)!;
        expect(rule.off).toBeUndefined();
        expect(found).toContainEqual(
          expect.objectContaining({ family: rule.family, gloss: f.gloss, insertAt: f.span.end }),
        );
      }
      if (out.status === 'rewritten') glossed++;
    }
    expect(glossed).toBeGreaterThanOrEqual(2);
    // A short word problem scores under the gate's own threshold (0.39 when measured, threshold 0.5);
    // it asks for a quantity, so the lower askedThreshold (0.3) lets its reverse-percent gloss through.
    const short = 'After a 15% discount, a jacket costs $68. What was the original price of the jacket?';
    const s = await engine.rewrite(short);
    expect(s.gate?.open).toBe(false);
    expect(s.inserted.map((i) => i.gloss)).toEqual(['new amount = original × 0.85; the 15% is of the original']);
    for (const p of [PROMPTS[5], ...CHAT]) {
      const out = await engine.rewrite(p);
      expect(out.gate?.open).toBe(false);
      expect(out.fired.filter((f) => engine.rulesById.get(f.ruleId)?.family !== 'figurative')).toEqual([]);
    }
  });

  it('glosses figurative verbs in prose, not literal ones, and none in a technical request', async () => {
    const engine = await GlossEngine.create(bundle, ortNodeBackend());
    // Off by default (it has not met its precision bar): the probe fires only where `families` asks.
    const byDefault = await engine.rewrite('The news shattered her hopes.');
    expect(byDefault.fired).toEqual([]);
    expect(byDefault.skipped).toContainEqual(
      expect.objectContaining({ ruleId: 'figurative-verb', reason: 'family-off' }),
    );
    const figurative = async (p: string) => {
      const out = await engine.rewrite(p, { families: ['figurative'] });
      return { out, verbs: out.fired.filter((f) => engine.rulesById.get(f.ruleId)?.probe).map((f) => f.span.text) };
    };
    // Probabilities measured about 0.13 above the threshold (and 0.12 below for "drank").
    const shattered = await figurative('The news shattered her hopes.');
    expect(shattered.verbs).toEqual(['shattered']);
    expect(shattered.out.inserted.map((i) => i.gloss)).toEqual([
      expect.stringContaining('"shattered" is used figuratively'),
    ]);
    expect((await figurative('Her words cut deep, but he buried his anger.')).verbs).toContain('cut');
    expect((await figurative('He ate an apple and drank some water.')).verbs).toEqual([]);
    // "returns" scores high, but the sentence is no prose: the context gate keeps it closed, untagged.
    const sql = await figurative('Write a SQL query that returns the latest order per customer.');
    expect(sql.out.fired).toEqual([]);
    expect(sql.out.skipped).toContainEqual(
      expect.objectContaining({ ruleId: 'figurative-verb', reason: 'gate-closed' }),
    );
  });

  it('fires the same rules on onnxruntime-node and onnxruntime-web over a few hundred real prompts', async () => {
    // 200 GSM8K test questions + 200 VUA sentences where ../shared is here, and the prompts above.
    const prompts = [...PROMPTS, ...(haveRealPrompts() ? realPrompts(200) : [])];
    ortWeb.env.wasm.numThreads = 1;
    const node = await GlossEngine.create(bundle, ortNodeBackend());
    const web = await GlossEngine.create(bundle, ortWebBackend(ortWeb));
    const thresholds = bundle.features!.features.map((f) => f.threshold);
    const columns = featureColumns(bundle.features!);
    const F = thresholds.length;
    const TOL = 0.1; // see test/helpers/parity-check.ts: measured differences are at most 0.03
    // Task-gate latents (not read by any rule) have larger encoder rows: measured up to 0.105; they
    // reach the gate only through a prompt mean, and a gate flip is checked below.
    const ruleFeatures = new Set(bundle.rules!.rules.map((r) => r.feature));
    const tolerances = bundle.features!.features.map((f) => (ruleFeatures.has(f.feature) ? TOL : 2 * TOL));
    let maxDiff = 0;
    let jumps = 0;
    let differing = 0;
    for (const p of prompts) {
      const a = await node.rewrite(p);
      const b = await web.rewrite(p);
      const d = compareActivations(a.activations, b.activations, thresholds, tolerances);
      expect(d.violations, p.slice(0, 80)).toBe(0);
      maxDiff = Math.max(maxDiff, d.maxDiff);
      jumps += d.jumps;
      expect(
        unexplainedRuleDifferences(a, b, bundle.rules!.rules, columns, F, TOL, bundle.rules!.gate),
        p.slice(0, 80),
      ).toEqual([]);
      if (a.rewritten !== b.rewritten) differing++;
    }
    console.log(
      `models/default, ${prompts.length} prompts: max |node - web| ${maxDiff.toExponential(2)} (JumpReLU jumps at threshold: ${jumps}); rewritten text differs on ${differing}`,
    );
    // Differences must stay rare: each one is an activation within TOL of a threshold.
    expect(differing).toBeLessThanOrEqual(Math.ceil(prompts.length * 0.01));
  });
});
