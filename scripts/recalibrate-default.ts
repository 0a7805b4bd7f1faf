// One-off, kept for the record and for the next change of numerics: moves the thresholds of
// models/default/trained (JumpReLU thresholds in head.safetensors and features.json, rule
// thresholds in rules.json) from the detector form they were calibrated on to the current one,
// keeping each threshold's firing rate on the SAE's own training text (GSM8K train questions and
// VUA train sentences). Usage: tsx scripts/recalibrate-default.ts --from-bits 8
// It refuses to run twice: head.safetensors records the form its thresholds belong to.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { buildUseLite, resolveUseLiteWeights } from '../offline-training/graph/use-lite/index.ts';
import { DEFAULT_DETECTOR } from '../offline-training/default-detector.ts';
import { loadHead, saveHead } from '../offline-training/mine/head-file.ts';
import { column, headPreActivations, rateMatchedThreshold } from '../offline-training/mine/recalibrate.ts';
import { parseSafetensors } from '../offline-training/sae/safetensors.ts';

const { values } = parseArgs({
  options: { 'from-bits': { type: 'string' }, texts: { type: 'string', default: '2000' } },
});
const fromBits = Number(values['from-bits']);
if (fromBits !== 8) {
  console.error('recalibrate-default: --from-bits 8 is the only change this script knows');
  process.exit(1);
}
const TRAINED = 'models/default/trained';
const SHARED = process.env.GLOSS_SHARED ?? '../shared';
const headPath = join(TRAINED, 'head.safetensors');
const meta = parseSafetensors(new Uint8Array(await readFile(headPath)), headPath).metadata ?? {};
if (meta.detector_int8 === 'u8s8-w7') {
  console.error('recalibrate-default: the thresholds already belong to the 7-bit detector');
  process.exit(1);
}
const perSource = Number(values.texts);
const gsm = (await readFile(join(SHARED, 'data/gsm8k/train.jsonl'), 'utf8'))
  .trim()
  .split('\n')
  .slice(0, perSource)
  .map((l) => JSON.parse(l).question as string);
const { parse } = await import('csv-parse/sync');
const vua = (
  parse(await readFile(join(SHARED, 'data/metaphor/VUA_train.csv')), { columns: true }) as { sentence: string }[]
)
  .slice(0, perSource)
  .map((r) => r.sentence);
const texts = [...gsm, ...vua];

const weightsDir = resolveUseLiteWeights(DEFAULT_DETECTOR.weights);
const layer = DEFAULT_DETECTOR.layer;
const before = await buildUseLite({ weightsDir, layer, int8: true, weightBits: 8 });
const after = await buildUseLite({ weightsDir, layer, int8: true });
const tok = new Tokenizer(after.tokenizerJson, after.tokenizerConfig);
const { head, features } = await loadHead(headPath);
const F = features.length;

async function pre(model: Uint8Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(model);
  const parts: Float32Array[] = [];
  for (const t of texts) {
    const ids = tok.encode(t).ids.slice(0, DEFAULT_DETECTOR.maxTokens);
    const out = await s.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    });
    parts.push(headPreActivations(head, out.resid.data as Float32Array));
  }
  await s.release();
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) all.set(p, (o += p.length) - p.length);
  return all;
}
const preBefore = await pre(before.model);
const preAfter = await pre(after.model);
console.log(`recalibrate-default: ${texts.length} texts, ${preBefore.length / F} tokens`);

const featuresFile = JSON.parse(await readFile(join(TRAINED, 'features.json'), 'utf8'));
const rulesFile = JSON.parse(await readFile(join(TRAINED, 'rules.json'), 'utf8'));
for (let f = 0; f < F; f++) {
  const b = column(preBefore, F, f);
  const a = column(preAfter, F, f);
  const old = head.threshold[f];
  head.threshold[f] = rateMatchedThreshold(b, old, a);
  featuresFile.features[f].threshold = head.threshold[f];
  console.log(`  latent ${features[f]}: JumpReLU ${old.toFixed(4)} -> ${head.threshold[f].toFixed(4)}`);
  for (const r of rulesFile.rules.filter((r: { feature: number }) => r.feature === features[f])) {
    const t = rateMatchedThreshold(b, r.threshold, a);
    // Rule thresholds were reviewed to 2 decimals; keep that precision.
    const rounded = Math.round(t * 100) / 100;
    console.log(`    rule ${r.id}: ${r.threshold} -> ${rounded}`);
    r.threshold = rounded;
  }
}
await saveHead(headPath, { head, features }, { detector_int8: 'u8s8-w7' });
await writeFile(join(TRAINED, 'features.json'), JSON.stringify(featuresFile, null, 1) + '\n');
await writeFile(join(TRAINED, 'rules.json'), JSON.stringify(rulesFile, null, 2) + '\n');
console.log('recalibrate-default: wrote head.safetensors, features.json, rules.json; now npm run build:default');
