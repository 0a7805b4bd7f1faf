// gloss-train import-sae: an SAE trained by a library (EleutherAI sparsify, SAELens) made into the
// folder `gloss-train sae` writes, so `mine` and `export` take it.
import type { Command } from 'commander';
import { z } from 'zod';
import { flag, int } from '../util/option-schema.ts';
import { defineCommand } from './define.ts';

/** `gloss-train import-sae` options. */
export const ImportSaeOptions = z
  .object({
    sae: flag(
      z.string(),
      'dir',
      "the library's SAE folder: SAELens (cfg.json + sae_weights.safetensors) or sparsify (cfg.json + sae.safetensors)",
    ),
    cache: flag(z.string(), 'dir', 'activation cache of the same hook (gloss-train extract)'),
    out: flag(z.string(), 'dir', 'output folder (cfg.json + sae_weights.safetensors, jumprelu/, import.json)'),
    calibrationRows: flag(int(1).optional(), 'n', "training rows for a TopK SAE's JumpReLU thresholds", '16384'),
    evalRows: flag(int(1).optional(), 'n', 'held-out rows for the figures in import.json', '32768'),
  })
  .describe('import an SAE trained by sparsify or SAELens (calibrates JumpReLU thresholds for a TopK one)');

/** The `import-sae` command. */
export function importSaeCommand(): Command {
  return defineCommand('import-sae', ImportSaeOptions, async (o) => {
    const { importSae } = await import('../sae/import-sae.ts');
    const r = await importSae({ ...o, log: (msg) => console.error(`gloss-train import-sae: ${msg}`) });
    const fvu = r.held_out ? `, held-out FVU ${r.held_out.fvu.toFixed(4)}` : '';
    const jr = 'f1' in r.jumprelu ? `, JumpReLU F1 vs TopK ${(100 * r.jumprelu.f1).toFixed(1)}%` : '';
    return `wrote ${o.out} from a ${r.source.library} ${r.source.architecture} SAE (d_sae ${r.sae.d_sae}${fvu}${jr}); export it with --sae ${o.out}/jumprelu`;
  });
}
