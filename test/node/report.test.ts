// gloss-train report: what a reader looks for is in the HTML. Legends carry their AUCs uncut,
// integers print as integers, keys as readable labels, dead latents as a sentence when none went
// dead (not a flat line over a 0.000000 axis), the exported rules with their evidence, the settings.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../../offline-training/report/report.ts';

const roc = (pts: number[][]) => pts.map(([fpr, tpr]) => ({ fpr, tpr }));

function saeMetrics(dead: number[]) {
  return {
    version: 1,
    summary: { fvu: 0.0412, explained_variance: 0.9588, l0: 32, dead_fraction: 0.0015 },
    sae: { architecture: 'topk', d_in: 384, d_sae: 4096, k: 32 },
    training: {
      steps: 2000,
      batch: 1024,
      tokens: 2_048_000,
      lr: 0.0004,
      seed: 0,
      k_aux: 256,
      aux_coef: 0.03125,
      dead_tokens: 1_000_000,
      warmup_steps: 100,
      decay_fraction: 0.2,
      seconds: 480.5,
      tokens_per_second: 4262.2,
      device: 'cpu',
      engine: 'ort',
      threads: 2,
      normalization: { mean_centered: true, scale: 0.61, folded_into_weights: true },
      dead_fraction: 0,
    },
    split: {
      held_out_fraction: 0.05,
      block_rows: 128,
      train_rows: 95_000,
      held_out_rows: 5000,
      eval_rows: 4096,
      evaluated_on: 'held_out',
    },
    held_out: { rows: 4096, fvu: 0.0412, explained_variance: 0.9588, l0: 32, dead_fraction: 0.0015 },
    baselines: { mean_fvu: 1.0, pca_k: 32, pca_fvu: 0.41 },
    jumprelu: null,
    history: dead.map((d, i) => ({
      step: (i + 1) * 500,
      train_fvu: 0.2 / (i + 1),
      l0: 32,
      dead_fraction: d,
      eval_fvu: 0.19 / (i + 1),
      eval_dead_fraction: d,
    })),
  };
}

const candidates = {
  version: 1,
  target: 'gpt3-6b',
  outcomes: 'outcomes.jsonl',
  detector: 'det',
  sae: 'sae/jumprelu',
  heldOutFraction: 0.3,
  seed: 0,
  family: 'all',
  counts: {
    prompts: 1000,
    mining: 700,
    heldOut: 300,
    miningFailures: 350,
    heldOutFailures: 150,
    latentsTested: 4096,
    familySize: 4096,
  },
  lengthBaseline: { miningAuc: 0.55, heldOutAuc: 0.512, w: [0, 1] },
  candidates: [
    {
      feature: 2101,
      label: 'fires on "times"',
      lor: 1.2,
      lorLo: 0.6,
      lorHi: 1.8,
      mhOr: 3.1,
      mhQ: 2e-6,
      support: 120,
      lift: 1.6,
      aucGainOverLength: 0.04,
      top_contexts: [],
      examples: [{ prompt: 'Tom has three times as many marbles as Ann.', token: 'times', answer: '7', gold: '12' }],
    },
  ],
  prompts: [],
};

const evaluation = {
  summary: {
    gsm8k_auc: 0.631,
    gsm8k_length_baseline_auc: 0.512,
    gsm8k_rules_coverage: 0.31,
    gsm8k_heldout_prompts: 300,
  },
  detection: {
    heldOut: 300,
    heldOutFailures: 150,
    rulesAuc: 0.631,
    rulesCoverage: 0.31,
    failRateWhenFired: 0.7,
    failRateWhenSilent: 0.4,
    lengthAuc: 0.512,
    lengthPlusRulesAuc: 0.644,
    bestFeatures: [{ feature: 2101, label: 'fires on "times"', miningRank: 1, heldOutAuc: 0.6 }],
    roc: {
      rules: roc([
        [0, 0],
        [0.2, 0.5],
        [1, 1],
      ]),
      length: roc([
        [0, 0],
        [0.5, 0.52],
        [1, 1],
      ]),
      lengthPlusRules: roc([
        [0, 0],
        [0.2, 0.55],
        [1, 1],
      ]),
    },
  },
};

const rules = {
  version: 1,
  rules: [
    {
      id: 'times-as-many',
      feature: 2101,
      threshold: 1.5,
      scope: 'span',
      placement: 'after-span',
      gloss: '"{span}" multiplies the reference amount',
      priority: 5,
      label: 'fires on "times"',
      evidence: { support: 120, lift: 1.6, q_value: 2e-6, heldout_auc: 0.6, datasets: ['gsm8k'] },
    },
  ],
};

/** Text of every <td>, <th> and SVG <text> in the page. */
const texts = (html: string, tag: string) =>
  [...html.matchAll(new RegExp(`<${tag}[^>]*>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);

describe('gloss-train report', () => {
  let dir: string;
  const write = async (name: string, value: unknown) => {
    await writeFile(join(dir, name), JSON.stringify(value));
    return join(dir, name);
  };
  const report = async (dead: number[]) =>
    writeReport({
      out: join(dir, 'report.html'),
      saeMetrics: await write('metrics.json', saeMetrics(dead)),
      candidates: await write('candidates.json', candidates),
      evaluation: await write('evaluation.json', evaluation),
      rules: await write('rules.json', rules),
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gloss-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('legends hold their AUCs in full; numbers read as numbers; keys as labels', async () => {
    const html = await report([0, 0, 0, 0]);
    const svgText = texts(html, 'text');
    expect(svgText).toContain('rules (AUC 0.631)');
    expect(svgText).toContain('length only, the baseline (AUC 0.512)');
    expect(svgText).toContain('length + rules (AUC 0.644)');
    expect(svgText.filter((t) => t.includes('…'))).toEqual([]);
    expect(html).not.toMatch(/\b\d+\.0000\b/);
    expect(html).not.toContain('0.000000');
    const cells = texts(html, 'td');
    expect(cells).toContain('1,024');
    expect(cells).toContain('2,048,000');
    expect(cells).toContain('0.15%'); // held-out dead latents, as a percentage
    expect(cells).toContain('explained variance');
    expect(cells).toContain('GSM8K: detection AUC, length only (baseline)');
    expect(cells.filter((c) => /^[a-z0-9]+(_[a-z0-9]+)+$/.test(c))).toEqual([]);
  });

  it('dead latents: a sentence when none went dead in training, a chart in percent when some did', async () => {
    let html = await report([0, 0, 0, 0]);
    expect(html).toContain('No latent was dead at any evaluation step');
    expect(texts(html, 'text')).not.toContain('Dead latents');
    html = await report([0, 0.02, 0.01, 0.0015]);
    expect(texts(html, 'text')).toContain('Dead latents');
    expect(texts(html, 'text')).toContain('2.0%');
    expect(html).toMatch(
      /Dead latents at the end: 0% had no activation in the last 1,000,000 training tokens; 0.15% never fired/,
    );
  });

  it('lists the exported rules with their evidence and the run settings', async () => {
    const html = await report([0, 0]);
    expect(html).toContain('Rules exported (1)');
    const cells = texts(html, 'td');
    for (const c of [
      'times-as-many',
      '2101: fires on &quot;times&quot;',
      'activation &gt;= 1.5',
      '120',
      '1.6',
      '2.0e-6',
      '0.6',
      'gsm8k',
    ])
      expect(cells).toContain(c);
    expect(texts(html, 'th')).toContain('held-out AUC (length only: 0.512)');
    // Settings: SAE shape, training and split, the mining run.
    for (const c of [
      'SAE width (latents)',
      '4,096',
      'batch (tokens per step)',
      'learning rate',
      '0.0004',
      'held-out',
      'gpt3-6b',
    ])
      expect(cells).toContain(c);
  });
});
