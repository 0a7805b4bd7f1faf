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
    expect(m.sae?.metrics.fvu).toBeLessThan(0.2);
    expect(m.sae?.metrics.dead_fraction).toBeLessThanOrEqual(0.05);
    for (const k of ['gsm8k_auc', 'gsm8k_length_baseline_auc', 'vua_f1', 'mohx_f1'])
      expect(typeof m.evaluation?.[k]).toBe('number');
    expect(bundle.rules!.rules.length).toBeGreaterThan(3);
    expect(bundle.card).toMatch(/Not measured here/);
  });

  it('glosses multiplicative comparisons and percentages, and leaves plain prose alone', async () => {
    const engine = await GlossEngine.create(bundle, ortNodeBackend());
    const times = await engine.rewrite(PROMPTS[0]);
    expect(times.status).toBe('rewritten');
    expect(times.fired.some((f) => /times/.test(f.ruleId) && /times/.test(f.span.text))).toBe(true);
    expect(stripGlosses(times.rewritten)).toBe(PROMPTS[0]);
    const pct = await engine.rewrite(PROMPTS[1]);
    expect(pct.fired.map((f) => f.ruleId)).toContain('percent-sign');
    expect((await engine.rewrite(PROMPTS[5])).status).toBe('unchanged');
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
