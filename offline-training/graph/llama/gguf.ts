// GGUF reader: header, metadata (every value type, arrays included), tensor infos, and tensor data
// dequantized to Float32Array. Tensor data is read lazily from the file, so multi-GB models only
// cost the tensors one asks for. Corrupt or truncated files throw GgufError naming what is wrong;
// every count read from the file is checked against the bytes that remain before anything is
// allocated or looped over, so a corrupt count cannot hang or exhaust memory.
//
// Layout (little-endian), per ggml's gguf.cpp:
//   magic "GGUF", u32 version (1..3), tensor count, kv count  (u64 from v2 on, u32 in v1)
//   kv:      string key, u32 value type, value
//   tensors: string name, u32 n_dims, n_dims x dim, u32 ggml type, u64 offset
//   padding to `general.alignment` (default 32), then the data section; offsets are relative to it.
// Dims are in ggml order: ne0 (the contiguous one) first. A matrix [ne0=in, ne1=out] is stored as
// row-major [out][in].
import { f16Table } from '../../util/float16.ts';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** A malformed, truncated or unsupported GGUF file; the message names the file and what is wrong. */
export class GgufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GgufError';
  }
}

/** The GGUF magic, "GGUF" read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
/** Tensor data alignment when `general.alignment` is absent (GGUF spec). */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types (GGUF spec, `gguf_metadata_value_type`). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** 64-bit integers come back as numbers when they are safe integers, else as bigint. */
export type GgufValue = number | bigint | boolean | string | GgufValue[];

/** ggml tensor types: name, elements per block, bytes per block (undefined: size not known here). */
export const GGML_TYPES: Record<number, { name: string; blockSize?: number; typeSize?: number }> = {
  0: { name: 'F32', blockSize: 1, typeSize: 4 },
  1: { name: 'F16', blockSize: 1, typeSize: 2 },
  2: { name: 'Q4_0', blockSize: 32, typeSize: 18 },
  3: { name: 'Q4_1', blockSize: 32, typeSize: 20 },
  6: { name: 'Q5_0', blockSize: 32, typeSize: 22 },
  7: { name: 'Q5_1', blockSize: 32, typeSize: 24 },
  8: { name: 'Q8_0', blockSize: 32, typeSize: 34 },
  9: { name: 'Q8_1', blockSize: 32, typeSize: 36 },
  10: { name: 'Q2_K', blockSize: 256, typeSize: 84 },
  11: { name: 'Q3_K', blockSize: 256, typeSize: 110 },
  12: { name: 'Q4_K', blockSize: 256, typeSize: 144 },
  13: { name: 'Q5_K', blockSize: 256, typeSize: 176 },
  14: { name: 'Q6_K', blockSize: 256, typeSize: 210 },
  15: { name: 'Q8_K', blockSize: 256, typeSize: 292 },
  16: { name: 'IQ2_XXS' },
  17: { name: 'IQ2_XS' },
  18: { name: 'IQ3_XXS' },
  19: { name: 'IQ1_S' },
  20: { name: 'IQ4_NL' },
  21: { name: 'IQ3_S' },
  22: { name: 'IQ2_S' },
  23: { name: 'IQ4_XS' },
  24: { name: 'I8', blockSize: 1, typeSize: 1 },
  25: { name: 'I16', blockSize: 1, typeSize: 2 },
  26: { name: 'I32', blockSize: 1, typeSize: 4 },
  27: { name: 'I64', blockSize: 1, typeSize: 8 },
  28: { name: 'F64', blockSize: 1, typeSize: 8 },
  29: { name: 'IQ1_M' },
  30: { name: 'BF16', blockSize: 1, typeSize: 2 },
  34: { name: 'TQ1_0' },
  35: { name: 'TQ2_0' },
  39: { name: 'MXFP4' },
};

/** The tensor types tensorData() can turn into float32. */
export const SUPPORTED_TENSOR_TYPES = [
  'F32',
  'F16',
  'BF16',
  'F64',
  'I8',
  'I16',
  'I32',
  'Q4_0',
  'Q4_1',
  'Q5_0',
  'Q5_1',
  'Q8_0',
  'Q4_K',
  'Q5_K',
  'Q6_K',
] as const;

/** The ggml type's name (`Q4_K`), or `type N` for an unknown id. */
export function ggmlTypeName(type: number): string {
  return GGML_TYPES[type]?.name ?? `type ${type}`;
}

/** A tensor's header entry: name, dims in ggml order (ne0 first), ggml type, offset into the data section. */
export interface GgufTensorInfo {
  name: string;
  /** ggml order: ne0 (contiguous) first. */
  dims: number[];
  type: number;
  typeName: string;
  /** Offset within the data section. */
  offset: number;
  nElements: number;
  /** Bytes in the file; undefined for types whose block size is not known here. */
  byteSize?: number;
}

/** Random access to bytes; reads past the end throw. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  close?(): void;
}

/** A ByteSource over bytes in memory; reads past the end throw GgufError. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.byteLength) {
        throw new GgufError(
          `read of ${length} bytes at ${offset} is past the end of the data (${bytes.byteLength} bytes)`,
        );
      }
      return bytes.subarray(offset, offset + length);
    },
  };
}

/**
 * A ByteSource reading a file on demand (tensors are not loaded until asked for); `close()` releases the
 * descriptor.
 */
export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let open = true;
  return {
    size,
    read(offset, length) {
      if (!open) throw new GgufError(`${path}: read after close`);
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new GgufError(
          `${path}: read of ${length} bytes at ${offset} is past the end of the file (${size} bytes)`,
        );
      }
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n <= 0)
          throw new GgufError(`${path}: file ended at ${offset + done} while reading ${length} bytes at ${offset}`);
        done += n;
      }
      return out;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** GGUF's numeric value types: bytes, and the little-endian DataView read. */
type NumericType = Exclude<GgufValueType, GgufValueType.BOOL | GgufValueType.STRING | GgufValueType.ARRAY>;
const NUMERIC: Record<NumericType, [number, (v: DataView, at: number) => number | bigint]> = {
  [GgufValueType.UINT8]: [1, (v, at) => v.getUint8(at)],
  [GgufValueType.INT8]: [1, (v, at) => v.getInt8(at)],
  [GgufValueType.UINT16]: [2, (v, at) => v.getUint16(at, true)],
  [GgufValueType.INT16]: [2, (v, at) => v.getInt16(at, true)],
  [GgufValueType.UINT32]: [4, (v, at) => v.getUint32(at, true)],
  [GgufValueType.INT32]: [4, (v, at) => v.getInt32(at, true)],
  [GgufValueType.FLOAT32]: [4, (v, at) => v.getFloat32(at, true)],
  [GgufValueType.FLOAT64]: [8, (v, at) => v.getFloat64(at, true)],
  [GgufValueType.UINT64]: [8, (v, at) => v.getBigUint64(at, true)],
  [GgufValueType.INT64]: [8, (v, at) => v.getBigInt64(at, true)],
};

/** Sequential reader over a ByteSource with a read-ahead buffer, for the header. */
class Cursor {
  pos = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  private view = new DataView(this.buf.buffer);
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly src: ByteSource,
    readonly what: string,
    readonly wide: boolean,
  ) {}

  get remaining(): number {
    return this.src.size - this.pos;
  }

  /** Makes n bytes at pos available in this.view and returns their index there (call it before reading this.view). */
  private need(n: number, context: string): number {
    if (this.pos + n > this.src.size) {
      throw new GgufError(
        `${this.what}: truncated: ${context} needs ${n} bytes at offset ${this.pos}, file has ${this.src.size}`,
      );
    }
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.byteLength) {
      const len = Math.min(Math.max(n, 1 << 20), this.src.size - this.pos);
      this.buf = this.src.read(this.pos, len);
      this.bufStart = this.pos;
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return at;
  }

  /** A little-endian number of a numeric GGUF value type (see NUMERIC). */
  number(type: NumericType, ctx: string): number | bigint {
    const [bytes, read] = NUMERIC[type];
    const at = this.need(bytes, ctx); // may move this.view: read it after
    return read(this.view, at);
  }
  u32(ctx: string): number {
    return this.number(GgufValueType.UINT32, ctx) as number;
  }
  u64(ctx: string): bigint {
    return this.number(GgufValueType.UINT64, ctx) as bigint;
  }

  /** A u64 (u32 in GGUF v1) count or size, which must be a safe integer. */
  size(ctx: string): number {
    if (!this.wide) return this.u32(ctx);
    const v = this.u64(ctx);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new GgufError(`${this.what}: ${ctx} is ${v}, impossibly large (corrupt file?)`);
    return Number(v);
  }

  /** A count of items each at least `minBytes` long, checked against the bytes left. */
  count(ctx: string, minBytes: number): number {
    const n = this.size(ctx);
    if (n * minBytes > this.remaining) {
      throw new GgufError(
        `${this.what}: ${ctx} is ${n}, but only ${this.remaining} bytes remain (corrupt or truncated file)`,
      );
    }
    return n;
  }

  string(ctx: string): string {
    const len = this.count(`${ctx} length`, 1);
    const at = this.need(len, ctx);
    return this.decoder.decode(this.buf.subarray(at, at + len));
  }
}

function safeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function readValue(c: Cursor, type: number, key: string, depth: number): GgufValue {
  if (type in NUMERIC) {
    const v = c.number(type as NumericType, key);
    return typeof v === 'bigint' ? safeInt(v) : v;
  }
  switch (type) {
    case GgufValueType.BOOL: {
      const b = c.number(GgufValueType.UINT8, key) as number;
      if (b > 1) throw new GgufError(`${c.what}: ${key}: bool value ${b} is neither 0 nor 1 (corrupt file?)`);
      return b === 1;
    }
    case GgufValueType.STRING:
      return c.string(key);
    case GgufValueType.ARRAY: {
      if (depth > 8) throw new GgufError(`${c.what}: ${key}: arrays nested deeper than 8 (corrupt file?)`);
      const elemType = c.u32(`${key} array type`);
      if (!(elemType in GgufValueType))
        throw new GgufError(`${c.what}: ${key}: unknown array element type ${elemType} (corrupt file?)`);
      // Smallest encoding of one element: a string is at least its length field.
      const minBytes =
        elemType === GgufValueType.BOOL ? 1 : (NUMERIC[elemType as NumericType]?.[0] ?? (c.wide ? 8 : 4));
      const n = c.count(`${key} array length`, minBytes);
      const out: GgufValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(c, elemType, key, depth + 1);
      return out;
    }
    default:
      throw new GgufError(`${c.what}: ${key}: unknown metadata value type ${type} (corrupt file?)`);
  }
}

/** A parsed GGUF header: version, metadata, tensor infos, alignment and where the data starts. */
export interface GgufHeader {
  version: number;
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset of the data section. */
  dataOffset: number;
  fileSize: number;
}

/**
 * Parses a GGUF v2/v3 header (magic, version, metadata key-values, tensor infos, alignment; GGUF spec, ggml
 * docs/gguf.md). Throws GgufError for a bad magic, an unsupported version, a truncated file or implausible
 * counts.
 */
export function parseGgufHeader(src: ByteSource, what = 'GGUF'): GgufHeader {
  const version = readGgufVersion(src, what);
  const c = new Cursor(src, what, version >= 2);
  c.pos = 8;
  // A tensor info is at least name length + n_dims + type + offset; a kv at least key length + type.
  const sizeBytes = c.wide ? 8 : 4;
  const nTensors = c.count('tensor count', sizeBytes + 4 + 4 + 8);
  const nKv = c.count('metadata count', sizeBytes + 4);
  const metadata = readMetadata(c, nKv);
  const alignment = metadataAlignment(metadata, what);
  const tensors: GgufTensorInfo[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < nTensors; i++) tensors.push(readTensorInfo(c, i, seen, alignment));
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  checkTensorsInFile(src, tensors, dataOffset, what);
  return { version, metadata, tensors, alignment, dataOffset, fileSize: src.size };
}

/** Checks the magic and returns the version, so parseGgufHeader can reject non-GGUF input before reading counts. */
function readGgufVersion(src: ByteSource, what: string): number {
  if (src.size < 8) throw new GgufError(`${what}: not a GGUF file: ${src.size} bytes is too short for a header`);
  const head = new DataView(src.read(0, 8).slice().buffer);
  const magic = head.getUint32(0, true);
  if (magic !== GGUF_MAGIC) {
    const got = [...src.read(0, 4)]
      .map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`))
      .join('');
    throw new GgufError(`${what}: not a GGUF file: bad magic "${got}" (expected "GGUF")`);
  }
  const version = head.getUint32(4, true);
  if (version === 0 || version > 3) {
    const swapped = head.getUint32(4, false);
    if (swapped >= 1 && swapped <= 3)
      throw new GgufError(`${what}: big-endian GGUF (version ${swapped}) is not supported`);
    throw new GgufError(`${what}: unsupported GGUF version ${version} (supported: 1, 2, 3)`);
  }
  return version;
}

/** Reads the nKv metadata key-values, rejecting duplicate keys, into a prototype-free record. */
function readMetadata(c: Cursor, nKv: number): Record<string, GgufValue> {
  const metadata: Record<string, GgufValue> = Object.create(null);
  for (let i = 0; i < nKv; i++) {
    const key = c.string(`metadata key ${i}`);
    if (key in metadata) throw new GgufError(`${c.what}: duplicate metadata key "${key}"`);
    const type = c.u32(`${key} type`);
    metadata[key] = readValue(c, type, key, 0);
  }
  return metadata;
}

/** general.alignment if present (must be a positive power of two), else the GGUF default. */
function metadataAlignment(metadata: Record<string, GgufValue>, what: string): number {
  if (!('general.alignment' in metadata)) return GGUF_DEFAULT_ALIGNMENT;
  const a = metadata['general.alignment'];
  if (typeof a !== 'number' || !Number.isInteger(a) || a <= 0 || (a & (a - 1)) !== 0) {
    throw new GgufError(`${what}: general.alignment ${String(a)} is not a positive power of two`);
  }
  return a;
}

/** Reads tensor info i (name, dims, type, offset), validating it and adding its name to seen. */
function readTensorInfo(c: Cursor, i: number, seen: Set<string>, alignment: number): GgufTensorInfo {
  const what = c.what;
  const name = c.string(`tensor ${i} name`);
  if (seen.has(name)) throw new GgufError(`${what}: duplicate tensor name "${name}"`);
  seen.add(name);
  const { dims, nElements } = readTensorDims(c, name);
  const type = c.u32(`${name} type`);
  const offsetBig = c.u64(`${name} offset`);
  if (offsetBig > BigInt(Number.MAX_SAFE_INTEGER))
    throw new GgufError(`${what}: tensor ${name} offset ${offsetBig} is past the end of the file`);
  const offset = Number(offsetBig);
  if (offset % alignment !== 0)
    throw new GgufError(`${what}: tensor ${name} offset ${offset} is not a multiple of the alignment ${alignment}`);
  const t = GGML_TYPES[type];
  let byteSize: number | undefined;
  if (t?.blockSize !== undefined && t.typeSize !== undefined) {
    if (dims[0] % t.blockSize !== 0) {
      throw new GgufError(
        `${what}: tensor ${name}: first dim ${dims[0]} is not a multiple of the ${t.name} block size ${t.blockSize}`,
      );
    }
    byteSize = (nElements / t.blockSize) * t.typeSize;
  }
  return { name, dims, type, typeName: ggmlTypeName(type), offset, nElements, byteSize };
}

/** Reads n_dims and the dims of tensor name, rejecting counts a JS number cannot hold exactly. */
function readTensorDims(c: Cursor, name: string): { dims: number[]; nElements: number } {
  const what = c.what;
  const nDims = c.u32(`${name} n_dims`);
  if (nDims < 1 || nDims > 4) throw new GgufError(`${what}: tensor ${name} has ${nDims} dims (ggml allows 1..4)`);
  const dims: number[] = [];
  let nElements = 1;
  for (let d = 0; d < nDims; d++) {
    const ne = c.wide ? c.u64(`${name} dim ${d}`) : BigInt(c.u32(`${name} dim ${d}`));
    if (ne > BigInt(Number.MAX_SAFE_INTEGER))
      throw new GgufError(`${what}: tensor ${name} dim ${d} is ${ne} (corrupt file?)`);
    dims.push(Number(ne));
    nElements *= Number(ne);
  }
  if (!Number.isSafeInteger(nElements))
    throw new GgufError(`${what}: tensor ${name} has too many elements (corrupt file?)`);
  return { dims, nElements };
}

/** Throws if any tensor's bytes run past the end of the file, so a truncated download fails at parse time. */
function checkTensorsInFile(src: ByteSource, tensors: GgufTensorInfo[], dataOffset: number, what: string): void {
  const dataBytes = src.size - dataOffset;
  for (const t of tensors) {
    const end = t.offset + (t.byteSize ?? 0);
    if (dataBytes < 0 || t.offset > dataBytes || end > dataBytes) {
      throw new GgufError(
        `${what}: truncated: tensor ${t.name} (${t.typeName} [${t.dims.join(', ')}]) needs bytes ${dataOffset + t.offset}..${dataOffset + end}, file has ${src.size}`,
      );
    }
  }
}

// ---- dequantization ------------------------------------------------------------------------------

const F16_TABLE = f16Table();

function scaleMinK4(j: number, q: Uint8Array, base: number): [number, number] {
  if (j < 4) return [q[base + j] & 63, q[base + j + 4] & 63];
  return [(q[base + j + 4] & 0xf) | ((q[base + j - 4] >> 6) << 4), (q[base + j + 4] >> 4) | ((q[base + j] >> 6) << 4)];
}

/** Q4_K/Q5_K: scale and min of sub-blocks `is` and `is + 1` of the super-block at byte `o`, times d and dmin. */
function scaledMinsK4(
  raw: Uint8Array,
  o: number,
  is: number,
  d: number,
  dmin: number,
): [number, number, number, number] {
  const [sc1, m1] = scaleMinK4(is, raw, o + 4);
  const [sc2, m2] = scaleMinK4(is + 1, raw, o + 4);
  return [d * sc1, dmin * m1, d * sc2, dmin * m2];
}

/** What every per-type decoder reads from and writes to: the bytes, a view over them, the output and its counts. */
interface DequantCtx {
  raw: Uint8Array;
  dv: DataView;
  y: Float32Array;
  n: number;
  nb: number;
  h: (off: number) => number;
}

// One decoder per ggml type, so dequantize is a lookup and each block layout reads on its own.
const DECODERS: Record<string, (c: DequantCtx) => void> = {
  F32: ({ dv, y, n }) => {
    for (let i = 0; i < n; i++) y[i] = dv.getFloat32(i * 4, true);
  },
  F16: ({ y, n, h }) => {
    for (let i = 0; i < n; i++) y[i] = h(i * 2);
  },
  BF16: ({ dv, y, n }) => {
    for (let i = 0; i < n; i++) y[i] = bf16ToF32(dv.getUint16(i * 2, true));
  },
  F64: ({ dv, y, n }) => {
    for (let i = 0; i < n; i++) y[i] = dv.getFloat64(i * 8, true);
  },
  I8: ({ dv, y, n }) => {
    for (let i = 0; i < n; i++) y[i] = dv.getInt8(i);
  },
  I16: ({ dv, y, n }) => {
    for (let i = 0; i < n; i++) y[i] = dv.getInt16(i * 2, true);
  },
  I32: ({ dv, y, n }) => {
    for (let i = 0; i < n; i++) y[i] = dv.getInt32(i * 4, true);
  },
  Q8_0: decodeQ8_0,
  Q4_0: decodeQ4_0,
  Q4_1: decodeQ4_1,
  Q5_0: decodeQ5_0,
  Q5_1: decodeQ5_1,
  Q4_K: decodeQ4K,
  Q5_K: decodeQ5K,
  Q6_K: decodeQ6K,
};

// Q8_0 blocks: f16 d, int8 qs[32]: x = q * d
function decodeQ8_0({ dv, y, nb, h }: DequantCtx): void {
  for (let b = 0; b < nb; b++) {
    const o = b * 34,
      d = h(o);
    for (let j = 0; j < 32; j++) y[b * 32 + j] = dv.getInt8(o + 2 + j) * d;
  }
}

// Q4_0 blocks: f16 d, u8 qs[16]: low nibbles are x[0..15], high x[16..31]; x = (q - 8) * d
function decodeQ4_0({ raw, y, nb, h }: DequantCtx): void {
  for (let b = 0; b < nb; b++) {
    const o = b * 18,
      d = h(o);
    for (let j = 0; j < 16; j++) {
      const q = raw[o + 2 + j];
      y[b * 32 + j] = ((q & 0xf) - 8) * d;
      y[b * 32 + j + 16] = ((q >> 4) - 8) * d;
    }
  }
}

// Q4_1 blocks: f16 d, f16 m, u8 qs[16]: x = q * d + m
function decodeQ4_1({ raw, y, nb, h }: DequantCtx): void {
  for (let b = 0; b < nb; b++) {
    const o = b * 20,
      d = h(o),
      m = h(o + 2);
    for (let j = 0; j < 16; j++) {
      const q = raw[o + 4 + j];
      y[b * 32 + j] = (q & 0xf) * d + m;
      y[b * 32 + j + 16] = (q >> 4) * d + m;
    }
  }
}

// Q5_0 blocks: f16 d, u32 qh, u8 qs[16]: 5th bits in qh; x = (q - 16) * d
function decodeQ5_0({ raw, dv, y, nb, h }: DequantCtx): void {
  for (let b = 0; b < nb; b++) {
    const o = b * 22,
      d = h(o),
      qh = dv.getUint32(o + 2, true);
    for (let j = 0; j < 16; j++) {
      const q = raw[o + 6 + j];
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      y[b * 32 + j] = (((q & 0xf) | h0) - 16) * d;
      y[b * 32 + j + 16] = (((q >> 4) | h1) - 16) * d;
    }
  }
}

// Q5_1 blocks: f16 d, f16 m, u32 qh, u8 qs[16]: x = q * d + m
function decodeQ5_1({ raw, dv, y, nb, h }: DequantCtx): void {
  for (let b = 0; b < nb; b++) {
    const o = b * 24,
      d = h(o),
      m = h(o + 2),
      qh = dv.getUint32(o + 4, true);
    for (let j = 0; j < 16; j++) {
      const q = raw[o + 8 + j];
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      y[b * 32 + j] = ((q & 0xf) | h0) * d + m;
      y[b * 32 + j + 16] = ((q >> 4) | h1) * d + m;
    }
  }
}

// Q4_K super-blocks: f16 d, f16 dmin, scales[12] (6-bit scale and min per 32), qs[128]
function decodeQ4K({ raw, y, nb, h }: DequantCtx): void {
  for (let b = 0; b < nb; b++) {
    const o = b * 144,
      d = h(o),
      dmin = h(o + 2);
    let q = o + 16,
      out = b * 256;
    for (let j = 0, is = 0; j < 256; j += 64, is += 2) {
      const [d1, mm1, d2, mm2] = scaledMinsK4(raw, o, is, d, dmin);
      for (let l = 0; l < 32; l++) y[out + l] = d1 * (raw[q + l] & 0xf) - mm1;
      for (let l = 0; l < 32; l++) y[out + 32 + l] = d2 * (raw[q + l] >> 4) - mm2;
      q += 32;
      out += 64;
    }
  }
}

// Q5_K super-blocks: f16 d, f16 dmin, scales[12], qh[32], qs[128]
function decodeQ5K({ raw, y, nb, h }: DequantCtx): void {
  for (let b = 0; b < nb; b++) {
    const o = b * 176,
      d = h(o),
      dmin = h(o + 2);
    const qh = o + 16;
    let ql = o + 48,
      out = b * 256,
      u1 = 1,
      u2 = 2;
    for (let j = 0, is = 0; j < 256; j += 64, is += 2) {
      const [d1, mm1, d2, mm2] = scaledMinsK4(raw, o, is, d, dmin);
      for (let l = 0; l < 32; l++) y[out + l] = d1 * ((raw[ql + l] & 0xf) + (raw[qh + l] & u1 ? 16 : 0)) - mm1;
      for (let l = 0; l < 32; l++) y[out + 32 + l] = d2 * ((raw[ql + l] >> 4) + (raw[qh + l] & u2 ? 16 : 0)) - mm2;
      ql += 32;
      out += 64;
      u1 <<= 2;
      u2 <<= 2;
    }
  }
}

// Q6_K super-blocks: ql[128], qh[64], int8 scales[16], f16 d
function decodeQ6K({ raw, dv, y, nb, h }: DequantCtx): void {
  for (let b = 0; b < nb; b++) {
    const o = b * 210,
      d = h(o + 208);
    let ql = o,
      qh = o + 128,
      sc = o + 192,
      out = b * 256;
    for (let n2 = 0; n2 < 256; n2 += 128) {
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const q1 = ((raw[ql + l] & 0xf) | ((raw[qh + l] & 3) << 4)) - 32;
        const q2 = ((raw[ql + l + 32] & 0xf) | (((raw[qh + l] >> 2) & 3) << 4)) - 32;
        const q3 = ((raw[ql + l] >> 4) | (((raw[qh + l] >> 4) & 3) << 4)) - 32;
        const q4 = ((raw[ql + l + 32] >> 4) | (((raw[qh + l] >> 6) & 3) << 4)) - 32;
        y[out + l] = d * dv.getInt8(sc + is) * q1;
        y[out + l + 32] = d * dv.getInt8(sc + is + 2) * q2;
        y[out + l + 64] = d * dv.getInt8(sc + is + 4) * q3;
        y[out + l + 96] = d * dv.getInt8(sc + is + 6) * q4;
      }
      out += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}

// Validates type, block multiple and byte length in the original order, so the same error wins for the same input.
function checkDequantInput(
  raw: Uint8Array,
  type: number,
  n: number,
  name: string,
): { info: (typeof GGML_TYPES)[number]; tname: string } {
  const info = GGML_TYPES[type];
  const tname = ggmlTypeName(type);
  if (!info || !(SUPPORTED_TENSOR_TYPES as readonly string[]).includes(info.name)) {
    throw new GgufError(`unsupported tensor type ${tname} (${name}); supported: ${SUPPORTED_TENSOR_TYPES.join(', ')}`);
  }
  const bs = info.blockSize!,
    ts = info.typeSize!;
  if (n % bs !== 0) throw new GgufError(`${name}: ${n} elements is not a multiple of the ${tname} block size ${bs}`);
  const need = (n / bs) * ts;
  if (raw.byteLength < need) throw new GgufError(`${name}: ${raw.byteLength} bytes of ${tname} data, need ${need}`);
  return { info, tname };
}

/** Converts raw ggml tensor bytes of `type` holding `n` elements to float32. */
export function dequantize(raw: Uint8Array, type: number, n: number, name = 'tensor'): Float32Array {
  const { info, tname } = checkDequantInput(raw, type, n, name);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const y = new Float32Array(n);
  const h = (off: number) => F16_TABLE[dv.getUint16(off, true)];
  const decode = Object.prototype.hasOwnProperty.call(DECODERS, info.name) ? DECODERS[info.name] : undefined;
  if (!decode) throw new GgufError(`unsupported tensor type ${tname} (${name})`);
  decode({ raw, dv, y, n, nb: n / info.blockSize!, h });
  return y;
}

const bf16Buf = new DataView(new ArrayBuffer(4));
function bf16ToF32(v: number): number {
  bf16Buf.setUint32(0, v << 16, true);
  return bf16Buf.getFloat32(0, true);
}

// ---- the file ------------------------------------------------------------------------------------

/** An opened GGUF file: metadata, tensor infos, and tensors dequantised to float32 on request. */
export class GgufFile {
  readonly version: number;
  readonly metadata: Record<string, GgufValue>;
  readonly tensorInfos: GgufTensorInfo[];
  readonly alignment: number;
  readonly dataOffset: number;
  private readonly byName = new Map<string, GgufTensorInfo>();

  constructor(
    private readonly src: ByteSource,
    readonly what = 'GGUF',
  ) {
    const h = parseGgufHeader(src, what);
    this.version = h.version;
    this.metadata = h.metadata;
    this.tensorInfos = h.tensors;
    this.alignment = h.alignment;
    this.dataOffset = h.dataOffset;
    for (const t of h.tensors) this.byName.set(t.name, t);
  }

  /** Opens a .gguf file; tensor data is read on demand. Call close() when done. */
  static open(path: string): GgufFile {
    const src = fileSource(path);
    try {
      return new GgufFile(src, path);
    } catch (e) {
      src.close?.();
      throw e;
    }
  }

  static fromBytes(bytes: Uint8Array, what = 'GGUF'): GgufFile {
    return new GgufFile(bufferSource(bytes), what);
  }

  close(): void {
    this.src.close?.();
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  info(name: string): GgufTensorInfo {
    const t = this.byName.get(name);
    if (!t) throw new GgufError(`${this.what}: no tensor named ${name}`);
    return t;
  }

  /** Raw bytes of a tensor as stored. */
  raw(name: string): Uint8Array {
    const t = this.info(name);
    if (t.byteSize === undefined) throw new GgufError(`unsupported tensor type ${t.typeName} (${name})`);
    return this.src.read(this.dataOffset + t.offset, t.byteSize);
  }

  /** Tensor data as float32, in storage order (ggml: ne0 fastest). */
  tensor(name: string): Float32Array {
    const t = this.info(name);
    if (t.byteSize === undefined || !(SUPPORTED_TENSOR_TYPES as readonly string[]).includes(t.typeName)) {
      throw new GgufError(
        `unsupported tensor type ${t.typeName} (${name}); supported: ${SUPPORTED_TENSOR_TYPES.join(', ')}`,
      );
    }
    return dequantize(this.raw(name), t.type, t.nElements, name);
  }

  /** A metadata value, or undefined. */
  get(key: string): GgufValue | undefined {
    return this.metadata[key];
  }

  getNumber(key: string, fallback?: number): number {
    const v = this.metadata[key];
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw new GgufError(`${this.what}: metadata ${key} is missing`);
    }
    if (typeof v === 'bigint') return Number(v);
    if (typeof v !== 'number') throw new GgufError(`${this.what}: metadata ${key} is not a number`);
    return v;
  }

  getString(key: string, fallback?: string): string {
    const v = this.metadata[key];
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw new GgufError(`${this.what}: metadata ${key} is missing`);
    }
    if (typeof v !== 'string') throw new GgufError(`${this.what}: metadata ${key} is not a string`);
    return v;
  }
}
