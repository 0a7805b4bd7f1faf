// Llama-architecture causal LM as an ONNX graph, from GGUF weights.
//
//   x = token_embd[ids]
//   per block: x += Wo · attn(rope(Wq · rms(x)), rope(Wk · rms(x)), Wv · rms(x))   (causal, GQA)
//              x += Wdown · (silu(Wgate · rms(x)) * (Wup · rms(x)))
//   logits = output · rms(x)      (output tied to token_embd when output.weight is absent)
//
// Rotary embeddings follow ggml's GGML_ROPE_TYPE_NORM, the type llama.cpp uses for `llama`: the
// rotated pairs are adjacent, (x[2i], x[2i+1]), with angle pos * base^(-2i/n_rot), over the first
// n_rot dims of each head (the rest pass through). llama.cpp's HF converter permutes the Q/K rows
// so that this matches HF's rotate_half; llama2.c's checkpoints use adjacent pairs natively.
// `qwen2` (Qwen2.5) uses GGML_ROPE_TYPE_NEOX instead: pairs (x[i], x[i + n_rot/2]), and has Q/K/V
// biases; both are handled below.
import { GraphBuilder, type Value } from '../builder.ts';
import { GgufError, type GgufFile } from './gguf.ts';

/** A Llama-family model's hyper-parameters, as GGUF metadata states them. */
export interface LlamaHparams {
  arch: string;
  numLayers: number;
  hiddenSize: number;
  ffnSize: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  ropeDim: number;
  ropeBase: number;
  ropeType: 'norm' | 'neox';
  /** Linear RoPE scaling: positions are multiplied by this. */
  ropePositionScale: number;
  rmsEps: number;
  vocabSize: number;
  contextLength?: number;
  tiedOutput: boolean;
}

/** The GGUF `general.architecture` values buildLlamaGraph supports. */
export const SUPPORTED_ARCHS = ['llama', 'qwen2'] as const;

/**
 * The model's hyper-parameters from GGUF metadata (`<arch>.block_count`, `.embedding_length`, ...). Throws
 * GgufError for an unsupported architecture or a missing key.
 */
export function readHparams(g: GgufFile): LlamaHparams {
  const arch = g.getString('general.architecture');
  if (!(SUPPORTED_ARCHS as readonly string[]).includes(arch)) {
    throw new GgufError(
      `${g.what}: general.architecture "${arch}" is not supported (supported: ${SUPPORTED_ARCHS.join(', ')})`,
    );
  }
  const k = (name: string) => `${arch}.${name}`;
  const hiddenSize = g.getNumber(k('embedding_length'));
  const numHeads = g.getNumber(k('attention.head_count'));
  const numKvHeads = g.getNumber(k('attention.head_count_kv'), numHeads);
  const numLayers = g.getNumber(k('block_count'));
  const headDim = g.getNumber(k('attention.key_length'), hiddenSize / numHeads);
  const valueDim = g.getNumber(k('attention.value_length'), headDim);
  if (!Number.isInteger(headDim) || headDim <= 0)
    throw new GgufError(`${g.what}: embedding_length ${hiddenSize} is not a multiple of head_count ${numHeads}`);
  if (valueDim !== headDim)
    throw new GgufError(`${g.what}: attention.value_length ${valueDim} != key_length ${headDim} is not supported`);
  if (numHeads % numKvHeads !== 0)
    throw new GgufError(`${g.what}: head_count ${numHeads} is not a multiple of head_count_kv ${numKvHeads}`);
  const ropeDim = g.getNumber(k('rope.dimension_count'), headDim);
  if (ropeDim % 2 !== 0 || ropeDim > headDim)
    throw new GgufError(`${g.what}: rope.dimension_count ${ropeDim} must be even and <= head dim ${headDim}`);
  const scalingType = g.get(k('rope.scaling.type'));
  let ropePositionScale = 1;
  if (scalingType === 'linear') ropePositionScale = 1 / g.getNumber(k('rope.scaling.factor'), 1);
  else if (scalingType !== undefined && scalingType !== 'none' && !g.has('rope_freqs.weight')) {
    throw new GgufError(
      `${g.what}: rope.scaling.type "${String(scalingType)}" is not supported (supported: none, linear, llama3 rope_freqs)`,
    );
  }
  const embd = g.info('token_embd.weight');
  if (embd.dims.length !== 2 || embd.dims[0] !== hiddenSize) {
    throw new GgufError(
      `${g.what}: token_embd.weight has dims [${embd.dims.join(', ')}], expected [${hiddenSize}, vocab]`,
    );
  }
  return {
    arch,
    numLayers,
    hiddenSize,
    ffnSize: g.getNumber(k('feed_forward_length')),
    numHeads,
    numKvHeads,
    headDim,
    ropeDim,
    ropeBase: g.getNumber(k('rope.freq_base'), 10000),
    ropeType: arch === 'llama' ? 'norm' : 'neox',
    ropePositionScale,
    rmsEps: g.getNumber(k('attention.layer_norm_rms_epsilon'), 1e-5),
    vocabSize: embd.dims[1],
    contextLength: g.get(k('context_length')) === undefined ? undefined : g.getNumber(k('context_length')),
    tiedOutput: !g.has('output.weight'),
  };
}

/** Where the graph starts and ends (layers), int8 weights, extra outputs, and a RoPE override. */
export interface LlamaGraphOptions {
  /** Build only `layer` blocks and output `resid` (the hidden state after them). */
  layer?: number;
  int8?: boolean;
  /** In the full graph, also output `resid_<L>` (hidden state after L blocks) for these L. */
  extraResidOutputs?: number[];
  /** Overrides the rotary pairing read from the architecture (for experiments and checks). */
  ropeType?: 'norm' | 'neox';
  /**
   * Start from the hidden state after this many blocks, given as the input `resid_in` [1, T, d]
   * (input_ids still gives the positions): the tail of the model, to splice an SAE in.
   */
  fromLayer?: number;
}

/** Weight matrix from GGUF ([ne0=in, ne1=out], stored row-major [out][in]) as row-major [in][out]. */
function linearWeight(g: GgufFile, name: string, inDim: number, outDim: number): Float32Array {
  const t = g.info(name);
  if (t.dims.length !== 2 || t.dims[0] !== inDim || t.dims[1] !== outDim) {
    throw new GgufError(`${g.what}: ${name} has dims [${t.dims.join(', ')}], expected [${inDim}, ${outDim}]`);
  }
  const w = g.tensor(name);
  const out = new Float32Array(inDim * outDim);
  for (let o = 0; o < outDim; o++) {
    const row = o * inDim;
    for (let i = 0; i < inDim; i++) out[i * outDim + o] = w[row + i];
  }
  return out;
}

function vector(g: GgufFile, name: string, n: number): Float32Array {
  const t = g.info(name);
  if (t.nElements !== n) throw new GgufError(`${g.what}: ${name} has ${t.nElements} values, expected ${n}`);
  return g.tensor(name);
}

interface AttentionShared {
  cos: Value;
  sin: Value;
  half: number;
  /** [T, T], true where the key position is after the query position. */
  future: Value;
  negBig: Value;
  scale: Value;
}

function attentionShared(gb: GraphBuilder, ids: Value, hp: LlamaHparams, factors?: Float32Array): AttentionShared {
  const nRot = hp.ropeDim;
  // Rotary tables: angle[t, i] = t * scale * base^(-2i/n_rot) / freq_factor[i], shaped for
  // broadcasting against [1, T, heads, n_rot/2, 1] (norm) or [1, T, heads, n_rot/2] (neox).
  const half = nRot / 2;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    invFreq[i] = (hp.ropePositionScale * Math.pow(hp.ropeBase, (-2 * i) / nRot)) / (factors ? factors[i] : 1);
  }
  const T = gb.squeeze(gb.shape(ids, 1, 2), [0]); // scalar int64
  const pos = gb.range(gb.constI64(0), T, gb.constI64(1), 'T'); // [T]
  const posF = gb.unsqueeze(gb.cast(pos, 'float32'), [1]); // [T, 1]
  const angles = gb.mul(posF, gb.constF32(Array.from(invFreq), [half])); // [T, half]
  const axes = hp.ropeType === 'norm' ? [1, 3] : [1];
  const cos = gb.unsqueeze(gb.cos(angles), axes);
  const sin = gb.unsqueeze(gb.sin(angles), axes);
  const future = gb.less(gb.unsqueeze(pos, [1]), gb.unsqueeze(pos, [0])); // [T, T]: row < col
  return { cos, sin, half, future, negBig: gb.constF32(-1e30), scale: gb.constF32(1 / Math.sqrt(hp.headDim)) };
}

/** The ONNX model bytes and the hyper-parameters it was built with. */
export interface BuiltLlamaGraph {
  model: Uint8Array;
  outputs: string[];
  hparams: LlamaHparams;
}

/**
 * The Llama/Qwen2 forward pass as an ONNX graph (RMSNorm, RoPE, grouped-query attention, SwiGLU) from GGUF
 * tensors, cut after `opts.layer` blocks (output `resid`, [1, T, d_model]) or complete (logits). Throws
 * GgufError for a layer out of range or a missing tensor.
 */
export function buildLlamaGraph(g: GgufFile, opts: LlamaGraphOptions = {}): BuiltLlamaGraph {
  const hp = readHparams(g);
  if (opts.ropeType) hp.ropeType = opts.ropeType;
  const { hiddenSize: d, numHeads: H, numKvHeads: Hkv, vocabSize: V } = hp;
  const { truncated, nBlocks, extras } = blockRange(opts, hp);
  const lin = { int8: opts.int8 ?? false };
  const gb = new GraphBuilder(`${hp.arch}-${truncated ? `L${nBlocks}` : 'lm'}`, {
    docString: `${hp.arch} from GGUF: ${hp.numLayers} layers, d=${d}, heads ${H}/${Hkv}, vocab ${V}`,
  });
  const ids = gb.input('input_ids', 'int64', [1, 'T']);
  const embdData = g.tensor('token_embd.weight'); // row-major [vocab][d]
  const embd = gb.init('token_embd.weight', embdData, [V, d]);
  const from = opts.fromLayer ?? 0;
  if (!Number.isInteger(from) || from < 0 || from > nBlocks)
    throw new GgufError(`fromLayer ${opts.fromLayer} out of range: graph has ${nBlocks} layers (0..${nBlocks})`);
  let x = opts.fromLayer !== undefined ? gb.input('resid_in', 'float32', [1, 'T', d]) : gb.gather(embd, ids); // [1, T, d]

  // Rotary tables, causal mask and constants, shared by the blocks (built only when there are any,
  // so that a layer-0 graph carries no unused initializers).
  const factors = g.has('rope_freqs.weight') ? vector(g, 'rope_freqs.weight', hp.ropeDim / 2) : undefined;
  const shared = nBlocks > from ? attentionShared(gb, ids, hp, factors) : undefined;
  const c: LlamaBuild = { g, gb, hp, lin, shared: shared! };

  const outputs: string[] = [];
  const residOut = (v: Value, L: number) => {
    if (extras.includes(L)) {
      gb.output(v, `resid_${L}`);
      outputs.push(`resid_${L}`);
    }
  };
  if (from === 0) residOut(x, 0);
  for (let l = from; l < nBlocks; l++) {
    x = attentionBlock(c, x, `blk.${l}`);
    x = ffnBlock(c, x, `blk.${l}`);
    residOut(x, l + 1);
  }

  if (truncated) {
    gb.output(x, 'resid');
    outputs.push('resid');
  } else {
    gb.output(lmHead(c, x, embd), 'logits');
    outputs.push('logits');
  }
  return { model: gb.toBytes(), outputs, hparams: hp };
}

/** What the per-block steps of buildLlamaGraph share: the file, the builder, hyper-parameters and RoPE tables. */
interface LlamaBuild {
  g: GgufFile;
  gb: GraphBuilder;
  hp: LlamaHparams;
  lin: { int8: boolean };
  shared: AttentionShared;
}

/** Validates opts.layer and opts.extraResidOutputs against the model, so a bad option fails before any graph work. */
function blockRange(
  opts: LlamaGraphOptions,
  hp: LlamaHparams,
): { truncated: boolean; nBlocks: number; extras: number[] } {
  const truncated = opts.layer !== undefined;
  const nBlocks = opts.layer ?? hp.numLayers;
  if (!Number.isInteger(nBlocks) || nBlocks < 0 || nBlocks > hp.numLayers) {
    throw new GgufError(`layer ${opts.layer} out of range: model has ${hp.numLayers} layers (0..${hp.numLayers})`);
  }
  const extras = [...new Set(opts.extraResidOutputs ?? [])].sort((a, b) => a - b);
  for (const L of extras) {
    if (!Number.isInteger(L) || L < 0 || L > nBlocks) {
      throw new GgufError(`extra resid output ${L} out of range: graph has ${nBlocks} layers (0..${nBlocks})`);
    }
  }
  return { truncated, nBlocks, extras };
}

/** Rotary position embedding of v ([1, T, heads, hd]) on its first n_rot dims, in the file's pairing (norm/neox). */
function applyRope(c: LlamaBuild, v: Value, heads: number): Value {
  const { gb, hp } = c;
  const { headDim: hd, ropeDim: nRot } = hp;
  const { cos, sin, half } = c.shared;
  const rot = nRot === hd ? v : gb.slice(v, [0], [nRot], [3]);
  let out: Value;
  if (hp.ropeType === 'norm') {
    // Adjacent pairs (x[2i], x[2i+1]).
    const pairs = gb.reshape(rot, [0, 0, heads, half, 2]);
    const a = gb.slice(pairs, [0], [1], [4]);
    const b = gb.slice(pairs, [1], [2], [4]);
    const ra = gb.sub(gb.mul(a, cos), gb.mul(b, sin));
    const rb = gb.add(gb.mul(a, sin), gb.mul(b, cos));
    out = gb.reshape(gb.concat([ra, rb], 4), [0, 0, heads, nRot]);
  } else {
    // Halves (x[i], x[i + n_rot/2]).
    const a = gb.slice(rot, [0], [half], [3]);
    const b = gb.slice(rot, [half], [nRot], [3]);
    out = gb.concat([gb.sub(gb.mul(a, cos), gb.mul(b, sin)), gb.add(gb.mul(a, sin), gb.mul(b, cos))], 3);
  }
  return nRot === hd ? out : gb.concat([out, gb.slice(v, [nRot], [hd], [3])], 3);
}

/** An attention projection `name` ([.., nIn] -> [.., nOut]), with its bias where the file has one. */
function attnLinear(c: LlamaBuild, input: Value, name: string, nIn: number, nOut: number): Value {
  const { g } = c;
  const weight = linearWeight(g, `${name}.weight`, nIn, nOut);
  const bias = g.has(`${name}.bias`) ? vector(g, `${name}.bias`, nOut) : undefined;
  return c.gb.linear(input, weight, nIn, nOut, bias, name, c.lin);
}

/** Block p's attention sub-layer (RMSNorm, QKV, RoPE, grouped-query causal attention) added to the residual x. */
function attentionBlock(c: LlamaBuild, x: Value, p: string): Value {
  const { g, gb, hp, shared } = c;
  const { hiddenSize: d, numHeads: H, numKvHeads: Hkv, headDim: hd } = hp;
  const nRep = H / Hkv;
  const h = gb.rmsNorm(x, gb.init(`${p}.attn_norm.weight`, vector(g, `${p}.attn_norm.weight`, d), [d]), hp.rmsEps);
  const q = attnLinear(c, h, `${p}.attn_q`, d, H * hd);
  const k = attnLinear(c, h, `${p}.attn_k`, d, Hkv * hd);
  const v = attnLinear(c, h, `${p}.attn_v`, d, Hkv * hd);
  const qh = gb.transpose(applyRope(c, gb.reshape(q, [0, 0, H, hd]), H), [0, 2, 1, 3]); // [1, H, T, hd]
  let kh = gb.transpose(applyRope(c, gb.reshape(k, [0, 0, Hkv, hd]), Hkv), [0, 2, 3, 1]); // [1, Hkv, hd, T]
  let vh = gb.transpose(gb.reshape(v, [0, 0, Hkv, hd]), [0, 2, 1, 3]); // [1, Hkv, T, hd]
  if (nRep > 1) {
    // Query head j reads kv head floor(j / nRep) (llama.cpp's grouping).
    const repeat = (t: Value, shape: number[]) => {
      const u = gb.unsqueeze(t, [2]);
      return gb.reshape(gb.concat(new Array<Value>(nRep).fill(u), 2), shape);
    };
    kh = repeat(kh, [1, H, hd, -1]);
    vh = repeat(vh, [1, H, -1, hd]);
  }
  const scores = gb.mul(gb.matmul(qh, kh), shared.scale); // [1, H, T, T]
  const probs = gb.softmax(gb.where(shared.future, shared.negBig, scores), -1);
  const ctx = gb.reshape(gb.transpose(gb.matmul(probs, vh), [0, 2, 1, 3]), [0, 0, H * hd]); // [1, T, H*hd]
  const attn = attnLinear(c, ctx, `${p}.attn_output`, H * hd, d);
  return gb.add(x, attn);
}

/** Block p's SwiGLU feed-forward sub-layer (RMSNorm, gate * sigmoid(gate) * up, down) added to the residual x. */
function ffnBlock(c: LlamaBuild, x: Value, p: string): Value {
  const { g, gb, hp, lin } = c;
  const { hiddenSize: d, ffnSize: ff } = hp;
  const h2 = gb.rmsNorm(x, gb.init(`${p}.ffn_norm.weight`, vector(g, `${p}.ffn_norm.weight`, d), [d]), hp.rmsEps);
  const gate = gb.linear(h2, linearWeight(g, `${p}.ffn_gate.weight`, d, ff), d, ff, undefined, `${p}.ffn_gate`, lin);
  const up = gb.linear(h2, linearWeight(g, `${p}.ffn_up.weight`, d, ff), d, ff, undefined, `${p}.ffn_up`, lin);
  const act = gb.mul(gb.mul(gate, gb.sigmoid(gate)), up);
  const down = gb.linear(act, linearWeight(g, `${p}.ffn_down.weight`, ff, d), ff, d, undefined, `${p}.ffn_down`, lin);
  return gb.add(x, down);
}

/** Final RMSNorm and the vocabulary projection: [1, T, d] -> logits [1, T, vocab]. */
function lmHead(c: LlamaBuild, x: Value, embd: Value): Value {
  const { g, gb, hp, lin } = c;
  const { hiddenSize: d, vocabSize: V } = hp;
  const hn = gb.rmsNorm(x, gb.init('output_norm.weight', vector(g, 'output_norm.weight', d), [d]), hp.rmsEps);
  // A tied fp32 head reads the embedding initializer through a Transpose (onnxruntime folds it)
  // rather than storing the matrix twice; int8 heads need their own quantized copy.
  return hp.tiedOutput && !lin.int8
    ? gb.matmul(hn, gb.transpose(embd, [1, 0]))
    : gb.linear(
        hn,
        linearWeight(g, hp.tiedOutput ? 'token_embd.weight' : 'output.weight', d, V),
        d,
        V,
        undefined,
        'output',
        lin,
      );
}
