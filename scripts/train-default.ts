// npm run train:default: reproduces models/default/trained from scratch where ../shared is present:
// detector -> activations over GSM8K train questions and VUA train sentences -> TopK SAE (with
// JumpReLU thresholds) -> mining of GPT-3 175B (verifier) failures on GSM8K test -> rules (with the
// reviewed glosses in scripts/default-review.json) -> evaluation -> bundle and report.
// Work files go to .cache/train-default; only models/default/trained is meant to be committed.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../offline-training/cli.ts';
import { DEFAULT_DETECTOR } from '../offline-training/default-detector.ts';

const SHARED = process.env.GLOSS_SHARED ?? '../shared';
const WORK = process.env.GLOSS_TRAIN_WORK ?? '.cache/train-default';
const STEPS = process.env.GLOSS_SAE_STEPS ?? '4000';
const WIDTH = process.env.GLOSS_SAE_WIDTH ?? '8192';

const gsm8kTrain = join(SHARED, 'data/gsm8k/train.jsonl');
const outcomes = join(SHARED, 'data/gsm8k/test_outcomes.jsonl');
const vua = (s: string) => join(SHARED, `data/metaphor/VUA_${s}.csv`);
for (const f of [gsm8kTrain, outcomes, vua('train')]) {
  if (!existsSync(f)) {
    console.error(`train:default: ${f} not found; it needs ../shared (see DESIGN.md)`);
    process.exit(1);
  }
}

async function step(name: string, args: string[]): Promise<void> {
  const t0 = performance.now();
  console.log(`\n== ${name}: gloss-train ${args.join(' ')}`);
  const code = await main(args);
  if (code !== 0) {
    console.error(`train:default: step "${name}" failed`);
    process.exit(code);
  }
  console.log(`== ${name} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const TRAINING_DATA = [
  "- SAE: TopK (k = 32) on the detector's hidden states over the 7,473 GSM8K training questions and the 15,516 VUA training sentences (1,023,058 tokens; 5% of rows held out for the figures below), seed 1.",
  '- Mining: GSM8K test questions with the answers of GPT-3 175B with verifier (`175b_verification` in ../shared/data/gsm8k/test_outcomes.jsonl, 857 questions, 56% correct), split by question into mining (70%) and held-out (30%) parts.',
  '- Top activating contexts: GSM8K training questions. Metaphor readout: VUA train/val/test and MOH-X.',
  '- Rules: chosen and glossed by a person (scripts/default-review.json) among the candidates of the lexical family.',
].join('\n');

const det = join(WORK, 'detector');
const sae = join(WORK, 'sae');
const mined = join(WORK, 'mine');
const ev = join(WORK, 'eval');

await step('detector', [
  'build-detector',
  '--arch',
  DEFAULT_DETECTOR.arch,
  '--weights',
  DEFAULT_DETECTOR.weights,
  '--layer',
  String(DEFAULT_DETECTOR.layer),
  '--max-tokens',
  String(DEFAULT_DETECTOR.maxTokens),
  '--out',
  det,
  ...(DEFAULT_DETECTOR.int8 ? ['--int8'] : []),
]);
// GSM8K questions (JSONL field "question") and VUA sentences (CSV column "sentence").
await step('extract', [
  'extract',
  '--detector',
  det,
  '--data',
  gsm8kTrain,
  vua('train'),
  '--dtype',
  'float16',
  '--out',
  join(WORK, 'acts'),
]);
// A finished SAE with the same settings is kept (the slow step); an interrupted one resumes.
const saeMetrics = join(sae, 'metrics.json');
const done =
  existsSync(saeMetrics) &&
  ((m) => m.training?.steps === Number(STEPS) && m.sae?.d_sae === Number(WIDTH))(
    JSON.parse(await readFile(saeMetrics, 'utf8')),
  );
if (done) console.log(`\n== sae: ${sae} already trained with ${STEPS} steps x ${WIDTH} latents; delete it to retrain`);
else
  await step('sae', [
    'sae',
    '--cache',
    join(WORK, 'acts'),
    '--out',
    sae,
    '--width',
    WIDTH,
    '--k',
    '32',
    '--steps',
    STEPS,
    '--seed',
    '1',
    ...(existsSync(join(sae, 'checkpoint')) ? ['--resume'] : []),
  ]);
await step('mine', [
  'mine',
  '--detector',
  det,
  '--sae',
  join(sae, 'jumprelu'),
  '--outcomes',
  outcomes,
  '--target',
  '175b_verification',
  '--contexts',
  gsm8kTrain,
  '--family',
  'lexical',
  '--out',
  mined,
]);
// The rules a person reviewed (by feature id; training is seeded, so ids are stable): which
// features ship, with their ids and glosses. The auto-drafted rules stay beside them for comparison.
const review = JSON.parse(await readFile('scripts/default-review.json', 'utf8')) as {
  rules: { feature: number; gloss: string; id: string; threshold: number }[];
};
await step('rules (auto draft)', [
  'rules',
  '--candidates',
  join(mined, 'candidates.json'),
  '--out',
  join(mined, 'rules.auto.json'),
]);
await step('rules (reviewed features)', [
  'rules',
  '--candidates',
  join(mined, 'candidates.json'),
  '--features',
  review.rules.map((r) => r.feature).join(','),
  '--max',
  String(review.rules.length),
  '--out',
  join(mined, 'rules.drafted.json'),
]);
const drafted = JSON.parse(await readFile(join(mined, 'rules.drafted.json'), 'utf8')) as {
  version: 1;
  rules: { feature: number; gloss: string; id: string }[];
};
const byFeature = new Map(review.rules.map((r) => [r.feature, r]));
const reviewed = {
  ...drafted,
  rules: drafted.rules.map((r) => ({
    ...r,
    id: byFeature.get(r.feature)!.id,
    gloss: byFeature.get(r.feature)!.gloss,
    threshold: byFeature.get(r.feature)!.threshold,
  })),
};
await writeFile(join(mined, 'rules.json'), JSON.stringify(reviewed, null, 2) + '\n');

await step('evaluate', [
  'evaluate',
  '--out',
  ev,
  '--candidates',
  join(mined, 'candidates.json'),
  '--rules',
  join(mined, 'rules.json'),
  '--detector',
  det,
  '--sae',
  join(sae, 'jumprelu'),
  '--vua-train',
  vua('train'),
  '--vua-val',
  vua('val'),
  '--vua-test',
  vua('test'),
  '--mohx',
  join(SHARED, 'data/metaphor/MOH-X.csv'),
]);
await step('export', [
  'export',
  '--detector',
  det,
  '--sae',
  join(sae, 'jumprelu'),
  '--rules',
  join(mined, 'rules.json'),
  '--candidates',
  join(mined, 'candidates.json'),
  '--sae-metrics',
  join(sae, 'metrics.json'),
  '--evaluation',
  join(ev, 'evaluation.json'),
  '--name',
  'default',
  '--out',
  'models/default',
  '--trained-out',
  'models/default/trained',
  '--training-data',
  TRAINING_DATA,
]);
await step('report', [
  'report',
  '--out',
  join(WORK, 'report.html'),
  '--sae-metrics',
  join(sae, 'metrics.json'),
  '--candidates',
  join(mined, 'candidates.json'),
  '--evaluation',
  join(ev, 'evaluation-details.json'),
  '--rules',
  join(mined, 'rules.json'),
  '--title',
  'Gloss default bundle',
]);
