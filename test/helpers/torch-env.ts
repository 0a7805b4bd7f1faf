// The PyTorch engine's venv for tests: found as `--engine torch` finds it ($GLOSS_TORCH_VENV or
// ~/.cache/gloss/torch, made by `gloss-train setup-torch`); tests that need it skip, saying so,
// where it is absent (or fail, where CI requires them: GLOSS_TORCH_REQUIRED=1). `runPython` runs a
// snippet or module in it with gloss_torch importable.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { findTorchPython, TORCH_DIR } from '../../offline-training/torch/venv.ts';

export const torchEnv = findTorchPython();

/**
 * Logs why the torch tests skip (once per file) and returns whether they can run; with
 * GLOSS_TORCH_REQUIRED=1 (CI, after setup-torch) a missing venv throws instead, failing the file.
 */
export function haveTorch(file: string): boolean {
  if (!torchEnv.ok && process.env.GLOSS_TORCH_REQUIRED === '1')
    throw new Error(`${file}: GLOSS_TORCH_REQUIRED=1 but ${torchEnv.reason}`);
  if (!torchEnv.ok) console.warn(`${file}: skipped: ${torchEnv.reason}`);
  return torchEnv.ok;
}

const run = promisify(execFile);

/** Runs the venv's Python with `args` (cwd and PYTHONPATH the gloss_torch folder); returns stdout. */
export async function runPython(args: string[], env: Record<string, string> = {}): Promise<string> {
  if (!torchEnv.ok) throw new Error(torchEnv.reason);
  const { stdout } = await run(torchEnv.python, args, {
    cwd: TORCH_DIR,
    env: { ...process.env, PYTHONPATH: TORCH_DIR, SPARSIFY_DISABLE_TRITON: '1', ...env },
    maxBuffer: 64 * 2 ** 20,
  });
  return stdout;
}

const RANKS_LOCK = join(tmpdir(), 'gloss-test-torch-ranks.lock');

/** Whether process `pid` is alive (signal 0 checks without sending). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while no other test process runs a multi-rank (torchrun, gloo) job: a rank was seen to
 * abort (SIGABRT) once when two 2-rank jobs from two test files ran side by side on 2 cores, and
 * never alone. The lock is a directory (mkdir is atomic) holding its owner's pid; a lock whose owner
 * died is taken over. Waits up to `waitMs`, then throws.
 */
export async function oneMultiRankJobAtATime<T>(fn: () => Promise<T>, waitMs = 900_000): Promise<T> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      await mkdir(RANKS_LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(await readFile(join(RANKS_LOCK, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(owner) && !alive(owner)) await rm(RANKS_LOCK, { recursive: true, force: true });
      else if (Date.now() > until)
        throw new Error(`waited ${waitMs} ms for ${RANKS_LOCK} (held by pid ${owner})`, { cause: e });
      else await sleep(250);
    }
  }
  try {
    await writeFile(join(RANKS_LOCK, 'pid'), String(process.pid));
    return await fn();
  } finally {
    await rm(RANKS_LOCK, { recursive: true, force: true });
  }
}
