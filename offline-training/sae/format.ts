// SAE files: SAELens layout (cfg.json + sae_weights.safetensors with W_enc [d_in, d_sae],
// W_dec [d_sae, d_in], b_enc, b_dec, and threshold for JumpReLU: what SAELens's
// SAE.load_from_disk reads), and import of EleutherAI sparsify's layout (cfg.json + sae.safetensors
// with encoder.weight [d_sae, d_in], encoder.bias, W_dec [d_sae, d_in], b_dec; cfg with k,
// num_latents, expansion_factor...). loadSae reads either; folders Gloss wrote before it used
// SAELens's file name (sae.safetensors) still load.
//
// Loading is strict: unknown cfg keys, missing or extra tensors and shape mismatches are
// SaeErrors that name the file and the field, never a crash later in a matmul.
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SaeError } from './errors.ts';
import { checkSaeShapes, type Sae, type SaeArchitecture } from './model.ts';
import { encodeSafetensors, parseSafetensors, tensorToF32, type StInput } from './safetensors.ts';

/** Top-level cfg.json keys we read or accept: SAELens v5 (flat) and v6 (metadata), plus ours. */
const SAELENS_KEYS = new Set([
  // architecture
  'architecture',
  'd_in',
  'd_sae',
  'dtype',
  'device',
  'apply_b_dec_to_input',
  'normalize_activations',
  'reshape_activations',
  'k',
  'activation_fn_str',
  'activation_fn_kwargs',
  'activation_fn',
  'finetuning_scaling_factor',
  'rescale_acts_by_decoder_norm',
  'metadata',
  // v5 flat metadata
  'model_name',
  'hook_name',
  'hook_layer',
  'hook_head_index',
  'context_size',
  'prepend_bos',
  'dataset_path',
  'dataset_trust_remote_code',
  'sae_lens_training_version',
  'sae_lens_version',
  'neuronpedia_id',
  'model_from_pretrained_kwargs',
  'seqpos_slice',
  'model_class_name',
  // ours
  'gloss',
]);

const SPARSIFY_KEYS = new Set([
  'd_in',
  'k',
  'num_latents',
  'expansion_factor',
  'normalize_decoder',
  'multi_topk',
  'skip_connection',
  'transcode',
  'activation',
  'signed',
  'dtype',
]);

/** How saveSae writes: the tensors' dtype on disk. */
export interface SaveOptions {
  /** Tensor dtype on disk (default F32). */
  dtype?: 'F32' | 'F16' | 'BF16';
}

const DTYPE_NAME = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const;

/** SAELens's weights file name (sae_lens/constants.py SAE_WEIGHTS_FILENAME). */
export const SAELENS_WEIGHTS = 'sae_weights.safetensors';
/** sparsify's weights file name (SparseCoder.save_to_disk), also Gloss's before it used SAELens's. */
export const SPARSIFY_WEIGHTS = 'sae.safetensors';
/**
 * The SAELens config layout cfg.json follows (v6: metadata nested, architecture named). SAELens reads
 * metadata.sae_lens_version to pick its loader; without it, it takes the file for a pre-6 config.
 * sae_lens_training_version stays null: SAELens did not train these.
 */
export const SAELENS_LAYOUT_VERSION = '6.0.0';

/** cfg.json for an SAE: SAELens v6 field names, our extra information under "gloss". */
export function saelensConfig(sae: Sae, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): Record<string, unknown> {
  const base: Record<string, unknown> = { ...sae.cfg };
  const cfg: Record<string, unknown> = {
    ...base,
    architecture: sae.architecture,
    d_in: sae.d_in,
    d_sae: sae.d_sae,
    dtype: DTYPE_NAME[dtype],
    device: 'cpu',
    apply_b_dec_to_input: sae.applyBDecToInput,
    normalize_activations: 'none',
    activation_fn_str: sae.architecture === 'topk' ? 'topk' : 'relu',
    activation_fn_kwargs: sae.architecture === 'topk' ? { k: sae.k } : {},
  };
  if (sae.architecture === 'topk') cfg.k = sae.k;
  else delete cfg.k;
  // Gloss's weights encode without it (loadSae folds a library's rescaling into them).
  if ('rescale_acts_by_decoder_norm' in cfg) cfg.rescale_acts_by_decoder_norm = false;
  const meta = (base.metadata ?? {}) as Record<string, unknown>;
  cfg.metadata = { ...meta, sae_lens_version: meta.sae_lens_version ?? SAELENS_LAYOUT_VERSION };
  return cfg;
}

/** Writes cfg.json and sae_weights.safetensors into dir (atomically per file), as SAELens saves an SAE. */
export async function saveSae(dir: string, sae: Sae, opts: SaveOptions = {}): Promise<void> {
  checkSaeShapes(sae, `saveSae ${dir}`);
  const dtype = opts.dtype ?? 'F32';
  const tensors: Record<string, StInput> = {
    W_enc: { dtype, shape: [sae.d_in, sae.d_sae], data: sae.W_enc },
    W_dec: { dtype, shape: [sae.d_sae, sae.d_in], data: sae.W_dec },
    b_enc: { dtype, shape: [sae.d_sae], data: sae.b_enc },
    b_dec: { dtype, shape: [sae.d_in], data: sae.b_dec },
  };
  if (sae.architecture === 'jumprelu') tensors.threshold = { dtype, shape: [sae.d_sae], data: sae.threshold! };
  await mkdir(dir, { recursive: true });
  await atomicWrite(join(dir, SAELENS_WEIGHTS), encodeSafetensors(tensors, { format: 'pt' }));
  await atomicWrite(join(dir, 'cfg.json'), JSON.stringify(saelensConfig(sae, dtype), null, 2) + '\n');
}

/** Writes `path` through a temporary file and a rename, so readers never see half a file. */
export async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

async function readCfg(dir: string): Promise<Record<string, unknown>> {
  const path = join(dir, 'cfg.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      const subs = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const nested: string[] = [];
      for (const s of subs) {
        if (
          s.isDirectory() &&
          (await readFile(join(dir, s.name, 'cfg.json')).then(
            () => true,
            () => false,
          ))
        )
          nested.push(s.name);
      }
      const hint = nested.length
        ? ` (it holds several SAEs; pick one of: ${nested.slice(0, 8).join(', ')}${nested.length > 8 ? ', ...' : ''})`
        : '';
      throw new SaeError(`${dir} has no cfg.json${hint}`);
    }
    throw new SaeError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    throw new SaeError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg))
    throw new SaeError(`${path}: expected a JSON object`);
  return cfg as Record<string, unknown>;
}

/** The weights file of `dir`: the first of `names` that exists. */
async function readTensors(dir: string, names: readonly string[] = [SAELENS_WEIGHTS, SPARSIFY_WEIGHTS]) {
  for (const name of names) {
    const path = join(dir, name);
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw new SaeError(`cannot read ${path}: ${e.message}`);
    });
    if (bytes)
      return { path, file: parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path) };
  }
  throw new SaeError(`${dir} has no ${names.join(' or ')}`);
}

function posInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new SaeError(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function checkUnknown(cfg: Record<string, unknown>, known: Set<string>, path: string, kind: string): void {
  const unknown = Object.keys(cfg).filter((key) => !known.has(key));
  if (unknown.length) {
    throw new SaeError(
      `${path}: unknown ${kind} config key${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')} (is this a ${kind} SAE? known keys: ${[...known].join(', ')})`,
    );
  }
}

function checkFiniteArr(a: Float32Array, what: string, allowPosInf = false): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (Number.isNaN(v) || (!Number.isFinite(v) && !(allowPosInf && v === Infinity)))
      throw new SaeError(`${what}: non-finite value ${v} at index ${i}`);
  }
}

/** Checks loadSae applies: the expected d_in, and whether unknown SAELens cfg.json keys are allowed. */
export interface LoadOptions {
  /** Ignore unknown cfg.json keys instead of failing (default false). */
  allowUnknownKeys?: boolean;
  /** Expected d_in; a different one is a SaeError. */
  dIn?: number;
}

/**
 * Loads an SAE folder: SAELens layout (ours, or one SAELens saved: TopK, JumpReLU, standard), or an
 * EleutherAI sparsify folder (its cfg.json has num_latents or expansion_factor and no d_sae; see
 * importSparsify). Throws SaeError naming the file and field on anything it cannot run as written.
 */
export async function loadSae(dir: string, opts: LoadOptions = {}): Promise<Sae> {
  const cfg = await readCfg(dir);
  const cfgPath = join(dir, 'cfg.json');
  if (!('d_sae' in cfg) && ('num_latents' in cfg || 'expansion_factor' in cfg)) return importSparsify(dir, opts);
  if (!opts.allowUnknownKeys) checkUnknown(cfg, SAELENS_KEYS, cfgPath, 'SAELens');
  if (cfg.reshape_activations !== undefined && cfg.reshape_activations !== 'none')
    throw new SaeError(
      `${cfgPath}: reshape_activations ${JSON.stringify(cfg.reshape_activations)} is not supported (residual-stream SAEs only)`,
    );
  const d = posInt(cfg.d_in, `${cfgPath}: d_in`);
  const m = posInt(cfg.d_sae, `${cfgPath}: d_sae`);
  const { arch, k } = saelensArchitecture(cfg, cfgPath, m);
  checkRawActivations(cfg, cfgPath, arch);
  if (opts.dIn !== undefined && opts.dIn !== d)
    throw new SaeError(`${cfgPath}: SAE has d_in=${d} but the activations have d=${opts.dIn}`);
  const { path, out, threshold } = await readSaelensTensors(dir, arch, d, m);
  if (cfg.rescale_acts_by_decoder_norm === true) foldDecoderNorm(out.W_enc, out.b_enc, out.W_dec, d, m, path);
  const sae: Sae = {
    architecture: arch,
    d_in: d,
    d_sae: m,
    k,
    applyBDecToInput: cfg.apply_b_dec_to_input !== false,
    W_enc: out.W_enc,
    W_dec: out.W_dec,
    b_enc: out.b_enc,
    b_dec: out.b_dec,
    threshold,
    cfg,
  };
  checkSaeShapes(sae, dir);
  return sae;
}

/** The architecture (and TopK's k, at most `m`) a SAELens cfg.json names; SaeError on any other. */
function saelensArchitecture(
  cfg: Record<string, unknown>,
  cfgPath: string,
  m: number,
): { arch: SaeArchitecture; k: number | undefined } {
  const fnStr = cfg.activation_fn_str ?? cfg.activation_fn;
  let arch: SaeArchitecture;
  const a = cfg.architecture ?? 'standard';
  if (a === 'topk') arch = 'topk';
  else if (a === 'jumprelu') arch = 'jumprelu';
  else if (a === 'standard' && fnStr === 'topk')
    arch = 'topk'; // SAELens v5 TopK SAEs
  else if (a === 'standard' && (fnStr === undefined || fnStr === 'relu')) arch = 'standard';
  else
    throw new SaeError(
      `${cfgPath}: unsupported architecture ${JSON.stringify(a)}${fnStr ? ` with activation ${JSON.stringify(fnStr)}` : ''} (supported: topk, jumprelu, standard/relu)`,
    );
  let k: number | undefined;
  if (arch === 'topk') {
    const kw = cfg.activation_fn_kwargs as { k?: unknown } | undefined;
    k = posInt(cfg.k ?? kw?.k, `${cfgPath}: k`);
    if (k > m) throw new SaeError(`${cfgPath}: k=${k} exceeds d_sae=${m}`);
  }
  return { arch, k };
}

/** SaeError on cfg.json activation scalings this loader does not run (decoder-norm rescaling: TopK only). */
function checkRawActivations(cfg: Record<string, unknown>, cfgPath: string, arch: SaeArchitecture): void {
  const norm = cfg.normalize_activations ?? 'none';
  if (norm !== 'none' && norm !== null) {
    throw new SaeError(
      `${cfgPath}: normalize_activations ${JSON.stringify(norm)} is not supported (this loader needs an SAE that works on raw activations; fold the scaling factor into the weights first)`,
    );
  }
  if (cfg.finetuning_scaling_factor === true)
    throw new SaeError(`${cfgPath}: finetuning_scaling_factor is not supported`);
  if (cfg.rescale_acts_by_decoder_norm === true && arch !== 'topk')
    throw new SaeError(`${cfgPath}: rescale_acts_by_decoder_norm is supported on TopK SAEs only`);
}

/**
 * The weights of a SAELens folder, each checked for shape [d, m] / [m, d] / [m] / [d] and finite
 * values; a JumpReLU's log_threshold comes back as its threshold. SaeError on a missing, misshapen
 * or extra tensor.
 */
async function readSaelensTensors(dir: string, arch: SaeArchitecture, d: number, m: number) {
  const { path, file } = await readTensors(dir);
  const want: Record<string, number[]> = { W_enc: [d, m], W_dec: [m, d], b_enc: [m], b_dec: [d] };
  if (arch === 'jumprelu') want[file.tensors.has('log_threshold') ? 'log_threshold' : 'threshold'] = [m];
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(want)) {
    const t = file.tensors.get(name);
    if (!t) throw new SaeError(`${path}: missing tensor ${name} (has: ${[...file.tensors.keys()].join(', ')})`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new SaeError(
        `${path}: tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] for d_in=${d}, d_sae=${m}`,
      );
    }
    out[name] = tensorToF32(t, `${path}: ${name}`);
  }
  const extra = [...file.tensors.keys()].filter((n) => !(n in want));
  if (extra.length)
    throw new SaeError(
      `${path}: unexpected tensor${extra.length > 1 ? 's' : ''} ${extra.join(', ')} for a ${arch} SAE`,
    );
  let threshold = out.threshold;
  if (out.log_threshold) threshold = out.log_threshold.map((v) => Math.exp(v));
  for (const n of ['W_enc', 'W_dec', 'b_enc', 'b_dec']) checkFiniteArr(out[n], `${path}: ${n}`);
  if (threshold) checkFiniteArr(threshold, `${path}: threshold`, true);
  return { path, out, threshold };
}

/**
 * SAELens's rescale_acts_by_decoder_norm (TopK): pre-activations are scaled by |W_dec_j| and codes
 * divided by it before decoding. Folded into the weights as SAELens's _fold_norm_topk folds them
 * (b_enc and W_enc's column j times |W_dec_j|, W_dec's row j over it): the same codes and
 * reconstruction, and a no-op on the unit-norm decoder save_inference_model leaves.
 */
function foldDecoderNorm(
  W_enc: Float32Array,
  b_enc: Float32Array,
  W_dec: Float32Array,
  d: number,
  m: number,
  path: string,
) {
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += W_dec[j * d + i] ** 2;
    const n = Math.sqrt(s);
    if (!(n > 0)) throw new SaeError(`${path}: W_dec row ${j} is zero, so rescale_acts_by_decoder_norm divides by 0`);
    b_enc[j] *= n;
    for (let i = 0; i < d; i++) {
      W_enc[i * m + j] *= n;
      W_dec[j * d + i] /= n;
    }
  }
}

/** Imports an EleutherAI sparsify SAE folder (cfg.json + sae.safetensors) as a TopK SAE. */
export async function importSparsify(dir: string, opts: LoadOptions = {}): Promise<Sae> {
  const cfg = await readCfg(dir);
  const cfgPath = join(dir, 'cfg.json');
  if (!opts.allowUnknownKeys) checkUnknown(cfg, SPARSIFY_KEYS, cfgPath, 'sparsify');
  const d = posInt(cfg.d_in, `${cfgPath}: d_in`);
  const k = posInt(cfg.k ?? 32, `${cfgPath}: k`);
  if ((cfg.activation ?? 'topk') !== 'topk')
    throw new SaeError(`${cfgPath}: activation ${JSON.stringify(cfg.activation)} is not supported (only topk)`);
  if (cfg.transcode === true)
    throw new SaeError(
      `${cfgPath}: transcoders are not supported (they predict another layer and skip the pre-encoder bias)`,
    );
  if (cfg.skip_connection === true) throw new SaeError(`${cfgPath}: skip connections (W_skip) are not supported`);
  if (cfg.signed === true) throw new SaeError(`${cfgPath}: signed activations are not supported`);
  if (opts.dIn !== undefined && opts.dIn !== d)
    throw new SaeError(`${cfgPath}: SAE has d_in=${d} but the activations have d=${opts.dIn}`);
  const { path, file } = await readTensors(dir, [SPARSIFY_WEIGHTS]);
  const enc = file.tensors.get('encoder.weight');
  if (!enc || enc.shape.length !== 2 || enc.shape[1] !== d) {
    throw new SaeError(
      `${path}: expected encoder.weight [num_latents, ${d}], got ${enc ? `[${enc.shape.join(', ')}]` : 'none'}`,
    );
  }
  const m = enc.shape[0];
  const fromCfg =
    (cfg.num_latents as number) || (cfg.expansion_factor !== undefined ? d * (cfg.expansion_factor as number) : m);
  if (fromCfg !== m) throw new SaeError(`${path}: encoder.weight has ${m} latents but cfg.json implies ${fromCfg}`);
  if (k > m) throw new SaeError(`${cfgPath}: k=${k} exceeds num_latents=${m}`);
  const want: Record<string, number[]> = { 'encoder.weight': [m, d], 'encoder.bias': [m], W_dec: [m, d], b_dec: [d] };
  const t: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(want)) {
    const x = file.tensors.get(name);
    if (!x) throw new SaeError(`${path}: missing tensor ${name} (has: ${[...file.tensors.keys()].join(', ')})`);
    if (x.shape.length !== shape.length || x.shape.some((s, i) => s !== shape[i])) {
      throw new SaeError(`${path}: tensor ${name} has shape [${x.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    t[name] = tensorToF32(x, `${path}: ${name}`);
    checkFiniteArr(t[name], `${path}: ${name}`);
  }
  const extra = [...file.tensors.keys()].filter((n) => !(n in want));
  if (extra.length)
    throw new SaeError(
      `${path}: unexpected tensor${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (W_skip and other extensions are not supported)`,
    );
  const W_enc = new Float32Array(d * m);
  const ew = t['encoder.weight'];
  for (let j = 0; j < m; j++) for (let i = 0; i < d; i++) W_enc[i * m + j] = ew[j * d + i];
  const sae: Sae = {
    architecture: 'topk',
    d_in: d,
    d_sae: m,
    k,
    applyBDecToInput: true,
    W_enc,
    W_dec: t.W_dec,
    b_enc: t['encoder.bias'],
    b_dec: t.b_dec,
    cfg: { metadata: { imported_from: 'sparsify', sparsify_cfg: cfg } },
  };
  checkSaeShapes(sae, dir);
  return sae;
}
