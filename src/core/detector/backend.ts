// The one thing the detector needs from an inference runtime. Implementations live in
// src/runtime/* (onnxruntime-node, onnxruntime-web WASM in workerd, WebGPU/WASM in browsers), so
// src/core never imports onnxruntime.

export interface OutputTensor {
  dims: readonly number[];
  data: Float32Array;
}

export interface DetectorSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph on one sequence of token ids ([1, T] int64) and returns the named outputs. */
  run(inputIds: readonly number[], outputs: readonly string[]): Promise<Record<string, OutputTensor>>;
  release(): Promise<void>;
}

export interface InferenceBackend {
  /** e.g. "onnxruntime-node", "onnxruntime-web/wasm", "onnxruntime-web/webgpu". */
  readonly name: string;
  createSession(model: Uint8Array): Promise<DetectorSession>;
}
