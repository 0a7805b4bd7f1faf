// gloss-train rules: chosen candidates as rules.json plus a review sheet for a person to edit.
import type { Command } from 'commander';
import { z } from 'zod';
import { defineCommand } from './define.ts';
import { flag, int, number } from '../util/option-schema.ts';

/** `gloss-train rules` options. */
export const RulesOptions = z
  .object({
    candidates: flag(z.string(), 'file', 'candidates.json from gloss-train mine'),
    out: flag(z.string(), 'file', 'rules.json to write'),
    features: flag(z.array(int(0)).optional(), 'ids', 'comma-separated feature ids (default: q <= --max-q)'),
    maxQ: flag(number().default(0.1), 'q', 'length-controlled q-value cut-off'),
    max: flag(int(1).default(8), 'n', 'most rules'),
  })
  .describe('turn chosen candidates into rules.json (plus a review sheet) for a person to edit');

/** The `rules` command. */
export function rulesCommand(): Command {
  return defineCommand('rules', RulesOptions, async (o) => {
    const { makeRules } = await import('../mine/rules.ts');
    const file = await makeRules(o);
    return `wrote ${o.out} (${file.rules.length} rules) and its review sheet: read and edit the glosses before export`;
  });
}
