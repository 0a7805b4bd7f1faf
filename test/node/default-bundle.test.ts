// The shipped default bundle (assembled by `npm run build:default`, which `npm test` runs first):
// its manifest carries the figures, its rules fire on GSM8K phrasings, and onnxruntime-node and
// onnxruntime-web (WASM, one thread: the Workers stand-in) fire the same rules on real prompts.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import * as ortWeb from 'onnxruntime-web';
import { loadBundle, type LoadedBundle } from '../../src/core/bundle/load.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { GlossEngine } from '../../src/core/engine.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';
import { ortWebBackend } from '../../src/runtime/web/ort-web-backend.ts';
import { stripGlosses } from '../../src/core/rewrite/text.ts';
import { featureColumns } from '../../src/core/rules/schema.ts';
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
    let maxDiff = 0;
    let jumps = 0;
    let differing = 0;
    for (const p of prompts) {
      const a = await node.rewrite(p);
      const b = await web.rewrite(p);
      const d = compareActivations(a.activations, b.activations, thresholds, TOL);
      expect(d.violations, p.slice(0, 80)).toBe(0);
      maxDiff = Math.max(maxDiff, d.maxDiff);
      jumps += d.jumps;
      expect(unexplainedRuleDifferences(a, b, bundle.rules!.rules, columns, F, TOL), p.slice(0, 80)).toEqual([]);
      if (a.rewritten !== b.rewritten) differing++;
    }
    console.log(
      `models/default, ${prompts.length} prompts: max |node - web| ${maxDiff.toExponential(2)} (JumpReLU jumps at threshold: ${jumps}); rewritten text differs on ${differing}`,
    );
    // Differences must stay rare: each one is an activation within TOL of a threshold.
    expect(differing).toBeLessThanOrEqual(Math.ceil(prompts.length * 0.01));
  });
});
