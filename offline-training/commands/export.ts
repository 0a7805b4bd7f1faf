// gloss-train export: the bundle the runtime loads.
import type { Command } from 'commander';
import { z } from 'zod';
import { defineCommand } from './define.ts';
import { flag } from '../util/option-schema.ts';

/** `gloss-train export` options. */
export const ExportOptions = z
  .object({
    detector: flag(z.string(), 'dir', 'detector folder'),
    sae: flag(
      z.string(),
      'dir',
      'JumpReLU SAE: jumprelu/ of gloss-train sae or import-sae, or a SAELens JumpReLU folder',
    ),
    rules: flag(z.string(), 'file', 'reviewed rules.json'),
    out: flag(z.string(), 'dir', 'bundle folder'),
    candidates: flag(z.string().optional(), 'file', 'candidates.json (labels, top contexts, mining figures)'),
    saeMetrics: flag(z.string().optional(), 'file', 'metrics.json of the SAE'),
    evaluation: flag(z.string().optional(), 'file', 'evaluation.json'),
    int8: flag(z.boolean().default(false), '', 'int8 weights in the SAE head'),
    f16Head: flag(z.boolean().default(false), '', 'float16 W_enc in the SAE head (half the bytes, fp32 math)'),
    name: flag(z.string().optional(), 'name', 'bundle name'),
    trainedOut: flag(
      z.string().optional(),
      'dir',
      'also write the small trained parts (head.safetensors, rules, features, card, figures) here',
    ),
    trainingData: flag(z.string().optional(), 'text', "the card's training-data section (markdown)"),
    force: flag(z.boolean().default(false), '', 'ship draft rules nobody reviewed (the card names them)'),
  })
  .describe('write a bundle: detector + SAE head of the rule features, tokenizer, rules, features, card, manifest');

/** The `export` command. */
export function exportCommand(): Command {
  return defineCommand('export', ExportOptions, async (o) => {
    const { exportBundle } = await import('../bundle/export.ts');
    const { trainingData, ...rest } = o;
    const m = await exportBundle({ ...rest, card: trainingData ? { trainingData } : undefined });
    return `wrote bundle ${o.out} (${m.name}): ${Object.keys(m.files).join(', ')}`;
  });
}
