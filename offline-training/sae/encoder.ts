// The dense half of a training step: pre = xc @ W_enc + b_enc and TopK, as ONE onnxruntime graph
// (Gemm with transB over the encoder rows + TopK) whose weights are graph INPUTS, so the same
// session serves every step while the weights change. A second graph adds the AuxK TopK over
// dead latents (a per-latent mask input: 0 for dead, -1e30 for live; k_aux an input too).
// A third outputs the full pre-activations (calibration, metrics). The plain-TypeScript encoder
// (tsEncoderPre + tsTopK) implements the same interface for the baseline.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../graph/builder.ts';
import { SaeError } from './errors.ts';
import { tsEncoderPre, tsTopK } from './kernels.ts';
import type { AuxKRequest } from './auxk.ts';

/** Where the encoder runs: onnxruntime (`ort`) or plain TypeScript (`ts`, the baseline). */
export type Engine = 'ort' | 'ts';

/** TopK of a batch: values and latent indices [B, k] row-major. */
export interface TopKOut {
  vals: Float32Array;
  idx: Int32Array;
  auxVals?: Float32Array;
  auxIdx?: Int32Array;
}

/** The encoder of a training step: TopK of the pre-activations, AuxK TopK over dead latents, pre-activations. */
export interface SaeEncoder {
  readonly engine: Engine;
  /** The execution provider actually in use ('cpu', 'cuda', or 'ts'). */
  readonly device: string;
  /** TopK (k) of xc @ We^T + be for B rows; with `aux`, also TopK (kAux) of pre + deadMask. */
  topk(xc: Float32Array, B: number, We: Float32Array, be: Float32Array, aux?: AuxKRequest): Promise<TopKOut>;
  /** Full pre-activations [B, m]. */
  pre(xc: Float32Array, B: number, We: Float32Array, be: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Sizes d, m, k, the engine and device, and onnxruntime's thread count. */
export interface EncoderOptions {
  d: number;
  m: number;
  k: number;
  engine?: Engine;
  /** 'cpu' (default) or 'cuda' (falls back to cpu, with a message through `log`, where unavailable). */
  device?: string;
  intraOpThreads?: number;
  log?: (msg: string) => void;
}

/** Session options: no thread spinning (measured ~20% faster here: TS work runs between calls). */
export function sessionOptions(device: string, threads?: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

function buildGraph(d: number, m: number, k: number, kind: 'topk' | 'aux' | 'pre'): Uint8Array {
  const gb = new GraphBuilder(`sae_encoder_${kind}`, {
    docString: `TopK SAE encoder (d=${d}, m=${m}, k=${k}); weights are inputs`,
  });
  const xc = gb.input('xc', 'float32', ['B', d]);
  const w = gb.input('w_enc_rows', 'float32', [m, d]);
  const b = gb.input('b_enc', 'float32', [m]);
  const [pre] = gb.op('Gemm', [xc, w, b], { transB: 1 }, [{ dtype: 'float32', shape: ['B', m] }]);
  if (kind === 'pre') {
    gb.output(pre, 'pre');
    return gb.toBytes();
  }
  const [vals, idx] = gb.op('TopK', [pre, gb.constI64([k])], { axis: -1, largest: 1, sorted: 0 }, [
    { dtype: 'float32', shape: ['B', k] },
    { dtype: 'int64', shape: ['B', k] },
  ]);
  gb.output(vals, 'vals');
  gb.output(gb.cast(idx, 'int32'), 'idx');
  if (kind === 'aux') {
    const mask = gb.input('dead_mask', 'float32', [m]);
    const kAux = gb.input('k_aux', 'int64', [1]);
    const [av, ai] = gb.op('TopK', [gb.add(pre, mask), kAux], { axis: -1, largest: 1, sorted: 0 }, [
      { dtype: 'float32', shape: ['B', 'KA'] },
      { dtype: 'int64', shape: ['B', 'KA'] },
    ]);
    gb.output(av, 'aux_vals');
    gb.output(gb.cast(ai, 'int32'), 'aux_idx');
  }
  return gb.toBytes();
}

/** Where onnxruntime-node's CUDA provider library would be (its install script downloads it). */
function cudaProviderPath(): string | undefined {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    return join(root, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
  } catch {
    return undefined;
  }
}

async function createSession(
  model: Uint8Array,
  device: string,
  threads: number | undefined,
  log: (msg: string) => void,
): Promise<{ s: ort.InferenceSession; device: string }> {
  if (device === 'cuda') {
    const lib = cudaProviderPath();
    if (!lib || !existsSync(lib)) {
      log(
        `--device cuda: onnxruntime-node has no CUDA provider here (${lib ?? 'libonnxruntime_providers_cuda.so'} is missing: install onnxruntime-node without ONNXRUNTIME_NODE_INSTALL=skip on a CUDA host); falling back to CPU`,
      );
      return { s: await ort.InferenceSession.create(model, sessionOptions('cpu', threads)), device: 'cpu' };
    }
    try {
      const s = await ort.InferenceSession.create(model, {
        ...sessionOptions('cuda', threads),
        executionProviders: ['cuda'],
        logSeverityLevel: 4,
      });
      return { s, device: 'cuda' };
    } catch (e) {
      log(
        `--device cuda: onnxruntime-node could not use CUDA here (${String((e as Error).message).split('\n')[0]}); falling back to CPU`,
      );
    }
  } else if (device !== 'cpu') {
    throw new SaeError(`unknown device "${device}" (use cpu or cuda)`);
  }
  return { s: await ort.InferenceSession.create(model, sessionOptions('cpu', threads)), device: 'cpu' };
}

class OrtEncoder implements SaeEncoder {
  readonly engine = 'ort' as const;
  private preSession?: ort.InferenceSession;
  private readonly kAuxTensor = new BigInt64Array(1);

  constructor(
    private readonly o: EncoderOptions,
    private readonly main: ort.InferenceSession,
    private readonly aux: ort.InferenceSession,
    readonly device: string,
  ) {}

  private feeds(xc: Float32Array, B: number, We: Float32Array, be: Float32Array): Record<string, ort.Tensor> {
    const { d, m } = this.o;
    return {
      xc: new ort.Tensor('float32', xc.length === B * d ? xc : xc.subarray(0, B * d), [B, d]),
      w_enc_rows: new ort.Tensor('float32', We, [m, d]),
      b_enc: new ort.Tensor('float32', be, [m]),
    };
  }

  async topk(xc: Float32Array, B: number, We: Float32Array, be: Float32Array, aux?: AuxKRequest): Promise<TopKOut> {
    const feeds = this.feeds(xc, B, We, be);
    if (!aux) {
      const r = await this.main.run(feeds);
      return { vals: r.vals.data as Float32Array, idx: r.idx.data as Int32Array };
    }
    this.kAuxTensor[0] = BigInt(aux.kAux);
    feeds.dead_mask = new ort.Tensor('float32', aux.mask, [this.o.m]);
    feeds.k_aux = new ort.Tensor('int64', this.kAuxTensor, [1]);
    const r = await this.aux.run(feeds);
    return {
      vals: r.vals.data as Float32Array,
      idx: r.idx.data as Int32Array,
      auxVals: r.aux_vals.data as Float32Array,
      auxIdx: r.aux_idx.data as Int32Array,
    };
  }

  async pre(xc: Float32Array, B: number, We: Float32Array, be: Float32Array): Promise<Float32Array> {
    if (!this.preSession) {
      this.preSession = (
        await createSession(
          buildGraph(this.o.d, this.o.m, this.o.k, 'pre'),
          this.device,
          this.o.intraOpThreads,
          () => undefined,
        )
      ).s;
    }
    const r = await this.preSession.run(this.feeds(xc, B, We, be));
    return r.pre.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.main.release();
    await this.aux.release();
    await this.preSession?.release();
  }
}

class TsEncoder implements SaeEncoder {
  readonly engine = 'ts' as const;
  readonly device = 'ts';
  private buf = new Float32Array(0);
  constructor(private readonly o: EncoderOptions) {}

  async pre(xc: Float32Array, B: number, We: Float32Array, be: Float32Array): Promise<Float32Array> {
    const out = new Float32Array(B * this.o.m);
    tsEncoderPre(xc, We, be, B, this.o.d, this.o.m, out);
    return out;
  }

  async topk(xc: Float32Array, B: number, We: Float32Array, be: Float32Array, aux?: AuxKRequest): Promise<TopKOut> {
    const { d, m, k } = this.o;
    if (this.buf.length < B * m) this.buf = new Float32Array(B * m);
    tsEncoderPre(xc, We, be, B, d, m, this.buf);
    const vals = new Float32Array(B * k);
    const idx = new Int32Array(B * k);
    tsTopK(this.buf, B, m, k, vals, idx);
    if (!aux) return { vals, idx };
    const auxVals = new Float32Array(B * aux.kAux);
    const auxIdx = new Int32Array(B * aux.kAux);
    tsTopK(this.buf, B, m, aux.kAux, auxVals, auxIdx, aux.mask);
    return { vals, idx, auxVals, auxIdx };
  }

  async release(): Promise<void> {}
}

/**
 * The encoder half of a training step: x -> TopK(x W_enc^T + b_enc) and the AuxK TopK over dead latents, on
 * onnxruntime-node (CPU or CUDA, falling back to CPU with a message) or in TypeScript (`engine: 'ts'`).
 */
export async function createEncoder(o: EncoderOptions): Promise<SaeEncoder> {
  if ((o.engine ?? 'ort') === 'ts') return new TsEncoder(o);
  const log = o.log ?? ((msg: string) => console.warn(msg));
  const main = await createSession(buildGraph(o.d, o.m, o.k, 'topk'), o.device ?? 'cpu', o.intraOpThreads, log);
  const aux = await createSession(buildGraph(o.d, o.m, o.k, 'aux'), main.device, o.intraOpThreads, log);
  return new OrtEncoder(o, main.s, aux.s, main.device);
}
