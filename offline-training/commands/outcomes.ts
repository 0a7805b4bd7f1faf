// gloss-train outcomes: ask an LLM every task of a task set and record whether it was right.
import type { Command } from 'commander';
import { z } from 'zod';
import { runOutcomesCli } from './llm-cli.ts';
import { defineCommand } from './define.ts';
import { flag } from '../util/option-schema.ts';
import { EndpointOptions } from './endpoint-options.ts';

/** `gloss-train outcomes` options: the task set, the outcomes file, and the endpoint. */
export const OutcomesOptions = z
  .object({
    tasks: flag(z.string(), 'file', 'JSONL task set: question/prompt and answer ("#### n") or label (1/0)'),
    out: flag(z.string(), 'file', 'outcomes JSONL to append to; rerun the same command to resume'),
    ...EndpointOptions.shape,
  })
  .describe('ask an LLM every task of a task set, score its answers, append them to an outcomes JSONL (resumable)');

/** The `outcomes` command (prints the outcomes summary; see runOutcomesCli). */
export function outcomesCommand(): Command {
  return defineCommand('outcomes', OutcomesOptions, async (o) => {
    const s = await runOutcomesCli(o); // prints the summary
    return `appended ${s.n} scored answers to ${o.out}`;
  });
}

/** Registers `outcomes` on `program` (for tests that build their own program). */
export function addOutcomesCommand(program: Command): Command {
  const cmd = outcomesCommand();
  program.addCommand(cmd);
  return cmd;
}
