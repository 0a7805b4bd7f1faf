// The detector: token ids in, per-token activations of one graph output out ([T, F] row-major),
// scanning long inputs in windows. It knows nothing about onnxruntime (see backend.ts).
import type { DetectorSession, InferenceBackend } from './backend.ts';
import { planWindows } from './windows.ts';

/** Which output to read and how long inputs are windowed (tokens). */
export interface DetectorOptions {
  /** The output to read: `features` for bundles with an SAE head, `resid` for bare detectors. */
  output?: string;
  /** Longest window the graph runs on (default 256). */
  maxTokens?: number;
  /** Tokens shared by consecutive windows (default 32). */
  overlap?: number;
}

/** A text's activations of one output: [tokens, width] row-major, and how many windows it took. */
export interface Activations {
  /** Row-major [tokens, width]. */
  data: Float32Array;
  tokens: number;
  width: number;
  windows: number;
}

/** A detector that cannot run: a missing output, a bad input, or a backend failure. */
export class DetectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DetectorError';
  }
}

/**
 * Runs a detector graph on token ids through an InferenceBackend, in overlapping windows of at most maxTokens,
 * and returns one output's activations [tokens, width] (row-major Float32Array).
 */
export class Detector {
  private constructor(
    private readonly session: DetectorSession,
    readonly backend: string,
    readonly output: string,
    readonly maxTokens: number,
    readonly overlap: number,
  ) {}

  static async create(backend: InferenceBackend, model: Uint8Array, opts: DetectorOptions = {}): Promise<Detector> {
    const session = await backend.createSession(model);
    const output = opts.output ?? (session.outputNames.includes('features') ? 'features' : 'resid');
    if (!session.inputNames.includes('input_ids')) {
      throw new DetectorError(`detector graph has no input_ids input (inputs: ${session.inputNames.join(', ')})`);
    }
    if (!session.outputNames.includes(output)) {
      throw new DetectorError(`detector graph has no "${output}" output (outputs: ${session.outputNames.join(', ')})`);
    }
    return new Detector(session, backend.name, output, opts.maxTokens ?? 256, opts.overlap ?? 32);
  }

  async run(ids: readonly number[]): Promise<Activations> {
    if (ids.length === 0) return { data: new Float32Array(0), tokens: 0, width: 0, windows: 0 };
    const windows = planWindows(ids.length, this.maxTokens, this.overlap);
    let data: Float32Array | undefined;
    let width = 0;
    for (const w of windows) {
      const out = (await this.session.run(ids.slice(w.start, w.end), [this.output]))[this.output];
      if (!out) throw new DetectorError(`detector returned no ${this.output}`);
      const n = w.end - w.start;
      width = out.dims[out.dims.length - 1];
      if (out.data.length !== n * width)
        throw new DetectorError(`detector ${this.output} has ${out.data.length} values for ${n} tokens`);
      data ??= new Float32Array(ids.length * width);
      data.set(out.data.subarray((w.keepStart - w.start) * width, (w.keepEnd - w.start) * width), w.keepStart * width);
    }
    return { data: data!, tokens: ids.length, width, windows: windows.length };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
