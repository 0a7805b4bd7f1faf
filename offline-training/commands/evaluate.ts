// gloss-train evaluate: held-out detection and metaphor figures, or (--uplift) the A/B accuracy
// of an LLM on original vs glossed prompts.
import type { Command } from 'commander';
import { z } from 'zod';
import { UsageError } from '../util/errors.ts';
import { runUpliftCli } from './llm-cli.ts';
import { defineCommand } from './define.ts';
import { flag } from '../util/option-schema.ts';
import { EndpointOptions, UpliftOptions } from './endpoint-options.ts';

/** `gloss-train evaluate` options (the endpoint and uplift ones matter with --uplift only). */
export const EvaluateOptions = z
  .object({
    out: flag(z.string().optional(), 'dir', 'output folder (evaluation.json, evaluation-details.json)'),
    uplift: flag(
      z.boolean().default(false),
      '',
      'A/B: ask an OpenAI-compatible endpoint with original and glossed prompts (needs --tasks, --base-url, --model)',
    ),
    tasks: flag(z.string().optional(), 'file', 'task set for --uplift (JSONL)'),
    bundle: flag(z.string().default('models/default'), 'dir', 'bundle whose rewriter --uplift uses'),
    task: flag(z.string().default('gsm8k'), 'name', 'prefix of the detection figures in evaluation.json'),
    candidates: flag(z.string().optional(), 'file', 'candidates.json from gloss-train mine'),
    rules: flag(z.string().optional(), 'file', 'rules.json'),
    detector: flag(z.string().optional(), 'dir', 'detector folder (metaphor)'),
    sae: flag(z.string().optional(), 'dir', 'SAE with thresholds (metaphor)'),
    vuaTrain: flag(z.string().optional(), 'file', 'VUA training split (metaphor)'),
    vuaVal: flag(z.string().optional(), 'file', 'VUA validation split (metaphor)'),
    vuaTest: flag(z.string().optional(), 'file', 'VUA test split (metaphor)'),
    mohx: flag(z.string().optional(), 'file', 'MOH-X data set (metaphor)'),
    ...EndpointOptions.shape,
    ...UpliftOptions.shape,
  })
  .describe(
    'held-out detection AUC (rules, best features, length baseline), metaphor F1, and with --uplift the A/B accuracy of an LLM on original vs glossed prompts',
  );

/** The `evaluate` command. */
export function evaluateCommand(): Command {
  return defineCommand('evaluate', EvaluateOptions, async (o) => {
    if (o.uplift) {
      if (!o.tasks) throw new UsageError('--uplift needs --tasks <file>');
      const r = await runUpliftCli({ ...o, tasks: o.tasks }); // prints the report
      return `uplift measured on ${r.all.n} tasks${o.json ? `; wrote ${o.json}` : ''}`;
    }
    if (!o.out) throw new UsageError('evaluate needs --out <dir>');
    const { evaluate } = await import('./evaluate-run.ts');
    const r = await evaluate({ ...o, out: o.out });
    console.log(
      Object.entries(r.summary)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join('\n'),
    );
    return `wrote ${o.out}/evaluation.json and evaluation-details.json`;
  });
}
