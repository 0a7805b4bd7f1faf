// npx tsx scripts/feature-contexts.ts: top activating contexts and generated labels for every feature of
// models/default, from held-out text (offline-training/bundle/held-out-texts.ts: GSM8K outcome
// questions outside the locked test split, VUA val, the dev chat prompts), computed by running the
// bundle's own detector + SAE head (onnxruntime-node). Rewrites models/default/trained/features.json;
// run `npm run build:default` after it to reassemble models/default (its manifest carries the sha256).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applySummaries, summariseColumns, type LabelledFeature } from '../offline-training/bundle/feature-contexts.ts';
import { HELD_OUT_CORPUS_NAMES, heldOutTexts } from '../offline-training/bundle/held-out-texts.ts';
import { parseFeatures } from '../src/core/rules/schema.ts';
import { loadEngine } from '../src/runtime/node/server.ts';

const BUNDLE = 'models/default';
const OUT = join(BUNDLE, 'trained/features.json');

const t0 = performance.now();
const { texts, sources } = await heldOutTexts();
if (!texts.length) {
  console.error('features:default: no held-out texts found (needs ../shared/data, see DESIGN.md)');
  process.exit(1);
}
for (const s of sources) console.log(s);
const engine = await loadEngine(BUNDLE);
const F = engine.bundle.features?.features.length ?? 0;
let done = 0;
const summaries = await summariseColumns(
  async (text) => {
    const a = await engine.analyze(text);
    if (++done % 500 === 0) console.log(`${done}/${texts.length} texts`);
    return { offsets: a.tokens.map((t) => [t.start, t.end] as const), acts: a.activations, width: a.numFeatures };
  },
  texts,
  F,
  { corpusNames: HELD_OUT_CORPUS_NAMES },
);
const file = parseFeatures(JSON.parse(await readFile(OUT, 'utf8')));
const features = applySummaries(file.features as LabelledFeature[], summaries);
const json = JSON.stringify(parseFeatures({ ...file, features }), null, 1) + '\n';
await writeFile(OUT, json);
const never = summaries.filter((s) => !s.firing.tokens).length;
console.log(
  `${OUT}: ${F} features, ${texts.length} held-out texts, ${never} never fired; ${(json.length / 1024).toFixed(0)} KiB; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
