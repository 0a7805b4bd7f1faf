// ONNX graph builder: values carry dtype and shape so that architecture code fails at build time
// with a message naming the op, instead of at session creation with an onnxruntime stack trace.
import { encodeFloat16 } from '../util/float16.ts';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { quantizePerChannelInt8 } from './quantize.ts';

const { onnx } = onnxProto;

/** Tensor element types the builder writes (ONNX TensorProto.DataType names). */
export type DType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';
/** A dimension: a number, or a symbolic name such as 'T'. */
export type Dim = number | string;
/** A tensor shape: fixed sizes or named symbolic dimensions. */
export type Shape = Dim[];

/** A named value in the graph under construction, with its dtype and shape. */
export interface Value {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

/** Plain numbers encode as INT when integral; wrap in { f } / { floats } to force FLOAT. */
export type AttrValue =
  number | string | number[] | string[] | { f: number } | { floats: number[] } | { tensor: TensorData };

/** An initializer's data: a typed array matching its dtype, and its shape. */
export interface TensorData {
  dtype: DType;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | Uint16Array;
}

const DTYPE_CODE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
};

/** A graph that cannot be built as asked (shape mismatch, duplicate name, unknown value). */
export class GraphBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphBuildError';
  }
}

/** Options of GraphBuilder.linear: int8 weights and their form. */
export interface LinearOptions {
  /** Per-output-channel symmetric int8 weights. */
  int8?: boolean;
  /** float16 weight storage, cast to float32 in the graph (half the bytes, fp32 arithmetic); ignored with int8. */
  float16?: boolean;
  /** How int8 weights are computed with; see quantize.ts for the measured trade-off. */
  int8Form?: Int8Form;
  /**
   * Weight bits of the `integer` form: 7 (default; saturation-free on every U8S8 kernel) or 8
   * (exact only on VNNI, ARM and WASM: kept for the benchmark that shows why 7 is the default).
   */
  weightBits?: 7 | 8;
}

/**
 * 'integer': DynamicQuantizeLinear + MatMulInteger with 7-bit symmetric int8 weights (U8S8 integer
 *   arithmetic; onnxruntime's CPU and WASM providers fuse it into DynamicQuantizeMatMul).
 * 'integer-u8': the same with uint8 weights (8-bit, zero point 128): U8U8, saturation-free too.
 * 'dequantize': DequantizeLinear + MatMul (8-bit int8 storage, fp32 arithmetic).
 * quantize.ts says why 'integer' is the default.
 */
export type Int8Form = 'integer' | 'integer-u8' | 'dequantize';

function describe(v: Value): string {
  return `${v.name} ${v.dtype}[${v.shape.join(', ')}]`;
}

function sameDim(a: Dim, b: Dim): boolean {
  return a === b;
}

function dimsKnown(shape: Shape): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}

/** Numpy-style broadcasting of two shapes; throws when two known dims differ and neither is 1. */
export function broadcastShapes(a: Shape, b: Shape, what: string): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (sameDim(da, db)) out.push(da);
    else if (typeof da === 'number' && typeof db === 'number') {
      throw new GraphBuildError(`${what}: cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`);
    } else out.push(typeof da === 'number' ? da : db);
  }
  return out;
}

function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new GraphBuildError(`${what}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/**
 * Writes ONNX ModelProto graphs (opset 17) node by node, with initializers, shape checks and int8 MatMul forms;
 * `toBytes()` gives a `.onnx` file (ONNX IR spec).
 */
export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;
  /** Every matrix product as [A shape, B shape], stored in the model's metadata for FLOP counts. */
  private readonly products: [Shape, Shape][] = [];
  private readonly opsetImports: { domain: string; version: number }[];

  constructor(
    readonly graphName: string,
    readonly opts: { opset?: number; docString?: string; int8Form?: Int8Form; weightBits?: 7 | 8 } = {},
  ) {
    this.opsetImports = [
      { domain: '', version: opts.opset ?? 17 },
      { domain: 'com.microsoft', version: 1 },
    ];
  }

  /** The graph a head is being added to (see fromModel). */
  private base?: OnnxTypes.IModelProto;

  /**
   * Continues an existing model (e.g. a detector, to add an SAE head): its nodes, initializers,
   * inputs and outputs are kept, its value names reserved, and `existing(name)` refers to them.
   */
  static fromModel(bytes: Uint8Array, name?: string): GraphBuilder {
    const model = onnx.ModelProto.decode(bytes);
    const graph = model.graph;
    if (!graph) throw new GraphBuildError('model has no graph');
    const opset = model.opsetImport.find((o) => !o.domain)?.version;
    const gb = new GraphBuilder(name ?? graph.name ?? 'graph', {
      opset: opset ? Number(opset) : 17,
      docString: model.docString ?? undefined,
    });
    gb.base = model;
    for (const i of graph.input ?? []) gb.names.add(i.name ?? '');
    for (const i of graph.initializer ?? []) gb.names.add(i.name ?? '');
    for (const n of graph.node ?? []) for (const o of n.output ?? []) gb.names.add(o);
    const prop = model.metadataProps.find((p) => p.key === MATMUL_METADATA_KEY);
    if (prop?.value) gb.products.push(...(JSON.parse(prop.value) as [Shape, Shape][]));
    return gb;
  }

  /** A value of the base model (an input or output of its graph, with its declared type). */
  existing(name: string): Value {
    const graph = this.base?.graph;
    const info = graph?.output?.find((o) => o.name === name) ?? graph?.input?.find((i) => i.name === name);
    if (!info) throw new GraphBuildError(`base model has no input or output named "${name}"`);
    const t = info.type?.tensorType;
    const dtype = (Object.keys(DTYPE_CODE) as DType[]).find((k) => DTYPE_CODE[k] === t?.elemType);
    if (!dtype) throw new GraphBuildError(`"${name}" has an unsupported element type ${t?.elemType}`);
    const shape: Shape = (t?.shape?.dim ?? []).map((d, i) =>
      d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : `${name}_${i}`,
    );
    return { name, dtype, shape };
  }

  /** An unused value name with a readable prefix (claimed when the value is created). */
  fresh(prefix: string): string {
    let name = `${prefix}_${this.counter++}`;
    while (this.names.has(name)) name = `${prefix}_${this.counter++}`;
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new GraphBuildError(`duplicate value name "${name}"`);
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    this.claim(name);
    this.inputs.push(valueInfo(name, dtype, shape));
    return { name, dtype, shape };
  }

  /** Marks a value as a graph output under `name` (through an Identity when the name differs). */
  output(v: Value, name: string = v.name): Value {
    let out = v;
    if (name !== v.name) {
      this.claim(name);
      this.nodes.push({ opType: 'Identity', input: [v.name], output: [name], name: `out_${name}` });
      out = { name, dtype: v.dtype, shape: v.shape };
    }
    this.outputs.push(valueInfo(out.name, out.dtype, out.shape));
    return out;
  }

  /** An initializer (a weight). Checks that the data length matches the shape. */
  init(name: string, data: TensorData['data'], dims: number[], dtype?: DType): Value {
    const dt = dtype ?? inferDtype(data);
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
      throw new GraphBuildError(`initializer ${name}: ${data.length} values for shape [${dims.join(', ')}] (${count})`);
    }
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 0) throw new GraphBuildError(`initializer ${name}: bad dim ${d}`);
    }
    this.claim(name);
    this.initializers.push(tensorProto(name, { dtype: dt, dims, data }));
    return { name, dtype: dt, shape: dims };
  }

  constF32(value: number | number[] | Float32Array, shape?: number[]): Value {
    const data = typeof value === 'number' ? Float32Array.of(value) : Float32Array.from(value);
    return this.init(this.fresh('c'), data, shape ?? (typeof value === 'number' ? [] : [data.length]), 'float32');
  }

  constI64(values: number | number[], shape?: number[]): Value {
    const arr = typeof values === 'number' ? [values] : values;
    const data = BigInt64Array.from(arr.map((v) => BigInt(v)));
    return this.init(this.fresh('ci'), data, shape ?? (typeof values === 'number' ? [] : [arr.length]), 'int64');
  }

  /**
   * Escape hatch: any op with explicitly declared output dtypes and shapes.
   * Empty-string inputs mark omitted optional inputs.
   */
  op(
    opType: string,
    inputs: (Value | '')[],
    attrs: Record<string, AttrValue>,
    outputs: { dtype: DType; shape: Shape; name?: string }[],
    domain = '',
  ): Value[] {
    const outs = outputs.map((o) => ({
      name: this.claim(o.name ?? this.fresh(opType.toLowerCase())),
      dtype: o.dtype,
      shape: o.shape,
    }));
    this.nodes.push({
      opType,
      domain,
      name: `n${(this.base?.graph?.node?.length ?? 0) + this.nodes.length}_${opType}`,
      input: inputs.map((i) => (i === '' ? '' : i.name)),
      output: outs.map((o) => o.name),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  private one(
    opType: string,
    inputs: (Value | '')[],
    attrs: Record<string, AttrValue>,
    dtype: DType,
    shape: Shape,
  ): Value {
    return this.op(opType, inputs, attrs, [{ dtype, shape }])[0];
  }

  // ---- elementwise -------------------------------------------------------------------------

  private binary(opType: string, a: Value, b: Value, outDtype?: DType): Value {
    if (a.dtype !== b.dtype) {
      throw new GraphBuildError(`${opType}: dtype mismatch ${describe(a)} vs ${describe(b)}`);
    }
    const shape = broadcastShapes(a.shape, b.shape, `${opType}(${a.name}, ${b.name})`);
    return this.one(opType, [a, b], {}, outDtype ?? a.dtype, shape);
  }

  add(a: Value, b: Value): Value {
    return this.binary('Add', a, b);
  }
  sub(a: Value, b: Value): Value {
    return this.binary('Sub', a, b);
  }
  mul(a: Value, b: Value): Value {
    return this.binary('Mul', a, b);
  }
  div(a: Value, b: Value): Value {
    return this.binary('Div', a, b);
  }
  pow(a: Value, b: Value): Value {
    return this.binary('Pow', a, b);
  }
  equal(a: Value, b: Value): Value {
    return this.binary('Equal', a, b, 'bool');
  }
  less(a: Value, b: Value): Value {
    return this.binary('Less', a, b, 'bool');
  }
  greater(a: Value, b: Value): Value {
    return this.binary('Greater', a, b, 'bool');
  }

  private unary(opType: string, x: Value, attrs: Record<string, AttrValue> = {}): Value {
    return this.one(opType, [x], attrs, x.dtype, x.shape);
  }

  sqrt(x: Value): Value {
    return this.unary('Sqrt', x);
  }
  reciprocal(x: Value): Value {
    return this.unary('Reciprocal', x);
  }
  neg(x: Value): Value {
    return this.unary('Neg', x);
  }
  exp(x: Value): Value {
    return this.unary('Exp', x);
  }
  relu(x: Value): Value {
    return this.unary('Relu', x);
  }
  tanh(x: Value): Value {
    return this.unary('Tanh', x);
  }
  sigmoid(x: Value): Value {
    return this.unary('Sigmoid', x);
  }
  sin(x: Value): Value {
    return this.unary('Sin', x);
  }
  cos(x: Value): Value {
    return this.unary('Cos', x);
  }
  erf(x: Value): Value {
    return this.unary('Erf', x);
  }
  not(x: Value): Value {
    return this.unary('Not', x);
  }
  identity(x: Value): Value {
    return this.unary('Identity', x);
  }

  where(cond: Value, a: Value, b: Value): Value {
    if (cond.dtype !== 'bool') throw new GraphBuildError(`Where: condition ${describe(cond)} must be bool`);
    if (a.dtype !== b.dtype) throw new GraphBuildError(`Where: dtype mismatch ${describe(a)} vs ${describe(b)}`);
    const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'Where'), b.shape, 'Where');
    return this.one('Where', [cond, a, b], {}, a.dtype, shape);
  }

  cast(x: Value, to: DType): Value {
    return this.one('Cast', [x], { to: DTYPE_CODE[to] }, to, x.shape);
  }

  // ---- linear algebra ----------------------------------------------------------------------

  matmul(a: Value, b: Value): Value {
    if (a.dtype !== b.dtype) throw new GraphBuildError(`MatMul: dtype mismatch ${describe(a)} vs ${describe(b)}`);
    if (a.shape.length < 2 || b.shape.length < 2) {
      throw new GraphBuildError(`MatMul: operands need rank >= 2, got ${describe(a)} and ${describe(b)}`);
    }
    const k1 = a.shape[a.shape.length - 1];
    const k2 = b.shape[b.shape.length - 2];
    if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
      throw new GraphBuildError(`MatMul: inner dims differ: ${describe(a)} x ${describe(b)}`);
    }
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'MatMul batch');
    this.products.push([a.shape, b.shape]);
    const shape = [...batch, a.shape[a.shape.length - 2], b.shape[b.shape.length - 1]];
    return this.one('MatMul', [a, b], {}, a.dtype, shape);
  }

  /**
   * x[..., in] @ W[in, out] (+ bias). W is row-major [in, out]. With int8, weights are quantized per
   * output channel (symmetric), in the form chosen by `int8Form`.
   */
  linear(
    x: Value,
    weight: Float32Array,
    inDim: number,
    outDim: number,
    bias: Float32Array | undefined,
    name: string,
    opts: LinearOptions = {},
  ): Value {
    const last = x.shape[x.shape.length - 1];
    if (typeof last === 'number' && last !== inDim) {
      throw new GraphBuildError(`linear ${name}: input ${describe(x)} does not end in ${inDim}`);
    }
    if (weight.length !== inDim * outDim) {
      throw new GraphBuildError(`linear ${name}: weight has ${weight.length} values, expected ${inDim}x${outDim}`);
    }
    let y: Value;
    if (opts.int8) {
      const form = opts.int8Form ?? this.opts.int8Form ?? 'integer';
      const bits = form === 'integer' ? (opts.weightBits ?? this.opts.weightBits ?? 7) : 8;
      const q = quantizePerChannelInt8(weight, inDim, outDim, bits);
      const scale = this.init(`${name}.weight_scale`, q.scales, [outDim], 'float32');
      if (form === 'integer' || form === 'integer-u8') {
        const [xq, xScale, xZero] = this.op('DynamicQuantizeLinear', [x], {}, [
          { dtype: 'uint8', shape: x.shape },
          { dtype: 'float32', shape: [] },
          { dtype: 'uint8', shape: [] },
        ]);
        const outShape = [...x.shape.slice(0, -1), outDim];
        let acc: Value;
        if (form === 'integer') {
          const wq = this.init(`${name}.weight_int8`, q.values, [inDim, outDim], 'int8');
          acc = this.one('MatMulInteger', [xq, wq, xZero], {}, 'int32', outShape);
        } else {
          // U8U8: w + 128 as uint8 with a per-column zero point of 128 (the same symmetric values).
          const wu = this.init(
            `${name}.weight_uint8`,
            Uint8Array.from(q.values, (v) => v + 128),
            [inDim, outDim],
            'uint8',
          );
          const wZero = this.init(`${name}.weight_zero`, new Uint8Array(outDim).fill(128), [outDim], 'uint8');
          acc = this.one('MatMulInteger', [xq, wu, xZero, wZero], {}, 'int32', outShape);
        }
        this.products.push([x.shape, [inDim, outDim]]);
        const accF = this.cast(acc, 'float32');
        y = this.mul(accF, this.mul(xScale, scale));
      } else {
        const wq = this.init(`${name}.weight_int8`, q.values, [inDim, outDim], 'int8');
        const zero = this.init(`${name}.weight_zero`, new Int8Array(outDim), [outDim], 'int8');
        const w = this.one('DequantizeLinear', [wq, scale, zero], { axis: 1 }, 'float32', [inDim, outDim]);
        y = this.matmul(x, w);
      }
    } else if (opts.float16) {
      const w16 = this.init(`${name}.weight_f16`, encodeFloat16(weight), [inDim, outDim], 'float16');
      y = this.matmul(x, this.cast(w16, 'float32'));
    } else {
      y = this.matmul(x, this.init(`${name}.weight`, weight, [inDim, outDim], 'float32'));
    }
    if (bias) {
      if (bias.length !== outDim)
        throw new GraphBuildError(`linear ${name}: bias has ${bias.length} values, expected ${outDim}`);
      y = this.add(y, this.init(`${name}.bias`, bias, [outDim], 'float32'));
    }
    return y;
  }

  softmax(x: Value, axis = -1): Value {
    normAxis(axis, x.shape.length, 'Softmax');
    return this.unary('Softmax', x, { axis });
  }

  layerNorm(x: Value, scale: Value, bias: Value | undefined, eps: number, axis = -1): Value {
    normAxis(axis, x.shape.length, 'LayerNormalization');
    const inputs: Value[] = bias ? [x, scale, bias] : [x, scale];
    return this.one('LayerNormalization', inputs, { axis, epsilon: { f: eps } }, x.dtype, x.shape);
  }

  /** RMSNorm over the last axis, from basic ops (portable to every execution provider). */
  rmsNorm(x: Value, scale: Value, eps: number): Value {
    const ms = this.reduceMean(this.mul(x, x), [-1], true);
    const inv = this.reciprocal(this.sqrt(this.add(ms, this.constF32(eps))));
    return this.mul(this.mul(x, inv), scale);
  }

  // ---- shape ops ---------------------------------------------------------------------------

  reshape(x: Value, shape: number[]): Value {
    const out: Shape = shape.map((d, i) => (d === 0 ? x.shape[i] : d));
    const minus = out.indexOf(-1);
    if (shape.filter((d) => d === -1).length > 1) throw new GraphBuildError(`Reshape ${x.name}: more than one -1`);
    if (minus >= 0) {
      const known = out.filter((d, i) => i !== minus);
      if (dimsKnown(x.shape) && dimsKnown(known)) {
        const total = x.shape.reduce((a, b) => a * b, 1);
        const rest = known.reduce((a, b) => a * b, 1);
        if (rest === 0 || total % rest !== 0) {
          throw new GraphBuildError(`Reshape ${describe(x)} to [${shape.join(', ')}]: sizes do not divide`);
        }
        out[minus] = total / rest;
      } else {
        out[minus] = inferSymbolic(x.shape, known) ?? `${x.name}_reshaped`;
      }
    } else if (dimsKnown(x.shape) && dimsKnown(out)) {
      const a = x.shape.reduce((p, q) => p * q, 1);
      const b = out.reduce((p, q) => p * q, 1);
      if (a !== b) throw new GraphBuildError(`Reshape ${describe(x)} to [${shape.join(', ')}]: ${a} != ${b} elements`);
    }
    return this.one('Reshape', [x, this.constI64(shape)], {}, x.dtype, out);
  }

  transpose(x: Value, perm: number[]): Value {
    if (perm.length !== x.shape.length || [...perm].sort().some((p, i) => p !== i)) {
      throw new GraphBuildError(`Transpose ${describe(x)}: bad perm [${perm.join(', ')}]`);
    }
    return this.one(
      'Transpose',
      [x],
      { perm },
      x.dtype,
      perm.map((p) => x.shape[p]),
    );
  }

  gather(data: Value, indices: Value, axis = 0): Value {
    if (indices.dtype !== 'int64' && indices.dtype !== 'int32') {
      throw new GraphBuildError(`Gather: indices ${describe(indices)} must be int32 or int64`);
    }
    const a = normAxis(axis, data.shape.length, 'Gather');
    const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
    return this.one('Gather', [data, indices], { axis }, data.dtype, shape);
  }

  concat(values: Value[], axis: number): Value {
    if (values.length === 0) throw new GraphBuildError('Concat: no inputs');
    const rank = values[0].shape.length;
    const a = normAxis(axis, rank, 'Concat');
    let along: Dim = 0;
    for (const v of values) {
      if (v.dtype !== values[0].dtype || v.shape.length !== rank) {
        throw new GraphBuildError(`Concat: ${describe(v)} does not match ${describe(values[0])}`);
      }
      const d = v.shape[a];
      along = typeof along === 'number' && typeof d === 'number' ? along + d : `${along}+${d}`;
    }
    const shape = [...values[0].shape];
    shape[a] = along;
    return this.one('Concat', values, { axis }, values[0].dtype, shape);
  }

  slice(x: Value, starts: number[], ends: number[], axes: number[], steps?: number[]): Value {
    if (starts.length !== ends.length || starts.length !== axes.length) {
      throw new GraphBuildError(`Slice ${x.name}: starts, ends and axes differ in length`);
    }
    const shape = [...x.shape];
    axes.forEach((axis, i) => {
      const a = normAxis(axis, x.shape.length, 'Slice');
      const d = x.shape[a];
      const step = steps?.[i] ?? 1;
      if (typeof d === 'number') {
        const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
        shape[a] = Math.max(0, Math.ceil((clamp(ends[i]) - clamp(starts[i])) / step));
      } else {
        shape[a] = starts[i] === 0 && ends[i] >= Number.MAX_SAFE_INTEGER && step === 1 ? d : `${x.name}_slice${a}`;
      }
    });
    const inputs = [x, this.constI64(starts), this.constI64(ends), this.constI64(axes)];
    if (steps) inputs.push(this.constI64(steps));
    return this.one('Slice', inputs, {}, x.dtype, shape);
  }

  unsqueeze(x: Value, axes: number[]): Value {
    const rank = x.shape.length + axes.length;
    const norm = axes.map((a) => normAxis(a, rank, 'Unsqueeze')).sort((p, q) => p - q);
    const shape: Shape = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]);
    return this.one('Unsqueeze', [x, this.constI64(axes)], {}, x.dtype, shape);
  }

  squeeze(x: Value, axes: number[]): Value {
    const norm = axes.map((a) => normAxis(a, x.shape.length, 'Squeeze'));
    for (const a of norm) {
      const d = x.shape[a];
      if (typeof d === 'number' && d !== 1)
        throw new GraphBuildError(`Squeeze ${describe(x)}: axis ${a} has size ${d}`);
    }
    const shape = x.shape.filter((_, i) => !norm.includes(i));
    return this.one('Squeeze', [x, this.constI64(axes)], {}, x.dtype, shape);
  }

  private reduce(opType: string, x: Value, axes: number[], keepdims: boolean): Value {
    const norm = axes.map((a) => normAxis(a, x.shape.length, opType));
    const shape = keepdims
      ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !norm.includes(i));
    // ReduceSum takes axes as an input from opset 13, ReduceMean and ReduceMax from opset 18.
    const opset = this.opsetImports[0].version;
    const axesAsInput = opType === 'ReduceSum' ? opset >= 13 : opset >= 18;
    if (axesAsInput) return this.one(opType, [x, this.constI64(axes)], { keepdims: keepdims ? 1 : 0 }, x.dtype, shape);
    return this.one(opType, [x], { axes, keepdims: keepdims ? 1 : 0 }, x.dtype, shape);
  }

  reduceMean(x: Value, axes: number[], keepdims = true): Value {
    return this.reduce('ReduceMean', x, axes, keepdims);
  }
  reduceSum(x: Value, axes: number[], keepdims = true): Value {
    return this.reduce('ReduceSum', x, axes, keepdims);
  }
  reduceMax(x: Value, axes: number[], keepdims = true): Value {
    return this.reduce('ReduceMax', x, axes, keepdims);
  }

  /** The runtime shape of x as an int64 vector. */
  shape(x: Value, start?: number, end?: number): Value {
    const attrs: Record<string, AttrValue> = {};
    if (start !== undefined) attrs.start = start;
    if (end !== undefined) attrs.end = end;
    const rank = x.shape.length;
    const s = start === undefined ? 0 : start < 0 ? start + rank : start;
    const e = end === undefined ? rank : end < 0 ? end + rank : end;
    return this.one('Shape', [x], attrs, 'int64', [Math.max(0, e - s)]);
  }

  /** Range(start, limit, delta) over scalars of one dtype; `length` names the resulting dim. */
  range(start: Value, limit: Value, delta: Value, length: Dim): Value {
    return this.one('Range', [start, limit, delta], {}, start.dtype, [length]);
  }

  // ---- serialization -----------------------------------------------------------------------

  toBytes(): Uint8Array {
    if (this.outputs.length === 0) throw new GraphBuildError(`graph ${this.graphName} has no outputs`);
    const base = this.base?.graph;
    const nodes = [...(base?.node ?? []), ...this.nodes];
    const usesContrib = nodes.some((n) => n.domain === 'com.microsoft');
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'gloss-train',
      producerVersion: '0.1.0',
      docString: this.opts.docString ?? '',
      metadataProps: [{ key: MATMUL_METADATA_KEY, value: JSON.stringify(this.products) }],
      opsetImport: usesContrib ? this.opsetImports : [this.opsetImports[0]],
      graph: {
        name: this.graphName,
        node: nodes,
        initializer: [...(base?.initializer ?? []), ...this.initializers],
        input: [...(base?.input ?? []), ...this.inputs],
        output: [...(base?.output ?? []), ...this.outputs],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** Model metadata key holding every MatMul's [A shape, B shape] (for FLOP counts in the benchmark). */
export const MATMUL_METADATA_KEY = 'gloss.matmul_shapes';

/** FLOPs (2 per multiply-add) of the recorded matrix products with symbolic dims bound. */
export function matmulFlops(products: [Shape, Shape][], dims: Record<string, number>): number {
  const val = (d: Dim): number => {
    if (typeof d === 'number') return d;
    if (d in dims) return dims[d];
    throw new GraphBuildError(`matmulFlops: no value for symbolic dim ${d}`);
  };
  let flops = 0;
  for (const [a, b] of products) {
    const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2), 'flops').reduce<number>((p, d) => p * val(d), 1);
    flops += 2 * batch * val(a[a.length - 2]) * val(a[a.length - 1]) * val(b[b.length - 1]);
  }
  return flops;
}

/** Reads the matrix products a GraphBuilder recorded from a serialized model. */
export function readMatmulShapes(modelBytes: Uint8Array): [Shape, Shape][] {
  const model = onnx.ModelProto.decode(modelBytes);
  const prop = model.metadataProps.find((p) => p.key === MATMUL_METADATA_KEY);
  if (!prop) throw new GraphBuildError('model has no gloss.matmul_shapes metadata (not built by GraphBuilder)');
  return JSON.parse(prop.value ?? '[]') as [Shape, Shape][];
}

function inferSymbolic(shape: Shape, known: Dim[]): Dim | undefined {
  // [1, T, 64] reshaped to [1, T, 4, -1] keeps a known 16 when the symbolic dims cancel out.
  const symIn = shape.filter((d) => typeof d === 'string');
  const symOut = known.filter((d) => typeof d === 'string');
  const numIn0 = (shape.filter((d) => typeof d === 'number') as number[]).reduce((a, b) => a * b, 1);
  const numOut0 = (known.filter((d) => typeof d === 'number') as number[]).reduce((a, b) => a * b, 1);
  // [1, T, 4] reshaped to [1, -1, 2, 2]: the -1 is T itself.
  if (symIn.length === 1 && symOut.length === 0 && numIn0 === numOut0) return symIn[0];
  if (symIn.length !== symOut.length || symIn.some((d, i) => d !== symOut[i])) return undefined;
  const numIn = (shape.filter((d) => typeof d === 'number') as number[]).reduce((a, b) => a * b, 1);
  const numOut = (known.filter((d) => typeof d === 'number') as number[]).reduce((a, b) => a * b, 1);
  return numOut > 0 && numIn % numOut === 0 ? numIn / numOut : undefined;
}

function inferDtype(data: TensorData['data']): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'float16';
  throw new GraphBuildError('unsupported initializer array type');
}

function valueInfo(name: string, dtype: DType, shape: Shape): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DTYPE_CODE[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function tensorProto(name: string, t: TensorData): OnnxTypes.ITensorProto {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name, dims: t.dims, dataType: DTYPE_CODE[t.dtype], rawData: bytes };
}

function attribute(name: string, v: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') {
      return { name, type: T.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    }
    return { name, type: T.INTS, ints: v as number[] };
  }
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.TENSOR, t: tensorProto(name, v.tensor) };
}
