// gloss-train setup-torch: the Python side of `--engine torch` (a venv with PyTorch from PyPI,
// EleutherAI sparsify, SAELens, transformers, gguf at the pinned versions), made once and kept.
import type { Command } from 'commander';
import { z } from 'zod';
import { flag } from '../util/option-schema.ts';
import { defineCommand } from './define.ts';

/** `gloss-train setup-torch` options. */
export const SetupTorchOptions = z
  .object({
    venv: flag(z.string().optional(), 'dir', 'venv folder', '$GLOSS_TORCH_VENV, else ~/.cache/gloss/torch'),
    python: flag(z.string().default('python3'), 'exe', 'Python >= 3.10 that creates the venv'),
    force: flag(z.boolean().default(false), '', 'rebuild even when the venv matches the pins'),
  })
  .describe('create the PyTorch environment --engine torch runs in (a venv with the pinned packages)');

/** Renders a byte count as GB or MB. */
function size(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** The `setup-torch` command: installs (or keeps) the venv and says where, how long and how big. */
export function setupTorchCommand(): Command {
  return defineCommand('setup-torch', SetupTorchOptions, async (o) => {
    const { setupTorch } = await import('../torch/setup.ts');
    const { torchVenvDir } = await import('../torch/venv.ts');
    const r = await setupTorch({
      dir: o.venv,
      python: o.python,
      force: o.force,
      log: (msg) => console.error(`gloss-train setup-torch: ${msg}`),
    });
    const v = r.versions;
    const what = `torch ${v.torch}, sparsify ${v.sparsify}, sae-lens ${v.sae_lens}, transformers ${v.transformers}; CUDA ${v.cuda ? 'available' : 'not available (cpu)'}`;
    const cost = r.installed
      ? `installed in ${r.seconds.toFixed(0)} s, ${size(r.bytes)} on disk`
      : `already up to date (${size(r.bytes)} on disk)`;
    const find = r.dir === torchVenvDir() ? '' : `; set GLOSS_TORCH_VENV=${r.dir} so --engine torch finds it`;
    return `PyTorch environment in ${r.dir}: ${cost}; ${what}${find}`;
  });
}
