// gloss-train mine: which SAE features go with the target model's failures (held-out split aside).
import type { Command } from 'commander';
import { z } from 'zod';
import { defineCommand } from './define.ts';
import { flag, int, range } from '../util/option-schema.ts';
import { UsageError } from '../util/errors.ts';

/** `gloss-train mine` options. */
export const MineOptions = z
  .object({
    detector: flag(z.string(), 'dir', 'detector folder'),
    sae: flag(z.string(), 'dir', 'SAE with JumpReLU thresholds (e.g. <sae out>/jumprelu)'),
    outcomes: flag(
      z.string(),
      'file',
      'outcomes JSONL (gloss-train outcomes, or the shared GSM8K test_outcomes.jsonl)',
    ),
    target: flag(z.string(), 'model', 'the model whose failures are mined (e.g. 175b_verification)'),
    out: flag(z.string(), 'dir', 'output folder (candidates.json)'),
    contexts: flag(
      z.array(z.string()).optional(),
      'file',
      'corpus for top activating contexts (default: the outcome prompts)',
    ),
    heldOut: flag(range(0, 1).default(0.3), 'fraction', 'fraction of prompts kept aside'),
    seed: flag(int(0).default(0), 'n', 'split seed'),
    top: flag(int(1).default(40), 'n', 'candidates written with contexts and examples'),
    family: flag(
      z.enum(['all', 'lexical']).default('all'),
      'family',
      'multiple-testing family (lexical: latents whose top word the gloss library knows)',
    ),
  })
  .describe('associate SAE features with LLM failures (held-out split kept aside)');

/** The `mine` command. */
export function mineCommand(): Command {
  return defineCommand('mine', MineOptions, async (o) => {
    const { mine } = await import('../mine/mine.ts');
    const r = await mine({ ...o, progress: true }); // a bar on a terminal, log lines off one
    const sig = r.candidates.filter((c) => c.mhQ <= 0.1).length;
    if (sig === 0)
      throw new UsageError(
        `no candidates: none of ${r.counts.latentsTested} latents has length-controlled q <= 0.1 on ${r.counts.mining} prompts (${o.out}/candidates.json lists the nearest); give more prompts with failures of ${o.target} (--outcomes), a smaller family (--family lexical), or pick features by hand (gloss-train rules --features ids)`,
      );
    return `wrote ${o.out}/candidates.json: ${r.counts.latentsTested} latents tested on ${r.counts.mining} prompts (family ${r.family}: ${r.counts.familySize}); ${sig} with length-controlled q <= 0.1; length-only AUC ${r.lengthBaseline.miningAuc.toFixed(3)}`;
  });
}
