// A tiny GGUF writer for tests: typed metadata values, tensors given as raw bytes in any ggml type,
// alignment, and encoders for the block formats the tests use (F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K).
// It writes what the format says, independently of the reader under test (the float16 encoder is
// shared; the readers decode with their own code).
import { toFloat16Bits } from '../../offline-training/util/float16.ts';

export const T = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

export type Typed =
  | { t: Exclude<(typeof T)[keyof typeof T], 9>; v: number | bigint | boolean | string }
  | { t: 9; elem: number; v: Typed[] };

export const u8 = (v: number): Typed => ({ t: T.UINT8, v });
export const i8 = (v: number): Typed => ({ t: T.INT8, v });
export const u16 = (v: number): Typed => ({ t: T.UINT16, v });
export const i16 = (v: number): Typed => ({ t: T.INT16, v });
export const u32 = (v: number): Typed => ({ t: T.UINT32, v });
export const i32 = (v: number): Typed => ({ t: T.INT32, v });
export const f32 = (v: number): Typed => ({ t: T.FLOAT32, v });
export const f64 = (v: number): Typed => ({ t: T.FLOAT64, v });
export const bool = (v: boolean): Typed => ({ t: T.BOOL, v });
export const str = (v: string): Typed => ({ t: T.STRING, v });
export const u64 = (v: number | bigint): Typed => ({ t: T.UINT64, v: BigInt(v) });
export const i64 = (v: number | bigint): Typed => ({ t: T.INT64, v: BigInt(v) });
/** An array of `elem`-typed values (each given as a Typed of that type, or plain for scalars). */
export function arr(elem: number, values: (Typed | number | string | boolean | bigint)[]): Typed {
  return {
    t: T.ARRAY,
    elem,
    v: values.map((x) => (typeof x === 'object' ? x : ({ t: elem, v: x } as Typed))),
  };
}

export interface TensorSpec {
  name: string;
  /** ggml order: ne0 first. */
  dims: number[];
  /** ggml type id (0 F32, 1 F16, 8 Q8_0, ...). */
  type: number;
  data: Uint8Array;
  /** Override the offset written into the tensor info (to make corrupt files). */
  offset?: number;
}

export interface GgufSpec {
  version?: number;
  alignment?: number;
  metadata?: [string, Typed][];
  tensors?: TensorSpec[];
  /** Override the tensor count or kv count written in the header (to make corrupt files). */
  tensorCount?: bigint;
  kvCount?: bigint;
}

/**
 * Byte width and little-endian writer of each GGUF scalar value type (the GGUF spec, ggml
 * docs/gguf.md: every value is little-endian, bool is one byte).
 */
const SCALARS: Record<number, [bytes: number, write: (d: DataView, v: number | bigint) => void]> = {
  [T.UINT8]: [1, (d, v) => d.setUint8(0, Number(v))],
  [T.INT8]: [1, (d, v) => d.setInt8(0, Number(v))],
  [T.UINT16]: [2, (d, v) => d.setUint16(0, Number(v), true)],
  [T.INT16]: [2, (d, v) => d.setInt16(0, Number(v), true)],
  [T.UINT32]: [4, (d, v) => d.setUint32(0, Number(v), true)],
  [T.INT32]: [4, (d, v) => d.setInt32(0, Number(v), true)],
  [T.FLOAT32]: [4, (d, v) => d.setFloat32(0, Number(v), true)],
  [T.FLOAT64]: [8, (d, v) => d.setFloat64(0, Number(v), true)],
  [T.UINT64]: [8, (d, v) => d.setBigUint64(0, BigInt(v), true)],
  [T.INT64]: [8, (d, v) => d.setBigInt64(0, BigInt(v), true)],
};

class Out {
  private chunks: Uint8Array[] = [];
  length = 0;
  bytes(b: Uint8Array) {
    this.chunks.push(b);
    this.length += b.byteLength;
  }
  /** One scalar of GGUF value type `t`; a type that is not in SCALARS writes nothing (no value bytes). */
  scalar(t: number, v: number | bigint) {
    if (!(t in SCALARS)) return;
    const [n, write] = SCALARS[t];
    const b = new Uint8Array(n);
    write(new DataView(b.buffer), v);
    this.bytes(b);
  }
  u32(v: number) {
    this.scalar(T.UINT32, v);
  }
  u64(v: bigint) {
    this.scalar(T.UINT64, v);
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(BigInt(b.byteLength));
    this.bytes(b);
  }
  pad(alignment: number) {
    const n = (alignment - (this.length % alignment)) % alignment;
    if (n) this.bytes(new Uint8Array(n));
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.byteLength;
    }
    return out;
  }
}

function writeValue(o: Out, x: Typed) {
  if (x.t === T.ARRAY) {
    o.u32(x.elem);
    o.u64(BigInt(x.v.length));
    for (const e of x.v) writeValue(o, e);
  } else if (x.t === T.STRING) o.str(String(x.v));
  else if (x.t === T.BOOL) o.scalar(T.UINT8, x.v ? 1 : 0);
  else o.scalar(x.t, typeof x.v === 'bigint' ? x.v : Number(x.v));
}

export function writeGguf(spec: GgufSpec): Uint8Array {
  const alignment = spec.alignment ?? 32;
  const metadata = [...(spec.metadata ?? [])];
  if (spec.alignment !== undefined && !metadata.some(([k]) => k === 'general.alignment')) {
    metadata.push(['general.alignment', u32(alignment)]);
  }
  const tensors = spec.tensors ?? [];
  const o = new Out();
  o.bytes(new TextEncoder().encode('GGUF'));
  o.u32(spec.version ?? 3);
  o.u64(spec.tensorCount ?? BigInt(tensors.length));
  o.u64(spec.kvCount ?? BigInt(metadata.length));
  for (const [k, v] of metadata) {
    o.str(k);
    o.u32(v.t);
    writeValue(o, v);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += Math.ceil(t.data.byteLength / alignment) * alignment;
  }
  tensors.forEach((t, i) => {
    o.str(t.name);
    o.u32(t.dims.length);
    for (const d of t.dims) o.u64(BigInt(d));
    o.u32(t.type);
    o.u64(BigInt(t.offset ?? offsets[i]));
  });
  o.pad(alignment);
  for (const t of tensors) {
    o.bytes(t.data);
    o.pad(alignment);
  }
  return o.concat();
}

// ---- encoders ------------------------------------------------------------------------------

/** float32 -> IEEE half bits, round to nearest even: the one float16 encoder (offline-training/float16.ts). */
export const f16Bits = toFloat16Bits;

export function f32Bytes(values: number[] | Float32Array): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function f16Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(values.map(f16Bits)).buffer);
}

/** bfloat16: the top 16 bits of the float32 (truncation; tests use exactly representable values). */
export function bf16Bytes(values: number[]): Uint8Array {
  const u = new Uint32Array(Float32Array.from(values).buffer);
  return new Uint8Array(Uint16Array.from(u, (x) => x >>> 16).buffer);
}

/** Q8_0 blocks: per block of 32, an f16 scale `d` and 32 int8 quants; value = q * d. */
export function q8_0Bytes(blocks: { d: number; qs: number[] }[]): Uint8Array {
  const out = new Uint8Array(blocks.length * 34);
  const dv = new DataView(out.buffer);
  blocks.forEach((b, i) => {
    if (b.qs.length !== 32) throw new Error('Q8_0 block needs 32 quants');
    dv.setUint16(i * 34, f16Bits(b.d), true);
    b.qs.forEach((q, j) => dv.setInt8(i * 34 + 2 + j, q));
  });
  return out;
}

/** Quantizes float32 values (a multiple of 32) to Q8_0 the way ggml's reference quantizer does. */
export function quantizeQ8_0(values: Float32Array | number[]): Uint8Array {
  const blocks: { d: number; qs: number[] }[] = [];
  for (let b = 0; b < values.length; b += 32) {
    const x = Array.from(values.slice(b, b + 32));
    const amax = Math.max(...x.map(Math.abs));
    const d = amax / 127;
    blocks.push({ d, qs: x.map((v) => (d ? Math.round(v / d) : 0)) });
  }
  return q8_0Bytes(blocks);
}

/** Q4_0 blocks: f16 d, 16 bytes; byte j holds quant j (low nibble) and j+16 (high); value = (q-8)*d. */
export function q4_0Bytes(blocks: { d: number; qs: number[] /* 32 values 0..15 */ }[]): Uint8Array {
  const out = new Uint8Array(blocks.length * 18);
  const dv = new DataView(out.buffer);
  blocks.forEach((b, i) => {
    dv.setUint16(i * 18, f16Bits(b.d), true);
    for (let j = 0; j < 16; j++) out[i * 18 + 2 + j] = (b.qs[j] & 0xf) | ((b.qs[j + 16] & 0xf) << 4);
  });
  return out;
}

/**
 * One Q4_K super-block (256 values): f16 d, f16 dmin, 8 six-bit scales and mins packed in 12 bytes,
 * 128 bytes of nibbles. Sub-block s (32 values) decodes as d*scale[s]*q - dmin*min[s]; within each
 * 64 values, the first 32 are the low nibbles of 32 bytes and the next 32 their high nibbles.
 */
export function q4_KBytes(b: {
  d: number;
  dmin: number;
  scales: number[];
  mins: number[];
  q: number[]; /* 256 values 0..15 */
}): Uint8Array {
  const out = new Uint8Array(144);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, f16Bits(b.d), true);
  dv.setUint16(2, f16Bits(b.dmin), true);
  const sc = out.subarray(4, 16);
  for (let j = 0; j < 8; j++) {
    const ls = b.scales[j],
      lm = b.mins[j];
    if (j < 4) {
      sc[j] = ls & 63;
      sc[j + 4] = lm & 63;
    } else {
      sc[j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      sc[j - 4] |= (ls >> 4) << 6;
      sc[j] |= (lm >> 4) << 6;
    }
  }
  for (let c = 0; c < 4; c++) {
    for (let l = 0; l < 32; l++) out[16 + c * 32 + l] = (b.q[c * 64 + l] & 0xf) | ((b.q[c * 64 + 32 + l] & 0xf) << 4);
  }
  return out;
}

/**
 * One Q6_K super-block: 6-bit quants (stored q+32, split in 4 low bits `ql` and 2 high bits `qh`),
 * 16 int8 scales (one per 16 values) and f16 d; value = d * scale[i/16] * q, q in -32..31.
 */
export function q6_KBytes(b: { d: number; scales: number[]; q: number[] /* 256 values -32..31 */ }): Uint8Array {
  const out = new Uint8Array(210);
  const dv = new DataView(out.buffer);
  const L = b.q.map((q) => q + 32);
  for (let half = 0; half < 2; half++) {
    const ql = half * 64,
      qh = 128 + half * 32,
      j = half * 128;
    for (let l = 0; l < 32; l++) {
      out[ql + l] = (L[j + l] & 0xf) | ((L[j + l + 64] & 0xf) << 4);
      out[ql + l + 32] = (L[j + l + 32] & 0xf) | ((L[j + l + 96] & 0xf) << 4);
      out[qh + l] =
        (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6);
    }
  }
  b.scales.forEach((s, i) => dv.setInt8(192 + i, s));
  dv.setUint16(208, f16Bits(b.d), true);
  return out;
}
