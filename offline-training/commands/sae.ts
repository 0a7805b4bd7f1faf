// gloss-train sae: a TopK SAE trained on an activation cache; every setting of sae/options.ts is a flag.
// --engine torch trains on PyTorch (torch/train-sae.ts) and writes the same folder.
import type { Command } from 'commander';
import { z } from 'zod';
import { flag } from '../util/option-schema.ts';
import { SaeSettings } from '../sae/options.ts';
import { defineCommand } from './define.ts';
import { jobProgress } from '../util/progress.ts';

/** `gloss-train sae` options: the cache, the output folder, and the training settings. */
export const SaeOptions = z
  .object({
    cache: flag(z.string(), 'dir', 'activation cache from gloss-train extract'),
    out: flag(
      z.string(),
      'dir',
      'output folder (cfg.json + sae_weights.safetensors, jumprelu/, metrics.json, summary.txt)',
    ),
    ...SaeSettings.shape,
  })
  .describe('train a TopK sparse autoencoder on an activation cache (with JumpReLU thresholds)');

/** The `sae` command: trains, draws progress, stops cleanly (with a checkpoint) on Ctrl-C. */
export function saeCommand(): Command {
  return defineCommand('sae', SaeOptions, async (o) => {
    const { trainSaeOnEngine } = await import('../torch/train-sae.ts');
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    const bar = jobProgress(
      'sae [{bar}] {value}/{total} steps | fvu {fvu} | l0 {l0} | dead {dead} | eta {eta_formatted}',
    );
    const res = await trainSaeOnEngine({
      ...o,
      signal: ac.signal,
      log: (msg) => console.error(`gloss-train sae: ${msg}`),
      onProgress: (step, total, m) =>
        bar.update(step, total, {
          fvu: m.fvu.toFixed(4),
          l0: m.l0.toFixed(1),
          dead: `${(m.dead_fraction * 100).toFixed(1)}%`,
        }),
    }).finally(() => {
      bar.stop();
      process.off('SIGINT', stop);
    });
    if (res.interrupted) return `interrupted at step ${res.step}: checkpoint in ${o.out}; rerun with --resume`;
    const h = res.metrics!.held_out;
    return `wrote ${o.out}: held-out FVU ${h.fvu.toFixed(4)}, L0 ${h.l0.toFixed(1)}, dead ${(h.dead_fraction * 100).toFixed(1)}%`;
  });
}
