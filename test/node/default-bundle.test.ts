// The shipped default bundle (assembled by `npm run build:default`, which `npm test` runs first):
// its manifest carries the figures, its rules fire on GSM8K phrasings, and onnxruntime-node and
// onnxruntime-web (WASM, one thread: the Workers stand-in) give identical rules and rewritten text.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import * as ortWeb from 'onnxruntime-web';
import { loadBundle, type LoadedBundle } from '../../src/core/bundle/load.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { GlossEngine } from '../../src/core/engine.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';
import { ortWebBackend } from '../../src/runtime/web/ort-web-backend.ts';
import { stripGlosses } from '../../src/core/rewrite/text.ts';

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
    // Every dev-check figure ships beside its baseline.
    for (const [k, base] of [
      ['general_english_math_gloss_rate', 'general_english_keyword_rate'],
      ['chat_prompts_math_glossed', 'chat_prompts_keyword'],
      ['traps_glossed_rate', 'traps_keyword_glossed_rate'],
      ['gsm8k_heldout_failure_or', 'gsm8k_heldout_keyword_or'],
      ['vua_test_figurative_precision', 'vua_test_figurative_share'],
    ]) {
      expect(typeof m.evaluation?.[k]).toBe('number');
      expect(typeof m.evaluation?.[base]).toBe('number');
    }
    const rules = bundle.rules!;
    expect(rules.rules.length).toBeGreaterThan(2);
    // Reviewed rules only, each with its misreading family, placed after the whole phrase.
    for (const r of rules.rules) {
      expect(r.draft).toBeUndefined();
      expect(r.family).toBeDefined();
      expect(r.placement).toBe('after-phrase');
    }
    // The task gate governs every math family, and its latents are in the head.
    const columns = new Set(bundle.features!.features.map((f) => f.feature));
    expect(rules.gate?.features.every((f) => columns.has(f))).toBe(true);
    expect(rules.gate?.families).toContain('percent');
    expect(bundle.card).toMatch(/Dev checks/);
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
      if (out.status === 'rewritten') glossed++;
    }
    expect(glossed).toBeGreaterThanOrEqual(3);
    for (const p of [PROMPTS[5], ...CHAT]) {
      const out = await engine.rewrite(p);
      expect(out.gate?.open).toBe(false);
      expect(out.fired.filter((f) => engine.rulesById.get(f.ruleId)?.family !== 'figurative')).toEqual([]);
    }
  });

  it('gives identical rules and text on onnxruntime-node and onnxruntime-web', async () => {
    ortWeb.env.wasm.numThreads = 1;
    const node = await GlossEngine.create(bundle, ortNodeBackend());
    const web = await GlossEngine.create(bundle, ortWebBackend(ortWeb));
    let maxDiff = 0;
    for (const p of PROMPTS) {
      const a = await node.rewrite(p);
      const b = await web.rewrite(p);
      expect(b.fired.map((f) => [f.ruleId, f.span.start, f.span.end])).toEqual(
        a.fired.map((f) => [f.ruleId, f.span.start, f.span.end]),
      );
      expect(b.rewritten).toBe(a.rewritten);
      for (let i = 0; i < a.activations.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(a.activations[i] - b.activations[i]));
    }
    console.log(`models/default: max |node - web| feature activation ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThan(0.05);
  });
});
