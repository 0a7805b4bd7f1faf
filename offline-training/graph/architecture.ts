// What every architecture module returns, so build-detector can write any of them the same way.
/**
 * What every architecture builder returns: the ONNX model bytes, the tokenizer.json, and the manifest's detector
 * facts.
 */
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
