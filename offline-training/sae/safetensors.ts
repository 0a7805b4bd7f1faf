// A small, strict safetensors reader and writer (https://github.com/huggingface/safetensors):
// 8-byte little-endian header length N, N bytes of JSON { name: { dtype, shape, data_offsets },
// "__metadata__"?: { string: string } }, then the tensor bytes (little-endian, row-major), with
// offsets relative to the end of the header. No npm package for this is maintained (the only one,
// `safetensors`, is a 0.0.1 placeholder), and the format is small enough to check fully here.
import { fromFloat16Bits, toFloat16Bits } from '../util/float16.ts';
import { SaeError } from './errors.ts';

/** safetensors dtypes this reader knows. */
export type StDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const SIZE: Record<StDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** A tensor as stored: dtype, shape, and its bytes. */
export interface StTensor {
  dtype: StDtype;
  shape: number[];
  /** The tensor's raw little-endian bytes (a view into the file). */
  bytes: Uint8Array;
}

/** A parsed safetensors file: tensors by name and the __metadata__ strings. */
export interface StFile {
  tensors: Map<string, StTensor>;
  metadata: Record<string, string>;
}

const MAX_HEADER = 100_000_000;

/**
 * Parses a safetensors file (Hugging Face format: u64 header length, JSON header, little-endian data). Throws
 * SaeError for a truncated file, a bad header or overlapping tensors.
 */
export function parseSafetensors(file: Uint8Array, what = 'safetensors file'): StFile {
  if (file.length < 8) throw new SaeError(`${what}: ${file.length} bytes, too short for a safetensors header`);
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, file.length - 8)))
    throw new SaeError(`${what}: header length ${n} exceeds the file (${file.length} bytes); not a safetensors file?`);
  const headerLen = Number(n);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + headerLen))) as Record<
      string,
      unknown
    >;
  } catch (e) {
    throw new SaeError(`${what}: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new SaeError(`${what}: header is not a JSON object`);
  const data = file.subarray(8 + headerLen);
  const tensors = new Map<string, StTensor>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Object.values(info).some((v) => typeof v !== 'string')) {
        throw new SaeError(`${what}: __metadata__ must map strings to strings`);
      }
      metadata = info as Record<string, string>;
      continue;
    }
    const t = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null) throw new SaeError(`${what}: tensor ${name}: entry is not an object`);
    if (typeof t.dtype !== 'string' || !(t.dtype in SIZE))
      throw new SaeError(`${what}: tensor ${name}: unsupported dtype ${JSON.stringify(t.dtype)}`);
    if (!Array.isArray(t.shape) || t.shape.some((s) => !Number.isInteger(s) || s < 0))
      throw new SaeError(`${what}: tensor ${name}: bad shape ${JSON.stringify(t.shape)}`);
    const off = t.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((o) => Number.isInteger(o) && o >= 0) ||
      off[1] < off[0]
    ) {
      throw new SaeError(`${what}: tensor ${name}: bad data_offsets ${JSON.stringify(off)}`);
    }
    const dtype = t.dtype as StDtype;
    const shape = t.shape as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    const [a, b] = off as [number, number];
    if (b - a !== count * SIZE[dtype])
      throw new SaeError(
        `${what}: tensor ${name}: ${b - a} bytes for ${dtype}[${shape.join(', ')}] (expected ${count * SIZE[dtype]})`,
      );
    if (b > data.length)
      throw new SaeError(
        `${what}: tensor ${name}: data_offsets [${a}, ${b}] past the end of the data (${data.length} bytes); truncated file?`,
      );
    spans.push([a, b, name]);
    tensors.set(name, { dtype, shape, bytes: data.subarray(a, b) });
  }
  spans.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  let end = 0;
  for (const [a, b, name] of spans) {
    if (a !== end)
      throw new SaeError(
        `${what}: tensor ${name} starts at ${a}, expected ${end} (overlapping or non-contiguous tensors)`,
      );
    end = b;
  }
  if (end !== data.length) throw new SaeError(`${what}: ${data.length - end} trailing bytes after the last tensor`);
  return { tensors, metadata };
}

/** A floating-point tensor as float32 (F32, F16, BF16 and F64 accepted). */
export function tensorToF32(t: StTensor, what: string): Float32Array {
  const count = t.shape.reduce((a, b) => a * b, 1);
  const b = t.bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float32Array(count);
  switch (t.dtype) {
    case 'F32':
      if (b.byteOffset % 4 === 0) out.set(new Float32Array(b.buffer, b.byteOffset, count));
      else for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = fromFloat16Bits(dv.getUint16(2 * i, true));
      return out;
    case 'BF16': {
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u[i] = dv.getUint16(2 * i, true) << 16;
      return out;
    }
    default:
      throw new SaeError(`${what}: expected a floating-point tensor, got ${t.dtype}`);
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function floatToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40; // keep NaN a NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff; // round to nearest even
}

/** A tensor to write: dtype, shape, and values. */
export interface StInput {
  dtype: 'F32' | 'F16' | 'BF16' | 'I32' | 'F64';
  shape: number[];
  data: Float32Array | Int32Array | Float64Array;
}

/** Serializes tensors (in the given order) with an 8-byte-aligned header. */
export function encodeSafetensors(tensors: Record<string, StInput>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count)
      throw new SaeError(`safetensors: tensor ${name} has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const size = count * SIZE[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad) hb = enc.encode(json + ' '.repeat(pad));
  const out = new Uint8Array(8 + hb.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let o = 8 + hb.length;
  for (const [, t] of entries) {
    const n = t.data.length;
    const same =
      LITTLE_ENDIAN &&
      ((t.dtype === 'F32' && t.data instanceof Float32Array) ||
        (t.dtype === 'F64' && t.data instanceof Float64Array) ||
        (t.dtype === 'I32' && t.data instanceof Int32Array));
    if (same) {
      // Already the on-disk representation: one copy.
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o);
      o += t.data.byteLength;
      continue;
    }
    switch (t.dtype) {
      case 'F32':
        for (let i = 0; i < n; i++) dv.setFloat32(o + 4 * i, t.data[i], true);
        o += 4 * n;
        break;
      case 'F64':
        for (let i = 0; i < n; i++) dv.setFloat64(o + 8 * i, t.data[i], true);
        o += 8 * n;
        break;
      case 'I32':
        for (let i = 0; i < n; i++) dv.setInt32(o + 4 * i, t.data[i], true);
        o += 4 * n;
        break;
      case 'F16':
        for (let i = 0; i < n; i++) dv.setUint16(o + 2 * i, toFloat16Bits(t.data[i]), true);
        o += 2 * n;
        break;
      case 'BF16':
        for (let i = 0; i < n; i++) dv.setUint16(o + 2 * i, floatToBf16(t.data[i]), true);
        o += 2 * n;
        break;
    }
  }
  return out;
}

/** An integer tensor (I32 or I64 within 2^53) as numbers. */
export function tensorToInts(t: StTensor, what: string): Float64Array {
  const count = t.shape.reduce((a, b) => a * b, 1);
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out = new Float64Array(count);
  if (t.dtype === 'I32') for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, true);
  else if (t.dtype === 'I64') for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(8 * i, true));
  else if (t.dtype === 'F64') for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
  else throw new SaeError(`${what}: expected an integer tensor, got ${t.dtype}`);
  return out;
}
