// Where the PyTorch engine's Python environment lives and how to find it: a venv that
// `gloss-train setup-torch` creates ($GLOSS_TORCH_VENV, default ~/.cache/gloss/torch) holding
// requirements.txt's pinned packages, with a marker naming the requirements it was built from.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This folder: the Python package gloss_torch and the requirements files. */
export const TORCH_DIR = dirname(fileURLToPath(import.meta.url));

/** The marker setup-torch writes into the venv once the install has been checked. */
export const MARKER = 'gloss-torch.json';

/** The venv folder: $GLOSS_TORCH_VENV, else $XDG_CACHE_HOME/gloss/torch (default ~/.cache/gloss/torch). */
export function torchVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GLOSS_TORCH_VENV) return env.GLOSS_TORCH_VENV;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gloss', 'torch');
}

/** The venv's Python executable (bin/python, or Scripts/python.exe on Windows). */
export function venvPython(dir: string): string {
  return process.platform === 'win32' ? join(dir, 'Scripts', 'python.exe') : join(dir, 'bin', 'python');
}

/** sha256 of requirements.txt and requirements.lock: a venv built from other pins is stale. */
export function requirementsHash(): string {
  const h = createHash('sha256');
  for (const f of ['requirements.txt', 'requirements.lock']) h.update(readFileSync(join(TORCH_DIR, f)));
  return h.digest('hex');
}

/** What findTorchPython reports: the Python to run, or why there is none (one line, saying what to run). */
export type TorchEnv = { ok: true; python: string; dir: string } | { ok: false; reason: string };

/** The set-up venv with the current pins, or a one-line reason naming the command that makes it. */
export function findTorchPython(env: NodeJS.ProcessEnv = process.env): TorchEnv {
  const dir = torchVenvDir(env);
  const python = venvPython(dir);
  const marker = join(dir, MARKER);
  if (!existsSync(python) || !existsSync(marker))
    return {
      ok: false,
      reason: `no PyTorch environment in ${dir}: run \`gloss-train setup-torch\` (or set GLOSS_TORCH_VENV to one it made)`,
    };
  let hash: unknown;
  try {
    hash = (JSON.parse(readFileSync(marker, 'utf8')) as { requirements?: unknown }).requirements;
  } catch {
    hash = undefined;
  }
  if (hash !== requirementsHash())
    return {
      ok: false,
      reason: `the PyTorch environment in ${dir} was built from other pins: rebuild it with \`gloss-train setup-torch\``,
    };
  return { ok: true, python, dir };
}
