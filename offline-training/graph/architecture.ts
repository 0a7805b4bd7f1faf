// What every architecture module returns, so build-detector can write any of them the same way.
export interface BuiltDetector {
  model: Uint8Array;
  tokenizerJson: object;
  info: {
    arch: 'use-lite' | 'llama';
    layer: number;
    numLayers: number;
    hiddenSize: number;
    vocabSize: number;
    outputs: string[];
  };
}
