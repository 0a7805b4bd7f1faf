// Training checkpoints: everything a step depends on (weights, Adam moments and step count,
// dead-latent counters, normalisation, resolved options), so a resumed run continues exactly as
// the uninterrupted one would. The data position is the step count: the cache's batch stream is a
// pure function of (seed, position).
//
// Layout: <out>/checkpoint/{state.safetensors, state.json}, replaced as a whole: written to
// checkpoint.new, then swapped in through checkpoint.old.
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SaeError } from './errors.ts';
import type { AdamState } from './adam.ts';
import type { SaeParams } from './kernels.ts';
import { encodeSafetensors, parseSafetensors, tensorToF32, tensorToInts, type StInput } from './safetensors.ts';

/** state.json of a checkpoint: step, resolved options, normalisation, history, time, cache rows. */
export interface CheckpointMeta {
  version: 1;
  step: number;
  /** The resolved training options (see ResolvedOptions in trainer.ts). */
  options: Record<string, unknown>;
  norm: { mean: number[]; scale: number };
  history: Record<string, unknown>[];
  /** Seconds of training so far (for throughput over resumed runs). */
  seconds: number;
  /** Rows in the cache when the checkpoint was written (the batch stream depends on them). */
  cacheRows?: number;
}

/** A checkpoint: its meta plus weights, Adam state and dead-latent counters. */
export interface Checkpoint {
  meta: CheckpointMeta;
  params: SaeParams;
  adam: AdamState;
  sinceFired: Float64Array;
  everTouched: Uint8Array;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/**
 * Writes a checkpoint into `out`/checkpoint (state.safetensors + state.json), replacing the previous one as a
 * whole.
 */
export async function saveCheckpoint(out: string, ck: Checkpoint): Promise<void> {
  const { params: p, adam: a } = ck;
  const { d, m } = p;
  const f = (data: Float32Array, shape: number[]): StInput => ({ dtype: 'F32', shape, data });
  const tensors: Record<string, StInput> = {
    We: f(p.We, [m, d]),
    Wd: f(p.Wd, [m, d]),
    be: f(p.be, [m]),
    bd: f(p.bd, [d]),
    mWe: f(a.mWe, [m, d]),
    vWe: f(a.vWe, [m, d]),
    mWd: f(a.mWd, [m, d]),
    vWd: f(a.vWd, [m, d]),
    mbe: f(a.mbe, [m]),
    vbe: f(a.vbe, [m]),
    mbd: f(a.mbd, [d]),
    vbd: f(a.vbd, [d]),
    since_fired: { dtype: 'F64', shape: [m], data: ck.sinceFired },
    ever_touched: { dtype: 'I32', shape: [m], data: Int32Array.from(ck.everTouched) },
  };
  const dir = join(out, 'checkpoint');
  const tmp = `${dir}.new`;
  const old = `${dir}.old`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeFile(join(tmp, 'state.safetensors'), encodeSafetensors(tensors, { adam_t: String(a.t) }));
  await writeFile(join(tmp, 'state.json'), JSON.stringify({ ...ck.meta, adam_t: a.t }, null, 1));
  await rm(old, { recursive: true, force: true });
  if (await exists(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

/** The checkpoint folder to resume from, or undefined when there is none. */
export async function findCheckpoint(out: string): Promise<string | undefined> {
  for (const name of ['checkpoint', 'checkpoint.old']) {
    const dir = join(out, name);
    if ((await exists(join(dir, 'state.json'))) && (await exists(join(dir, 'state.safetensors')))) return dir;
  }
  return undefined;
}

/**
 * Reads a checkpoint folder written by saveCheckpoint; throws SaeError when it is unreadable or its tensors have
 * the wrong shapes.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  let meta: CheckpointMeta & { adam_t?: number };
  try {
    meta = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  } catch (e) {
    throw new SaeError(`cannot read checkpoint ${dir}/state.json: ${(e as Error).message}`);
  }
  if (meta.version !== 1 || !Number.isInteger(meta.step))
    throw new SaeError(`${dir}/state.json: not a version-1 SAE checkpoint`);
  const bytes = await readFile(join(dir, 'state.safetensors'));
  const file = parseSafetensors(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    `${dir}/state.safetensors`,
  );
  const get = (name: string) => {
    const t = file.tensors.get(name);
    if (!t) throw new SaeError(`${dir}/state.safetensors: missing ${name}`);
    return t;
  };
  const We = get('We');
  if (We.shape.length !== 2) throw new SaeError(`${dir}: bad We shape`);
  const [m, d] = We.shape;
  const f = (name: string, n: number) => {
    const a = tensorToF32(get(name), `${dir}: ${name}`);
    if (a.length !== n) throw new SaeError(`${dir}: ${name} has ${a.length} values, expected ${n}`);
    return a;
  };
  const params: SaeParams = { d, m, We: f('We', m * d), Wd: f('Wd', m * d), be: f('be', m), bd: f('bd', d) };
  const adam: AdamState = {
    t: Number(file.metadata.adam_t ?? meta.adam_t ?? meta.step),
    mWe: f('mWe', m * d),
    vWe: f('vWe', m * d),
    mWd: f('mWd', m * d),
    vWd: f('vWd', m * d),
    mbe: f('mbe', m),
    vbe: f('vbe', m),
    mbd: f('mbd', d),
    vbd: f('vbd', d),
  };
  const sinceFired = Float64Array.from(tensorToInts(get('since_fired'), `${dir}: since_fired`));
  const everTouched = Uint8Array.from(tensorToInts(get('ever_touched'), `${dir}: ever_touched`));
  return { meta, params, adam, sinceFired, everTouched };
}
