// Runs the PyTorch fit (gloss_torch/train.py) for the TypeScript trainer: writes the job (resolved
// settings and normalisation), starts Python (under torchrun for nproc > 1: gloo on CPU, NCCL on
// CUDA), relays its progress, and reads back the weights in normalised space.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaeError } from '../sae/errors.ts';
import type { SaeParams } from '../sae/kernels.ts';
import { parseSafetensors, tensorToF32 } from '../sae/safetensors.ts';
import type { ExternalFitJob, ExternalFitResult, ResolvedOptions } from '../sae/trainer.ts';
import { findTorchPython, TORCH_DIR } from './venv.ts';

/** The settings the Python side needs (sae/trainer.ts's ResolvedOptions, without the engine and split). */
export type TorchSettings = Omit<ResolvedOptions, 'engine' | 'heldOutFraction'>;

/** One fit: the trainer's job (cache, settings, normalisation, device, ranks) and where to work. */
export interface TorchFitJob extends Omit<ExternalFitJob, 'settings' | 'mean' | 'out' | 'onProgress'> {
  settings: TorchSettings;
  mean: ArrayLike<number>;
  /** Folder for job.json, fit.safetensors, fit.json and sparsify/ (the folded SAE in sparsify's format). */
  work: string;
  onProgress?: (step: number, total: number, metrics: Record<string, unknown>) => void;
}

/** What the fit leaves: weights in normalised space, counters, timing and where it ran. */
export interface TorchFitResult {
  params: SaeParams;
  sinceFired: Float64Array;
  step: number;
  seconds: number;
  history: Record<string, number>[];
  device: string;
  deviceName: string;
  ranks: number;
  threads: number;
  deadFraction: number;
  versions: Record<string, string>;
}

/** The command line that runs the job: python -m gloss_torch.train, or torchrun with nproc ranks. */
export function torchCommand(python: string, jobPath: string, nproc: number): string[] {
  const train = ['-m', 'gloss_torch.train', jobPath];
  if (nproc <= 1) return [python, ...train];
  return [python, '-m', 'torch.distributed.run', '--standalone', `--nproc-per-node=${nproc}`, ...train];
}

/** Runs one fit in the set-up venv; throws SaeError with the Python side's last words on failure. */
export async function runTorchFit(job: TorchFitJob): Promise<TorchFitResult> {
  const env = findTorchPython();
  if (!env.ok) throw new SaeError(env.reason);
  const nproc = job.nproc ?? 1;
  if (!Number.isInteger(nproc) || nproc < 1) throw new SaeError(`nproc must be a positive integer, got ${nproc}`);
  if (job.settings.batch % nproc !== 0)
    throw new SaeError(
      `batch ${job.settings.batch} must be divisible by nproc ${nproc} (each rank takes an equal slice)`,
    );
  await mkdir(job.work, { recursive: true });
  const jobPath = join(job.work, 'job.json');
  await writeFile(
    jobPath,
    JSON.stringify(
      {
        cache: job.cache,
        held_out_fraction: job.heldOutFraction,
        options: pickSettings(job.settings),
        mean: Array.from(job.mean),
        scale: job.scale,
        eval_rows: job.evalRows ?? 4096,
        eval_every: job.evalEvery,
        progress_every: job.progressEvery,
        device: job.device ?? 'cpu',
        threads: job.threads,
        work: job.work,
      },
      null,
      2,
    ) + '\n',
  );
  const [cmd, ...args] = torchCommand(env.python, jobPath, nproc);
  await runPython(cmd, args, job);
  return readFit(job.work, job.settings);
}

const SETTING_KEYS = [
  'd',
  'width',
  'k',
  'lr',
  'batch',
  'steps',
  'seed',
  'kAux',
  'auxCoef',
  'deadTokens',
  'beta1',
  'beta2',
  'eps',
  'warmupSteps',
  'decayFraction',
] as const satisfies readonly (keyof TorchSettings)[];

/** Exactly the settings gloss_torch's Settings takes (a ResolvedOptions carries more). */
function pickSettings(s: TorchSettings): TorchSettings {
  return Object.fromEntries(SETTING_KEYS.map((k) => [k, s[k]])) as unknown as TorchSettings;
}

function runPython(cmd: string, args: string[], job: TorchFitJob): Promise<void> {
  const log = job.log ?? (() => undefined);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: TORCH_DIR,
      env: { ...process.env, PYTHONPATH: TORCH_DIR, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onAbort = () => child.kill('SIGINT');
    job.signal?.addEventListener('abort', onAbort, { once: true });
    let tail = '';
    let buf = '';
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('@gloss ')) {
          const msg = JSON.parse(line.slice(7)) as { type: string; step: number; total: number; metrics?: object };
          if (msg.type === 'progress') job.onProgress?.(msg.step, msg.total, msg.metrics as Record<string, unknown>);
        } else if (line.trim()) log(`torch: ${line.trimEnd()}`);
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      tail = (tail + b.toString()).slice(-8000);
    });
    child.on('error', (e) => reject(new SaeError(`cannot start ${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      job.signal?.removeEventListener('abort', onAbort);
      if (code === 0) resolve();
      else {
        const lines = tail.trim().split('\n');
        // torchrun's summary hides a rank's own last words ("terminate called …"): show the first of them too
        const cause = lines.find(
          (l) => /terminate called|Fatal Python error|Error:|Exception:/.test(l) && !/ChildFailedError/.test(l),
        );
        const last = lines.slice(-6).join('\n');
        reject(
          new SaeError(
            `the PyTorch engine failed (exit ${code}):\n${cause && !last.includes(cause) ? `${cause}\n` : ''}${last}`,
          ),
        );
      }
    });
  });
}

async function readFit(work: string, s: TorchSettings): Promise<TorchFitResult> {
  const path = join(work, 'fit.safetensors');
  const bytes = await readFile(path);
  const file = parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
  const get = (name: string, n: number): Float32Array => {
    const t = file.tensors.get(name);
    if (!t) throw new SaeError(`${path}: missing tensor ${name}`);
    const a = tensorToF32(t, `${path}: ${name}`);
    if (a.length !== n) throw new SaeError(`${path}: ${name} has ${a.length} values, expected ${n}`);
    return a;
  };
  const { d, width: m } = s;
  const params: SaeParams = {
    d,
    m,
    We: get('encoder.weight', m * d),
    Wd: get('W_dec', m * d),
    be: get('encoder.bias', m),
    bd: get('b_dec', d),
  };
  const sinceFired = Float64Array.from(get('since_fired', m));
  const fit = JSON.parse(await readFile(join(work, 'fit.json'), 'utf8')) as {
    step: number;
    seconds: number;
    history: Record<string, number>[];
    device: string;
    device_name: string;
    ranks: number;
    threads: number;
    dead_fraction: number;
    versions: Record<string, string>;
  };
  return {
    params,
    sinceFired,
    step: fit.step,
    seconds: fit.seconds,
    history: fit.history,
    device: fit.device,
    deviceName: fit.device_name,
    ranks: fit.ranks,
    threads: fit.threads,
    deadFraction: fit.dead_fraction,
    versions: fit.versions,
  };
}

/**
 * The trainer's fit on the PyTorch engine (sae/trainer.ts's ExternalFitter, with looser settings and
 * progress types for callers outside the trainer): work files in <out>/torch, or a temporary folder.
 * Throws SaeError when Python fails, stops short, or is interrupted (it writes no checkpoint).
 */
export async function fitSaeTorch(
  o: Omit<TorchFitJob, 'work'> & { out?: string },
): Promise<ExternalFitResult & { ranks: number; deviceName: string }> {
  const work = o.out ? join(o.out, 'torch') : await mkdtemp(join(tmpdir(), 'gloss-torch-'));
  const fit = await runTorchFit({ ...o, work }).catch((e: unknown) => {
    // Ctrl-C stops Python mid-run: nothing to read back, and nothing to resume from.
    if (o.signal?.aborted) throw new SaeError('interrupted: the torch engine writes no checkpoint; rerun to train');
    throw e;
  });
  if (fit.step < o.settings.steps)
    throw new SaeError(`the PyTorch engine stopped at step ${fit.step} of ${o.settings.steps}`);
  const { sinceFired: _s, versions: _v, ...rest } = fit;
  return { ...rest, interrupted: false };
}
