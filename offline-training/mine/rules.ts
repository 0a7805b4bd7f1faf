// gloss-train rules: chosen mining candidates -> rules.json entries with evidence, plus a review
// sheet. The file is meant to be read and edited by a person before it ships.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UsageError } from '../util/errors.ts';
import { parseRules, type Rule, type RulesFile } from '../../src/core/rules/schema.ts';
import type { Candidate, MiningResult } from './mine.ts';
import { wordsOf } from './contexts.ts';
import { auc } from '../learn/stats.ts';
import { pickTemplate } from './gloss-templates.ts';

/** Inputs and settings of `gloss-train rules`. */
export interface RulesOptions {
  candidates: string;
  out: string;
  /** Explicit feature ids; default: candidates with length-controlled q <= maxQ. */
  features?: number[];
  maxQ?: number;
  max?: number;
  /** Draft glosses with an LLM instead of the template library. */
  draft?: (c: Candidate) => Promise<string>;
}

/** The words a candidate fires on in its top contexts, most frequent first. */
export function topWords(c: Candidate): string[] {
  return wordsOf(c.top_contexts);
}

/** Held-out AUC of one feature's prompt-level max activation as a failure score. */
export function heldOutAuc(result: MiningResult, feature: number): number {
  const held = result.prompts.filter((p) => p.heldOut);
  return auc(
    held.map((p) => p.max[String(feature)] ?? 0),
    held.map((p) => p.failed),
  );
}

/**
 * `gloss-train rules`: draft rules (one per chosen candidate, with a gloss template and its evidence) written to
 * `out`, plus a review sheet beside it. Throws UsageError for unreadable candidates or unknown feature ids.
 */
export async function makeRules(opts: RulesOptions): Promise<RulesFile> {
  let result: MiningResult;
  try {
    result = JSON.parse(await readFile(opts.candidates, 'utf8')) as MiningResult;
  } catch (e) {
    throw new UsageError(`cannot read candidates ${opts.candidates}: ${(e as Error).message}`);
  }
  const byId = new Map(result.candidates.map((c) => [c.feature, c]));
  let chosen: Candidate[];
  if (opts.features?.length) {
    chosen = opts.features.map((f) => {
      const c = byId.get(f);
      if (!c)
        throw new UsageError(
          `feature ${f} is not among the mined candidates (have ${[...byId.keys()].slice(0, 10).join(', ')}...)`,
        );
      return c;
    });
  } else {
    chosen = result.candidates.filter((c) => c.mhQ <= (opts.maxQ ?? 0.1) && c.lor > 0).slice(0, opts.max ?? 8);
  }
  const rules: Rule[] = [];
  for (const [i, c] of chosen.entries()) {
    const words = topWords(c);
    const t = pickTemplate(words);
    const gloss = opts.draft ? await opts.draft(c) : t.gloss;
    rules.push({
      id: `f${c.feature}-${t.key}`,
      feature: c.feature,
      // The head's JumpReLU threshold already gates the feature, and mining counted any positive
      // activation as firing: the rule fires on exactly what the statistics measured.
      threshold: 1e-6,
      scope: 'span',
      placement: t.placement,
      gloss,
      priority: chosen.length - i,
      label: `${c.label} (feature ${c.feature})`.slice(0, 120),
      draft: true, // until a person reviews it: export refuses drafts unless forced
      evidence: {
        support: c.support,
        lift: +c.lift.toFixed(4),
        q_value: +Math.min(1, c.mhQ).toPrecision(4),
        heldout_auc: +heldOutAuc(result, c.feature).toFixed(4),
        datasets: [basename(result.outcomes), `target:${result.target}`],
      },
    } as Rule);
  }
  const file = parseRules({ version: 1, rules });
  await writeFile(join(opts.out), JSON.stringify(file, null, 2) + '\n');
  await writeFile(opts.out.replace(/\.json$/, '') + '.review.md', reviewSheet(result, chosen, file));
  return file;
}

function reviewSheet(result: MiningResult, chosen: Candidate[], file: RulesFile): string {
  const lines = [
    `# Rules to review (${file.rules.length})`,
    '',
    `Mined from ${result.outcomes}, target ${result.target}: ${result.counts.mining} mining prompts (${result.counts.miningFailures} failures), ${result.counts.heldOut} held out.`,
    'Edit glosses in rules.json; delete rules that do not make sense. Each gloss must be true wherever the feature fires.',
    '',
  ];
  chosen.forEach((c, i) => {
    const r = file.rules[i];
    lines.push(
      `## ${r.id}: ${c.label}`,
      '',
      `gloss: ${r.gloss}`,
      '',
      `support ${c.support}, fail rate ${c.failRateFiring.toFixed(2)} vs ${c.failRateSilent.toFixed(2)}, lift ${c.lift.toFixed(2)}, MH OR ${c.mhOr.toFixed(2)} (q ${c.mhQ.toPrecision(2)}), held-out AUC ${r.evidence.heldout_auc}`,
      '',
      'top contexts:',
    );
    for (const x of c.top_contexts.slice(0, 5))
      lines.push(
        `- ${x.text.slice(0, x.start)}**${x.text.slice(x.start, x.end)}**${x.text.slice(x.end)} (${x.activation.toFixed(2)})`,
      );
    lines.push('', 'failed examples:');
    for (const e of c.examples.slice(0, 2))
      lines.push(`- ${e.prompt.slice(0, 200)} → answered ${e.answer ?? '?'}, gold ${e.gold ?? '?'}`);
    lines.push('');
  });
  return lines.join('\n');
}
