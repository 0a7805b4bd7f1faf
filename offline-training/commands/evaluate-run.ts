// gloss-train evaluate: held-out detection quality and metaphor detection, written as flat numbers
// (evaluation.json, what the bundle manifest carries) and in full (evaluation-details.json).
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../util/errors.ts';
import { readJson } from '../util/read-json.ts';
import { parseRules } from '../../src/core/rules/schema.ts';
import { loadSae } from '../sae/format.ts';
import { createFeatureRunner } from '../sae/feature-runner.ts';
import { countedRunner } from '../sae/counted-runner.ts';
import type { MiningResult } from '../mine/mine.ts';
import { evaluateDetection, type DetectionEvaluation } from '../evaluate/detection.ts';
import { evaluateMetaphor, type MetaphorResult } from '../evaluate/metaphor.ts';
import { readVerbCsv } from '../data/verb-csv.ts';
import { progressBar } from '../util/progress.ts';

/** Inputs of `gloss-train evaluate` (detection and metaphor); paths are files or folders as named. */
export interface EvaluateOptions {
  out: string;
  candidates?: string;
  rules?: string;
  /** Metaphor: detector folder + SAE (with thresholds) + the VUA/MOH-X CSV files. */
  detector?: string;
  sae?: string;
  vuaTrain?: string;
  vuaVal?: string;
  vuaTest?: string;
  mohx?: string;
  /** Use only the first N rows of each metaphor file (quick runs). */
  limit?: number;
  /** Prefix for the flat detection figures (default gsm8k). */
  task?: string;
}

/**
 * What evaluate returns and writes: the flat figures (evaluation.json) and the details (evaluation-
 * details.json).
 */
export interface EvaluationFiles {
  summary: Record<string, number>;
  detection?: DetectionEvaluation;
  metaphor?: MetaphorResult;
}

/**
 * `gloss-train evaluate` without --uplift: held-out detection (with --candidates and --rules) and metaphor F1
 * (with the VUA files), written to `out`/evaluation.json (flat figures) and evaluation-details.json. Throws
 * UsageError when a needed file is missing.
 */
export async function evaluate(opts: EvaluateOptions): Promise<EvaluationFiles> {
  const summary: Record<string, number> = {};
  const res: EvaluationFiles = { summary };
  const task = opts.task ?? 'gsm8k';
  if (opts.candidates || opts.rules) {
    if (!opts.candidates || !opts.rules)
      throw new UsageError('detection evaluation needs both --candidates and --rules');
    const mining = await readJson<MiningResult>(opts.candidates, 'candidates');
    const rules = parseRules(await readJson(opts.rules, 'rules'));
    const d = evaluateDetection(mining, rules);
    res.detection = d;
    Object.assign(summary, {
      [`${task}_auc`]: d.rulesAuc,
      [`${task}_length_baseline_auc`]: d.lengthAuc,
      [`${task}_length_plus_rules_auc`]: d.lengthPlusRulesAuc,
      [`${task}_best_feature_auc`]: Math.max(...d.bestFeatures.map((f) => f.heldOutAuc)),
      [`${task}_rules_coverage`]: d.rulesCoverage,
      [`${task}_fail_rate_fired`]: d.failRateWhenFired,
      [`${task}_fail_rate_silent`]: d.failRateWhenSilent,
      [`${task}_heldout_prompts`]: d.heldOut,
    });
  }
  if (opts.vuaTrain || opts.vuaVal || opts.vuaTest || opts.mohx) {
    if (!opts.detector || !opts.sae || !opts.vuaTrain || !opts.vuaVal || !opts.vuaTest) {
      throw new UsageError(
        'metaphor evaluation needs --detector, --sae, --vua-train, --vua-val and --vua-test (and optionally --mohx)',
      );
    }
    const sae = await loadSae(opts.sae);
    const runner = await createFeatureRunner(opts.detector, sae);
    // Progress over every sentence the readout runs the detector on (a bar, or log lines off a TTY).
    const files = [opts.vuaTrain, opts.vuaVal, opts.vuaTest, ...(opts.mohx ? [opts.mohx] : [])];
    const total = (await Promise.all(files.map((f) => readVerbCsv(f, opts.limit)))).reduce((n, xs) => n + xs.length, 0);
    const bar = progressBar('metaphor [{bar}] {value}/{total} sentences | eta {eta_formatted}');
    bar.start(total, 0);
    const counted = countedRunner(runner, bar);
    try {
      const m = await evaluateMetaphor(
        counted,
        { train: opts.vuaTrain, val: opts.vuaVal, test: opts.vuaTest, mohx: opts.mohx },
        opts.limit,
      );
      res.metaphor = m;
      Object.assign(summary, {
        vua_f1: m.vua.test.f1,
        vua_precision: m.vua.test.precision,
        vua_recall: m.vua.test.recall,
      });
      if (m.mohx)
        Object.assign(summary, { mohx_f1: m.mohx.f1, mohx_precision: m.mohx.precision, mohx_recall: m.mohx.recall });
    } finally {
      bar.stop();
      await runner.release();
    }
  }
  if (Object.keys(summary).length === 0)
    throw new UsageError('nothing to evaluate: give --candidates and --rules, and/or the metaphor files');
  await mkdir(opts.out, { recursive: true });
  const round = (v: number) => +v.toFixed(4);
  // JSON has no NaN: a figure that could not be computed (no rule fired, say) is left out.
  const flat = Object.fromEntries(
    Object.entries(summary)
      .filter(([, v]) => Number.isFinite(v))
      .map(([k, v]) => [k, round(v)]),
  );
  await writeFile(join(opts.out, 'evaluation.json'), JSON.stringify(flat, null, 2) + '\n');
  await writeFile(join(opts.out, 'evaluation-details.json'), JSON.stringify(res, null, 1) + '\n');
  return res;
}
