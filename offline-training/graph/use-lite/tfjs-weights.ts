// TensorFlow.js graph-model weights: model.json (topology + weightsManifest) and its binary shards.
//
// Each manifest group lists shard paths and, in order, the weights stored in the concatenation of
// those shards: name, shape, dtype and optionally `quantization` ({dtype: 'uint8'|'uint16', scale,
// min} for affine quantization, value = q * scale + min; {dtype: 'float16'} for half floats), as
// written by tensorflowjs_converter. Weights are decoded to Float32Array (float tensors) or
// Int32Array (int32/bool tensors, the graph's shape constants).
//
// Missing, truncated or oversized shards, an inconsistent manifest, and float tensors holding
// non-finite values (what garbage bytes usually decode to) throw TfjsWeightsError naming the file.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fromFloat16Bits } from '../../util/float16.ts';

/**
 * A TF.js model folder that cannot be read (missing or malformed model.json, short weight shards, unsupported
 * dtypes).
 */
export class TfjsWeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TfjsWeightsError';
  }
}

/** One weight of a TF.js weightsManifest: name, shape, dtype (and quantization when present). */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

/** A node of a TF.js graph-model topology. */
export interface TfjsNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

/** A TF.js model.json: the graph topology and the weights manifest. */
export interface TfjsModelJson {
  modelTopology?: { node?: TfjsNode[] };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

/** A dequantised TF.js weight: shape and float32 (or int32) data. */
export interface TfjsTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function elementCount(spec: TfjsWeightSpec, where: string): number {
  if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TfjsWeightsError(`${where}: weight ${spec.name} has a bad shape ${JSON.stringify(spec.shape)}`);
  }
  return spec.shape.reduce((a, b) => a * b, 1);
}

function storedDtype(spec: TfjsWeightSpec, where: string): string {
  const d = spec.quantization?.dtype ?? spec.dtype;
  if (!(d in STORED_BYTES)) throw new TfjsWeightsError(`${where}: weight ${spec.name} has unsupported dtype ${d}`);
  if (spec.dtype !== 'float32' && spec.quantization) {
    throw new TfjsWeightsError(`${where}: weight ${spec.name}: quantized ${spec.dtype} weights are not supported`);
  }
  if (!['float32', 'int32', 'bool'].includes(spec.dtype)) {
    throw new TfjsWeightsError(`${where}: weight ${spec.name} has unsupported dtype ${spec.dtype}`);
  }
  return d;
}

/**
 * Reads and checks `dir`/model.json (TF.js graph-model format: topology and weightsManifest). Throws
 * TfjsWeightsError naming the problem.
 */
export function readTfjsModelJson(dir: string): TfjsModelJson {
  const path = join(dir, 'model.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT')
      throw new TfjsWeightsError(`${path}: not found (expected a TensorFlow.js graph model folder)`);
    throw new TfjsWeightsError(`${path}: cannot read: ${err.message}`);
  }
  let json: TfjsModelJson;
  try {
    json = JSON.parse(text) as TfjsModelJson;
  } catch (e) {
    throw new TfjsWeightsError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!json || !Array.isArray(json.weightsManifest)) throw new TfjsWeightsError(`${path}: no weightsManifest`);
  for (const [g, group] of json.weightsManifest.entries()) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new TfjsWeightsError(`${path}: weightsManifest[${g}] lacks paths or weights`);
    }
  }
  return json;
}

/** Reads every weight of a tfjs graph model folder into named tensors. */
export function readTfjsWeights(dir: string, model: TfjsModelJson = readTfjsModelJson(dir)): Map<string, TfjsTensor> {
  const out = new Map<string, TfjsTensor>();
  for (const [g, group] of model.weightsManifest.entries()) {
    const where = `${join(dir, 'model.json')} weightsManifest[${g}]`;
    const { expected, sizes } = checkShardSizes(dir, group, where);
    const buf = readShards(dir, group, expected);
    let off = 0;
    const view = new DataView(buf.buffer);
    for (const spec of group.weights) {
      const n = elementCount(spec, where);
      const stored = storedDtype(spec, where);
      const bytes = n * STORED_BYTES[stored];
      let t: TfjsTensor;
      if (spec.dtype === 'int32' || spec.dtype === 'bool') {
        const data = new Int32Array(n);
        for (let i = 0; i < n; i++) data[i] = stored === 'bool' ? buf[off + i] : view.getInt32(off + 4 * i, true);
        t = { name: spec.name, shape: spec.shape, dtype: 'int32', data };
      } else {
        const data = decodeFloatWeight(spec, stored, n, buf, view, off, where);
        let bad = 0;
        for (let i = 0; i < n; i++) if (!Number.isFinite(data[i])) bad++;
        if (bad > 0) {
          throw new TfjsWeightsError(
            `weight ${spec.name} holds ${bad} non-finite values: corrupt weight shard data in ${dir} (${shardsOf(group.paths, sizes, off, off + bytes)}; bytes ${off}..${off + bytes} of ${where})`,
          );
        }
        t = { name: spec.name, shape: spec.shape, dtype: 'float32', data };
      }
      if (out.has(spec.name)) throw new TfjsWeightsError(`${where}: weight ${spec.name} listed twice`);
      out.set(spec.name, t);
      off += bytes;
    }
  }
  return out;
}

type TfjsWeightGroup = TfjsModelJson['weightsManifest'][number];

/** Checks every shard's presence and the total size before reading anything large; returns the byte counts. */
function checkShardSizes(dir: string, group: TfjsWeightGroup, where: string): { expected: number; sizes: number[] } {
  let expected = 0;
  for (const spec of group.weights) expected += elementCount(spec, where) * STORED_BYTES[storedDtype(spec, where)];
  let actual = 0;
  const sizes: number[] = [];
  for (const p of group.paths) {
    const file = join(dir, p);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw new TfjsWeightsError(`weight shard ${file} is missing (${where} lists ${group.paths.length} shards)`);
    }
    sizes.push(size);
    actual += size;
  }
  if (actual !== expected) {
    const what = actual < expected ? 'truncated' : 'larger than the manifest says';
    throw new TfjsWeightsError(
      `weight shards of ${where} are ${what}: ${actual} bytes in ${group.paths.join(', ')} (sizes ${sizes.join(', ')}), the manifest needs ${expected}`,
    );
  }
  return { expected, sizes };
}

/** The group's shards concatenated into one buffer of `expected` bytes (sizes already checked). */
function readShards(dir: string, group: TfjsWeightGroup, expected: number): Uint8Array {
  const buf = new Uint8Array(expected);
  let off = 0;
  for (const p of group.paths) {
    const bytes = readFileSync(join(dir, p));
    buf.set(bytes, off);
    off += bytes.length;
  }
  return buf;
}

/** The shards (comma-separated names) the byte range start..end lies in, for error messages. */
function shardsOf(paths: string[], sizes: number[], start: number, end: number): string {
  const names: string[] = [];
  let acc = 0;
  for (let i = 0; i < sizes.length; i++) {
    if (start < acc + sizes[i] && end > acc) names.push(paths[i]);
    acc += sizes[i];
  }
  return names.join(', ');
}

/** Decodes n float32 values of spec at byte off, stored as float32, float16 or uint8/uint16 affine-quantized. */
function decodeFloatWeight(
  spec: TfjsWeightSpec,
  stored: string,
  n: number,
  buf: Uint8Array,
  view: DataView,
  off: number,
  where: string,
): Float32Array {
  const data = new Float32Array(n);
  if (stored === 'float32') {
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(off + 4 * i, true);
  } else if (stored === 'float16') {
    for (let i = 0; i < n; i++) data[i] = fromFloat16Bits(view.getUint16(off + 2 * i, true));
  } else {
    const q = spec.quantization!;
    if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
      throw new TfjsWeightsError(`${where}: weight ${spec.name} is ${stored}-quantized without scale and min`);
    }
    for (let i = 0; i < n; i++) {
      const v = stored === 'uint8' ? buf[off + i] : view.getUint16(off + 2 * i, true);
      data[i] = v * q.scale + q.min;
    }
  }
  return data;
}
