// The PyTorch engine's venv for tests: found as `--engine torch` finds it ($GLOSS_TORCH_VENV or
// ~/.cache/gloss/torch, made by `gloss-train setup-torch`); tests that need it skip, saying so,
// where it is absent (or fail, where CI requires them: GLOSS_TORCH_REQUIRED=1). `runPython` runs a
// snippet or module in it with gloss_torch importable.
import { execFile } from 'node:child_process';
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
