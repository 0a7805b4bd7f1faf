// gloss-train export: a complete bundle. The detector graph gains a JumpReLU head of the rule
// features only (their encoder rows and thresholds), next to tokenizer, rules, features with labels
// and top contexts, a card, and a manifest with the sha256 of every file and the figures as numbers.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jumpReluHead } from '../sae/feature-runner.ts';
import { loadSae } from '../sae/format.ts';
import { UsageError } from '../util/errors.ts';
import { readJson } from '../util/read-json.ts';
import { readManifest, readVerified } from '../../src/core/bundle/source.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import type { Manifest } from '../../src/core/bundle/manifest.ts';
import { assembleBundle } from './assemble.ts';
import { saveHead } from './head-file.ts';
import { parseRules, parseFeatures, type FeaturesFile, type RulesFile } from '../../src/core/rules/schema.ts';
import type { MiningResult } from '../mine/mine.ts';
import { renderCard, type CardInput } from './card.ts';
import { withHeldOutContexts } from './export-contexts.ts';
import type { HeldOutSources } from './held-out-texts.ts';

/** Inputs of `gloss-train export`. */
export interface ExportOptions {
  detector: string;
  sae: string;
  rules: string;
  candidates?: string;
  out: string;
  int8?: boolean;
  /** float16 W_enc storage in the head (cast to fp32 in the graph). */
  f16Head?: boolean;
  name?: string;
  /** SAE metrics.json written by gloss-train sae (fvu, explained_variance, l0, dead_fraction...). */
  saeMetrics?: string;
  /** evaluation.json written by gloss-train evaluate. */
  evaluation?: string;
  card?: Partial<CardInput>;
  /** Also write the committable trained parts (head.safetensors, rules, features, card, figures) here. */
  trainedOut?: string;
  /** Ship draft rules nobody reviewed (`draft: true`); the card names them. */
  force?: boolean;
  /**
   * Where the held-out texts for features.json's top contexts and labels are (held-out-texts.ts;
   * default ../shared/data and test/data/dev); `false` keeps the mined ones.
   */
  contexts?: HeldOutSources | false;
}

/** A probe latent's label: the one the trainer wrote into the probe rule's evidence, else which probe reads it. */
function probeLabel(rules: RulesFile, feature: number): string {
  const rule = rules.rules.find(
    (r) => r.probe?.features.includes(feature) || r.probe?.context?.features.includes(feature),
  );
  const written = (rule?.evidence as { latent_labels?: Record<string, string> } | undefined)?.latent_labels?.[feature];
  if (written && rule?.probe?.features.includes(feature)) return written;
  return rule?.probe?.context?.features.includes(feature)
    ? `context-gate latent of probe rule ${rule.id} (${rule.probe.context.id})`
    : `probe latent (${rule?.id})`;
}

type LoadedSae = Awaited<ReturnType<typeof loadSae>>;
type ExportHead = ReturnType<typeof jumpReluHead> & { f16?: boolean };

// Reads every input in the original order, so the first unreadable one is the one reported.
async function loadExportInputs(opts: ExportOptions) {
  const source = folderSource(opts.detector);
  const detManifest = await readManifest(source).catch((e) => {
    throw new UsageError(`--detector ${opts.detector}: ${(e as Error).message}`);
  });
  const detector = await readVerified(source, detManifest, 'detector.onnx');
  const tokenizer = await readVerified(source, detManifest, 'tokenizer.json');
  const sae = await loadSae(opts.sae);
  const rules: RulesFile = parseRules(await readJson(opts.rules, 'rules'));
  const drafts = checkRulesExportable(rules, opts);
  const mining = opts.candidates ? await readJson<MiningResult>(opts.candidates, 'candidates') : undefined;
  return { detManifest, detector, tokenizer, sae, rules, drafts, mining };
}

// Refuses an empty rules file and unreviewed drafts (unless --force); returns the draft ids for the card.
function checkRulesExportable(rules: RulesFile, opts: ExportOptions): string[] {
  if (rules.rules.length === 0) throw new UsageError(`${opts.rules} has no rules: nothing to export`);
  const drafts = rules.rules.filter((r) => r.draft).map((r) => r.id);
  if (drafts.length && !opts.force)
    throw new UsageError(
      `${opts.rules}: ${drafts.length} draft rule${drafts.length === 1 ? '' : 's'} nobody reviewed (${drafts.slice(0, 5).join(', ')}${drafts.length > 5 ? ', ...' : ''}): review them (set thresholds and glosses, remove "draft") or pass --force`,
    );
  return drafts;
}

// The head carries the rule latents, the probes' latents and the task gate's latents, each inside the SAE.
function headFeatureIds(rules: RulesFile, sae: LoadedSae): number[] {
  const featureIds = [
    ...new Set([
      ...rules.rules.flatMap((r) => [r.feature, ...(r.probe?.features ?? []), ...(r.probe?.context?.features ?? [])]),
      ...(rules.gate?.features ?? []),
    ]),
  ].sort((a, b) => a - b);
  for (const f of featureIds)
    if (!(f >= 0 && f < sae.d_sae)) throw new UsageError(`rule feature ${f} is outside the SAE's ${sae.d_sae} latents`);
  return featureIds;
}

// One features.json entry per head column: label, threshold and top contexts from mining when it has them.
function buildFeaturesFile(
  featureIds: number[],
  head: ExportHead,
  rules: RulesFile,
  mining: MiningResult | undefined,
): FeaturesFile {
  const byFeature = new Map(mining?.candidates.map((c) => [c.feature, c]) ?? []);
  return parseFeatures({
    version: 1,
    features: featureIds.map((feature, column) => {
      const c = byFeature.get(feature);
      return {
        column,
        feature,
        label:
          c?.label ??
          rules.rules.find((r) => r.feature === feature)?.label ??
          (rules.gate?.features.includes(feature) ? `task-gate latent (${rules.gate.id})` : probeLabel(rules, feature)),
        threshold: Number.isFinite(head.threshold[column]) ? head.threshold[column] : 1e30,
        top_contexts: (c?.top_contexts ?? []).map((x) => ({
          text: x.text,
          start: x.start,
          end: x.end,
          activation: +x.activation.toFixed(4),
          source: x.source,
        })),
      };
    }),
  });
}

// The small trained parts, for committing: build:default reassembles the bundle from them.
async function writeTrainedParts(
  dir: string,
  parts: {
    head: ExportHead;
    featureIds: number[];
    rules: RulesFile;
    features: FeaturesFile;
    card: string;
    saeFigures: Record<string, unknown> | undefined;
    evaluation: Record<string, number> | undefined;
  },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Thresholds belong to the detector's numerics: record the int8 form they were set on.
  await saveHead(
    join(dir, 'head.safetensors'),
    { head: parts.head, features: parts.featureIds },
    { detector_int8: 'u8s8-w7' },
  );
  await writeFile(join(dir, 'rules.json'), JSON.stringify(parts.rules, null, 2) + '\n');
  await writeFile(join(dir, 'features.json'), JSON.stringify(parts.features, null, 1) + '\n');
  await writeFile(join(dir, 'card.md'), parts.card);
  await writeFile(
    join(dir, 'figures.json'),
    JSON.stringify({ sae: parts.saeFigures, evaluation: parts.evaluation }, null, 2) + '\n',
  );
}

/**
 * `gloss-train export`: the bundle folder for the runtime: detector with the SAE head of the rules' features,
 * tokenizer, reviewed rules, features, card and manifest; optionally the small trained parts into `trainedOut`.
 * Throws UsageError for an unreadable input or rules that name features the SAE lacks.
 */
export async function exportBundle(opts: ExportOptions): Promise<Manifest> {
  const { detManifest, detector, tokenizer, sae, rules, drafts, mining } = await loadExportInputs(opts);
  const featureIds = headFeatureIds(rules, sae);
  const head: ExportHead = { ...jumpReluHead(sae, featureIds), ...(opts.f16Head ? { f16: true } : {}) };
  const mined = buildFeaturesFile(featureIds, head, rules, mining);
  // By default every feature gets top contexts and a label from held-out text, through the head it ships with.
  const features =
    opts.contexts === false
      ? mined
      : (await withHeldOutContexts(opts.detector, { ...head, int8: opts.int8 }, mined, opts.contexts)).features;
  const saeMetrics = opts.saeMetrics
    ? await readJson<Record<string, unknown>>(opts.saeMetrics, 'SAE metrics')
    : undefined;
  const evaluation = opts.evaluation
    ? await readJson<Record<string, number>>(opts.evaluation, 'evaluation')
    : undefined;
  const metrics = pickSaeMetrics(saeMetrics);
  const card = renderCard({
    name: opts.name ?? 'bundle',
    detector: detManifest.detector,
    sae: {
      d_in: sae.d_in,
      d_sae: sae.d_sae,
      k: sae.k,
      architecture: String(sae.cfg.architecture ?? sae.architecture),
      features: featureIds.length,
    },
    saeMetrics: metrics,
    evaluation: evaluation ?? {},
    rules: rules.rules,
    mining,
    gate: rules.gate,
    forced: drafts,
    ...opts.card,
  });
  const saeFigures = metrics
    ? { metrics, d_in: sae.d_in, d_sae: sae.d_sae, k: sae.k ?? null, features: featureIds }
    : undefined;
  if (opts.trainedOut)
    await writeTrainedParts(opts.trainedOut, { head, featureIds, rules, features, card, saeFigures, evaluation });
  return assembleBundle({
    out: opts.out,
    name: opts.name ?? 'bundle',
    detectorModel: detector,
    tokenizer,
    detector: detManifest.detector,
    head: { ...head, int8: opts.int8 },
    features,
    rules,
    card,
    sae: saeFigures,
    evaluation,
    createdBy: 'gloss-train export 0.1.0',
  });
}

function pickSaeMetrics(m: Record<string, unknown> | undefined) {
  if (!m) return undefined;
  const src = (m.held_out ?? m) as Record<string, unknown>;
  const num = (k: string) => (typeof src[k] === 'number' ? (src[k] as number) : NaN);
  const out = {
    fvu: num('fvu'),
    explained_variance: num('explained_variance'),
    l0: num('l0'),
    dead_fraction: num('dead_fraction'),
  };
  if (Object.values(out).some((v) => Number.isNaN(v)))
    throw new UsageError(
      `SAE metrics lack one of fvu, explained_variance, l0, dead_fraction (have ${Object.keys(src).join(', ')})`,
    );
  return out;
}
