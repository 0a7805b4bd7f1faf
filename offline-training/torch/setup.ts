// `gloss-train setup-torch`: creates the PyTorch engine's venv and installs the pinned packages
// (PyTorch from PyPI as a GPU host installs it, EleutherAI sparsify, SAELens, transformers, gguf),
// checks that they import, and writes the marker findTorchPython looks for. A venv whose marker
// matches the current pins is left as it is (CI keeps it between runs).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UsageError } from '../util/errors.ts';
import { MARKER, requirementsHash, TORCH_DIR, torchVenvDir, venvPython } from './venv.ts';

/** Where to set up, with which Python, and whether to rebuild a current venv. */
export interface SetupTorchOptions {
  /** venv folder (default: $GLOSS_TORCH_VENV or ~/.cache/gloss/torch). */
  dir?: string;
  /** Python >= 3.10 that creates the venv (default: python3). */
  python?: string;
  /** Rebuild even when the venv matches the pins. */
  force?: boolean;
  /** Extra arguments for pip install (e.g. --index-url for another CUDA build of torch). */
  pipArgs?: string[];
  log?: (msg: string) => void;
}

/** What setup did: the venv, its Python, whether it installed anything, and how long that took. */
export interface SetupTorchResult {
  dir: string;
  python: string;
  installed: boolean;
  seconds: number;
  /** Bytes the venv takes on disk (what the install cost). */
  bytes: number;
  versions: Record<string, string>;
}

/** Bytes under `dir` (files and links, not following links). */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await dirBytes(p);
    else total += (await lstat(p)).size;
  }
  return total;
}

function run(cmd: string, args: string[], log: (msg: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let tail = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      for (const line of b.toString().split('\n')) if (line.trim()) log(line.trimEnd());
    });
    child.stderr.on('data', (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    });
    child.on('error', (e) => reject(new UsageError(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new UsageError(`${cmd} ${args.slice(0, 3).join(' ')} ... failed (exit ${code}): ${tail.trim()}`));
    });
  });
}

const CHECK = [
  'import json, torch, sparsify, sae_lens, transformers, gguf, numpy',
  'print(json.dumps({"torch": torch.__version__, "sparsify": sparsify.__version__, "sae_lens": sae_lens.__version__,',
  ' "transformers": transformers.__version__, "gguf": getattr(gguf, "__version__", "?"), "numpy": numpy.__version__,',
  ' "cuda": torch.cuda.is_available()}))',
].join('\n');

/** Creates (or keeps) the venv and installs requirements.txt with requirements.lock as constraints. */
export async function setupTorch(o: SetupTorchOptions = {}): Promise<SetupTorchResult> {
  const log = o.log ?? (() => undefined);
  const dir = o.dir ?? torchVenvDir();
  const python = venvPython(dir);
  const hash = requirementsHash();
  const marker = join(dir, MARKER);
  if (!o.force && existsSync(python) && existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as {
      requirements?: string;
      versions?: Record<string, string>;
      bytes?: number;
    };
    if (m.requirements === hash)
      return {
        dir,
        python,
        installed: false,
        seconds: 0,
        bytes: m.bytes ?? (await dirBytes(dir)),
        versions: m.versions ?? {},
      };
  }
  const t0 = performance.now();
  if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  log(`creating a venv in ${dir}`);
  await run(o.python ?? 'python3', ['-m', 'venv', dir], log);
  log('installing the pinned packages (PyTorch from PyPI is several GB with its CUDA libraries)');
  await run(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--progress-bar',
      'off',
      '-r',
      join(TORCH_DIR, 'requirements.txt'),
      '-c',
      join(TORCH_DIR, 'requirements.lock'),
      ...(o.pipArgs ?? []),
    ],
    (line) => {
      if (/^(Collecting|Successfully installed)/.test(line)) log(line);
    },
  );
  const versions = JSON.parse((await run(python, ['-c', CHECK], () => undefined)).trim().split('\n').pop()!) as Record<
    string,
    string
  >;
  const seconds = (performance.now() - t0) / 1000;
  const bytes = await dirBytes(dir);
  await writeFile(marker, JSON.stringify({ requirements: hash, versions, seconds, bytes }, null, 2) + '\n');
  return { dir, python, installed: true, seconds, bytes, versions };
}
