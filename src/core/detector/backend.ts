// The one thing the detector needs from an inference runtime. Implementations live in
// src/runtime/* (onnxruntime-node, onnxruntime-web WASM in workerd, WebGPU/WASM in browsers), so
// src/core never imports onnxruntime.

/** A graph output: float32 data and its dims. */
export interface OutputTensor {
  dims: readonly number[];
  data: Float32Array;
}

/** A loaded graph: run on int64 input_ids [1, T], giving the named outputs. */
export interface DetectorSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph on one sequence of token ids ([1, T] int64) and returns the named outputs. */
  run(inputIds: readonly number[], outputs: readonly string[]): Promise<Record<string, OutputTensor>>;
  release(): Promise<void>;
}

/** Creates sessions from ONNX bytes (onnxruntime-node, onnxruntime-web, ...), so core stays free of onnxruntime. */
export interface InferenceBackend {
  /** e.g. "onnxruntime-node", "onnxruntime-web/wasm", "onnxruntime-web/webgpu". */
  readonly name: string;
  createSession(model: Uint8Array): Promise<DetectorSession>;
}
