// gloss-train quickstart: a small preset of the default bundle's recipe (scripts/train-default.ts
// and scripts/construction-rules.ts) end to end on the shared data: detector -> extract -> SAE ->
// mine (task gate) -> rules (construction rules behind the gate) -> export -> report. Each step
// calls the function its command calls and prints one line: what it did, where, how long.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { UsageError } from '../util/errors.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { defineCommand } from './define.ts';
import { buildDetector } from './build-detector.ts';
import { flag } from '../util/option-schema.ts';
import { jobProgress, lineProgress } from '../util/progress.ts';
import { DEFAULT_DETECTOR } from '../graph/default-detector.ts';
import { readQuickstartData, outcomeRows, type QuickstartData } from './quickstart-data.ts';

/** Sizes of a quickstart run: texts, SAE width and steps, outcome questions mined. */
export const PRESETS = {
  small: { math: 1500, general: 1500, width: 1024, steps: 400, questions: 400 },
  tiny: { math: 500, general: 500, width: 512, steps: 120, questions: 150 },
} as const;

/** `gloss-train quickstart` options. */
export const QuickstartOptions = z
  .object({
    out: flag(z.string(), 'dir', 'bundle folder (gloss serve --bundle DIR); work files in DIR/work, DIR/report.html'),
    shared: flag(z.string().default('../shared'), 'dir', 'the shared data folder (GSM8K, VUA; see DESIGN.md)'),
    preset: flag(
      z.enum(['small', 'tiny']).default('small'),
      'preset',
      'small: 1,500 + 1,500 texts, 1,024 latents, 400 steps; tiny: 500 + 500, 512, 120',
    ),
  })
  .describe('train a small bundle end to end on the shared data: detector, extract, SAE, mine, rules, export, report');

type Preset = (typeof PRESETS)[keyof typeof PRESETS];
interface Paths {
  det: string;
  acts: string;
  sae: string;
  mine: string;
  rules: string;
}

const STEPS = 7;
let stepNo = 0;

/** Runs one step and prints `quickstart [i/7] <name>: <what it did> (<s> s)`. */
async function step(name: string, run: () => Promise<string>): Promise<void> {
  const t0 = performance.now();
  const line = await run();
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`quickstart [${++stepNo}/${STEPS}] ${name}: ${line} (${s} s)`);
}

async function extractStep(data: QuickstartData, p: Paths, work: string): Promise<string> {
  const { extract } = await import('../activations/extract.ts');
  const texts = join(work, 'texts.jsonl');
  const lines = [...data.math, ...data.general.map((g) => g.text)].map((text) => JSON.stringify({ text }));
  await writeFile(texts, lines.join('\n') + '\n');
  const index = await extract({ detector: p.det, data: [texts], dtype: 'float16', out: p.acts, progress: true });
  return `${index.texts} texts (${data.math.length} GSM8K questions, ${data.general.length} VUA sentences), ${index.rows} token rows x ${index.d} -> ${p.acts}`;
}

async function saeStep(preset: Preset, p: Paths): Promise<string> {
  const { trainSae } = await import('../sae/trainer.ts');
  // A rerun keeps a finished SAE (the slow step) and resumes an interrupted one, as train:default does.
  if (existsSync(join(p.sae, 'metrics.json'))) return `kept the SAE trained before in ${p.sae} (delete it to retrain)`;
  const bar = jobProgress('sae [{bar}] {value}/{total} steps | eta {eta_formatted}');
  const res = await trainSae({
    cache: p.acts,
    out: p.sae,
    width: preset.width,
    k: 32,
    steps: preset.steps,
    seed: 1,
    resume: existsSync(join(p.sae, 'checkpoint')),
    onProgress: (s, total) => bar.update(s, total),
  }).finally(() => bar.stop());
  const h = res.metrics!.held_out;
  return `TopK k=32, ${preset.width} latents, ${preset.steps} steps: held-out FVU ${h.fvu.toFixed(3)}, L0 ${h.l0.toFixed(1)}, dead ${(100 * h.dead_fraction).toFixed(1)}% -> ${p.sae}`;
}

async function mineStep(data: QuickstartData, preset: Preset, p: Paths) {
  const { mineFamilies } = await import('../mine/mine-families.ts');
  const mined = await mineFamilies({
    detector: p.det,
    sae: join(p.sae, 'jumprelu'),
    math: data.math,
    general: data.general,
    outcomes: outcomeRows(data.questions, preset.questions),
    out: p.mine,
    cueTexts: data.math.length,
    progress: lineProgress('mine: texts run'),
    log: (s) => console.error(`gloss-train quickstart: mine: ${s.slice(0, 300)}`),
  });
  const held = Object.entries(mined.gateHeldOut)
    .map(([k, v]) => `${k} ${+v.toFixed(3)}`)
    .join(', ');
  const line = `task gate over ${mined.gate.features.length} latents (held-out ${held}), ${mined.candidates.length} family candidates on ${mined.miningRows} outcome rows -> ${p.mine}/families.json`;
  return { mined, line };
}

async function rulesStep(
  mined: Awaited<ReturnType<typeof mineStep>>['mined'],
  data: QuickstartData,
  p: Paths,
): Promise<string> {
  const { familyRulesFile } = await import('../mine/family-rules-file.ts');
  const { constructionRisk } = await import('../protocol/construction-risk.ts');
  const { decideFamilies } = await import('../protocol/ship.ts');
  const { constructionRulesFile } = await import('../protocol/construction-rules.ts');
  const { findConstructions } = await import('../../src/core/grammar/index.ts');
  // The gate as mined, no latent rules (nobody reviewed them); the construction grammar's families on
  // or off by their failure odds on the mining and validation splits, as for the default bundle.
  const gated = familyRulesFile(mined, { rules: [] }, ['gsm8k train', 'vua train', 'test_outcomes.jsonl']);
  const qs = data.questions.filter((q) => q.split !== 'test');
  const mining = constructionRisk(qs, findConstructions, { split: 'mine' });
  const validation = constructionRisk(qs, findConstructions, { split: 'validation' });
  const file = constructionRulesFile({ ...gated, rules: [] }, decideFamilies(mining, validation));
  await writeFile(p.rules, JSON.stringify(file, null, 1) + '\n');
  const on = file.rules.filter((r) => !r.off).map((r) => r.family);
  return `${file.rules.length} construction rules behind the gate, ${on.length} on (${on.join(', ')}) by their validation-split failure odds -> ${p.rules}`;
}

const CARD = (preset: Preset) =>
  `- quickstart preset: the first ${preset.math} GSM8K train questions and ${preset.general} VUA train sentences; TopK SAE, ${preset.width} latents, ${preset.steps} steps, seed 1.\n- Task gate: L1 logistic over prompt-mean-pooled latents, GSM8K questions vs VUA sentences.\n- Rules: the construction grammar's families behind the gate, on or off by their failure odds ratio on the locked validation split of the GSM8K test outcomes (offline-training/protocol/ship.ts).`;

/** Refuses a work folder made with another preset (its cache and SAE would not match); records the preset. */
async function claimWork(work: string, preset: string): Promise<void> {
  const file = join(work, 'preset.json');
  const before = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as { preset?: string }).preset : preset;
  if (before !== preset)
    throw new UsageError(`${work} was made with --preset ${before}; use a new --out, or delete ${work} to start over`);
  await writeFile(file, JSON.stringify({ preset }) + '\n');
}

/** The `quickstart` command. */
export function quickstartCommand(): Command {
  return defineCommand('quickstart', QuickstartOptions, async (o) => {
    const preset = PRESETS[o.preset];
    const work = join(o.out, 'work');
    await mkdir(work, { recursive: true });
    await claimWork(work, o.preset);
    const p: Paths = {
      det: join(work, 'detector'),
      acts: join(work, 'acts'),
      sae: join(work, 'sae'),
      mine: join(work, 'mine'),
      rules: join(work, 'rules.json'),
    };
    const t0 = performance.now();
    stepNo = 0;
    const data = await readQuickstartData(o.shared, preset.math, preset.general);
    await step('detector', async () => {
      const { manifest } = await buildDetector({ ...DEFAULT_DETECTOR, out: p.det });
      return `${manifest.detector.arch} layer ${manifest.detector.layer}, d=${manifest.detector.hiddenSize}, int8 -> ${p.det}`;
    });
    await step('extract', () => extractStep(data, p, work));
    await step('sae', () => saeStep(preset, p));
    let mined!: Awaited<ReturnType<typeof mineStep>>['mined'];
    await step('mine', async () => {
      const r = await mineStep(data, preset, p);
      mined = r.mined;
      return r.line;
    });
    await step('rules', () => rulesStep(mined, data, p));
    await step('export', async () => {
      const { exportBundle } = await import('../bundle/export.ts');
      const m = await exportBundle({
        detector: p.det,
        sae: join(p.sae, 'jumprelu'),
        rules: p.rules,
        saeMetrics: join(p.sae, 'metrics.json'),
        name: `quickstart-${o.preset}`,
        out: o.out,
        card: { trainingData: CARD(preset) },
      });
      return `bundle ${m.name}: ${Object.keys(m.files).join(', ')} -> ${o.out}`;
    });
    await step('report', async () => {
      const { writeReport } = await import('../report/report.ts');
      const out = join(o.out, 'report.html');
      await writeReport({ out, saeMetrics: join(p.sae, 'metrics.json'), rules: join(o.out, 'rules.json') });
      return `SAE figures and rules -> ${out}`;
    });
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    return `trained ${o.out} in ${s} s; serve it with: gloss serve --bundle ${o.out}`;
  });
}
