// export's top contexts: runs the detector with the bundle's own SAE head (the graph the bundle
// ships) over held-out text and gives every features.json entry its held-out top contexts and a
// generated label; the label it had (rule, gate or probe role) becomes `role`.
import { appendSaeHead, type SaeHead } from '../graph/sae-head.ts';
import { openDetector } from '../sae/feature-runner.ts';
import { parseFeatures, type FeaturesFile } from '../../src/core/rules/schema.ts';
import { applySummaries, summariseColumns, type LabelledFeature } from './feature-contexts.ts';
import { HELD_OUT_CORPUS_NAMES, heldOutTexts, type HeldOutSources } from './held-out-texts.ts';

/**
 * `features` with top contexts and labels from the held-out texts found under `sources`
 * (heldOutTexts; at most about `maxTexts`, evenly spaced); unchanged, with `note` saying so, when there are none. Throws UsageError for an
 * unreadable detector folder.
 */
export async function withHeldOutContexts(
  detectorDir: string,
  head: SaeHead,
  features: FeaturesFile,
  sources: HeldOutSources = {},
  maxTexts = 1000,
): Promise<{ features: FeaturesFile; note: string }> {
  const found = await heldOutTexts(sources);
  const read = found.sources;
  // Every k-th text, so export stays quick and keeps each corpus' share.
  const step = Math.max(1, Math.ceil(found.texts.length / maxTexts));
  const texts = found.texts.filter((_, i) => i % step === 0);
  if (!texts.length)
    return { features, note: 'no held-out texts found (../shared/data, test/data/dev): top contexts left as mined' };
  const det = await openDetector(detectorDir, (model) => appendSaeHead(model, head));
  try {
    const summaries = await summariseColumns(
      async (text) => {
        const r = await det.run(text, 'features');
        return { offsets: r.offsets, acts: r.data, width: head.bEnc.length };
      },
      texts,
      head.bEnc.length,
      { corpusNames: HELD_OUT_CORPUS_NAMES },
    );
    const labelled = applySummaries(features.features as LabelledFeature[], summaries);
    return {
      features: parseFeatures({ ...features, features: labelled }),
      note: `top contexts from ${texts.length} of ${found.texts.length} held-out texts (${read.join('; ')})`,
    };
  } finally {
    await det.release();
  }
}
