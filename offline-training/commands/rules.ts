// gloss-train rules: chosen candidates as rules.json plus a review sheet for a person to edit.
import type { Command } from 'commander';
import { z } from 'zod';
import { readFile } from 'node:fs/promises';
import { defineCommand } from './define.ts';
import { UsageError } from '../util/errors.ts';
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
    const maxQ = o.maxQ ?? 0.1;
    if (!o.features?.length) {
      // What makeRules would choose, checked before it writes an empty rules.json.
      const text = await readFile(o.candidates, 'utf8').catch(() => undefined);
      const cands =
        text === undefined
          ? undefined
          : (JSON.parse(text) as { candidates?: { mhQ: number; lor: number }[] }).candidates;
      if (cands && !cands.some((c) => c.mhQ <= maxQ && c.lor > 0))
        throw new UsageError(
          `nothing to write: none of the ${cands.length} candidates in ${o.candidates} has q <= ${maxQ} with a positive log-odds ratio; raise --max-q, pick features by hand (--features ids), or mine more prompts`,
        );
    }
    const { makeRules } = await import('../mine/rules.ts');
    const file = await makeRules(o);
    if (file.rules.length === 0)
      throw new UsageError(
        `nothing to write: no rules came of the chosen candidates; pick features by hand (--features ids)`,
      );
    return `wrote ${o.out} (${file.rules.length} rules) and its review sheet: read and edit the glosses before export`;
  });
}
