// gloss-train mine: prompt-level SAE features of every outcome prompt, their association with the
// target LLM's failures on the mining split, top activating contexts and failed examples of the
// strongest candidates. The held-out split is recorded and never used here.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { progressBar } from '../util/progress.ts';
import { countedRunner } from '../sae/counted-runner.ts';
import { loadSae } from '../sae/format.ts';
import { readOutcomes, type OutcomeRecord } from '../llm/outcomes-format.ts';
import { readTexts } from '../data/texts.ts';
import { UsageError } from '../util/errors.ts';
import { associate, type FeatureAssociation, type PromptSummary } from './associate.ts';
import { isHeldOut } from '../data/splits.ts';
import { autoLabel, topContexts, wordsOf, type TopContext } from './contexts.ts';
import { createFeatureRunner, type FeatureRunner } from '../sae/feature-runner.ts';
import { auc, benjaminiHochberg, logisticFit } from '../learn/stats.ts';
import { pickTemplate } from './gloss-templates.ts';

/** Keeps the latents of a pre-declared family and recomputes both q-values within it. */
export function restrictFamily(
  assoc: readonly FeatureAssociation[],
  keep: (feature: number) => boolean,
): FeatureAssociation[] {
  const fam = assoc.filter((a) => keep(a.feature)).map((a) => ({ ...a }));
  const q = benjaminiHochberg(fam.map((a) => a.p));
  const mhQ = benjaminiHochberg(fam.map((a) => a.mhP));
  fam.forEach((a, i) => ((a.q = q[i]), (a.mhQ = mhQ[i])));
  return fam;
}

/** Inputs and settings of `gloss-train mine`. */
export interface MineOptions {
  detector: string;
  sae: string;
  outcomes: string;
  /** Model whose failures are mined (e.g. 175b_verification). */
  target: string;
  /** Corpus files for top activating contexts (default: the outcome prompts themselves). */
  contexts?: string[];
  heldOut?: number;
  seed?: number;
  /** Candidates written with contexts and examples (default 40). */
  top?: number;
  /**
   * Which latents form the multiple-testing family: 'all' tested latents, or 'lexical' ones, whose
   * top activating word is one the gloss template library knows (half, twice, per, ...): the
   * paper's hypothesis that misreadings come from specific phrasings, fixed before testing.
   */
  family?: 'all' | 'lexical';
  out: string;
  progress?: boolean;
}

/** A prompt a candidate fires on, with its outcome. */
export interface Example {
  id: string;
  prompt: string;
  /** The span of the strongest firing token. */
  token: string;
  activation: number;
  gold?: string;
  answer?: string;
}

/** A latent's association figures plus its label, top contexts and examples. */
export interface Candidate extends FeatureAssociation {
  label: string;
  top_contexts: TopContext[];
  examples: Example[];
}

/** Per-prompt data kept for evaluation: candidate latents only. */
export interface PromptRecord {
  id: string;
  length: number;
  failed: boolean;
  heldOut: boolean;
  /** feature id -> max activation (candidates only; absent = 0). */
  max: Record<string, number>;
}

/** candidates.json: the split, per-prompt records, the length baseline and the ranked candidates. */
export interface MiningResult {
  version: 1;
  target: string;
  outcomes: string;
  detector: string;
  sae: string;
  heldOutFraction: number;
  seed: number;
  family: 'all' | 'lexical';
  counts: {
    prompts: number;
    mining: number;
    heldOut: number;
    miningFailures: number;
    heldOutFailures: number;
    latentsTested: number;
    familySize: number;
  };
  /** AUC of a length-only logistic model, fit on the mining split: on mining and on held-out. */
  lengthBaseline: { miningAuc: number; heldOutAuc: number; w: number[] };
  candidates: Candidate[];
  prompts: PromptRecord[];
}

/**
 * `gloss-train mine`: splits the prompts of `outcomes` into mining and held-out sets, runs detector + SAE on the
 * mining prompts, and tests each latent's association with the target's failures (Fisher's exact test, Mantel-
 * Haenszel over length strata, Benjamini-Hochberg q-values), beside a length-only baseline. Writes
 * candidates.json; throws UsageError for too few prompts or bad inputs.
 */
export async function mine(opts: MineOptions): Promise<MiningResult> {
  const heldOutFraction = opts.heldOut ?? 0.3;
  if (!(heldOutFraction > 0 && heldOutFraction < 1))
    throw new UsageError(`--held-out must be in (0, 1), got ${heldOutFraction}`);
  const seed = opts.seed ?? 0;
  const rows = await readOutcomes(opts.outcomes, { target: opts.target });
  if (rows.length < 20)
    throw new UsageError(`${opts.outcomes}: only ${rows.length} prompts with outcomes; mining needs at least 20`);
  const sae = await loadSae(opts.sae);
  const runner = await createFeatureRunner(opts.detector, sae);
  const runs = await runPrompts(runner, rows, sae.d_sae, opts.progress);
  const { summaries } = runs;

  const failed = rows.map((r) => !r.outcomes.find((o) => o.model === opts.target)!.correct);
  const held = rows.map((r) => isHeldOut(r.id, heldOutFraction, seed));
  const miningIdx = rows.map((_, i) => i).filter((i) => !held[i]);
  const heldIdx = rows.map((_, i) => i).filter((i) => held[i]);
  const assoc = associate(
    miningIdx.map((i) => summaries[i]),
    miningIdx.map((i) => failed[i]),
  );
  const lengthBaseline = fitLengthBaseline(summaries, failed, miningIdx, heldIdx);

  // Contexts of every tested latent come from a corpus without outcome prompts (or the mining
  // prompts): labels and the lexical family never look at held-out prompts.
  const contextTexts = opts.contexts?.length
    ? (await Promise.all(opts.contexts.map((f) => readTexts(f)))).flat()
    : miningIdx.map((i) => ({ id: rows[i].id, text: rows[i].prompt }));
  // The contexts pass runs the detector over the whole corpus again: its own progress.
  const ctxBar = opts.progress
    ? progressBar('contexts [{bar}] {value}/{total} texts | eta {eta_formatted}')
    : undefined;
  ctxBar?.start(contextTexts.length, 0);
  const contexts = await topContexts(
    ctxBar ? countedRunner(runner, ctxBar) : runner,
    contextTexts,
    assoc.map((a) => a.feature),
  ).finally(() => ctxBar?.stop());
  await runner.release();
  const family = opts.family ?? 'all';
  const tested =
    family === 'lexical'
      ? restrictFamily(assoc, (f) => pickTemplate(wordsOf(contexts.get(f) ?? [])).key !== 'generic')
      : assoc;
  const top = tested.filter((a) => a.lor > 0).slice(0, opts.top ?? 40);
  const candidates: Candidate[] = top.map((a) => {
    const ctx = contexts.get(a.feature) ?? [];
    const examples = firingFailures(a.feature, rows, runs, failed, miningIdx, opts.target);
    return { ...a, label: autoLabel(ctx), top_contexts: ctx, examples };
  });
  const prompts = promptRecords(rows, summaries, failed, held, new Set(candidates.map((c) => c.feature)));

  const result: MiningResult = {
    version: 1,
    target: opts.target,
    outcomes: opts.outcomes,
    detector: opts.detector,
    sae: opts.sae,
    heldOutFraction,
    seed,
    family,
    counts: {
      prompts: rows.length,
      mining: miningIdx.length,
      heldOut: heldIdx.length,
      miningFailures: miningIdx.filter((i) => failed[i]).length,
      heldOutFailures: heldIdx.filter((i) => failed[i]).length,
      latentsTested: assoc.length,
      familySize: tested.length,
    },
    lengthBaseline,
    candidates,
    prompts,
  };
  await mkdir(opts.out, { recursive: true });
  await writeFile(join(opts.out, 'candidates.json'), JSON.stringify(result, null, 1));
  return result;
}

/** Per prompt (row order): its latent summary, each latent's argmax token (-1: never fires), and token offsets. */
interface PromptRuns {
  summaries: PromptSummary[];
  argmax: Int16Array[];
  runs: { offsets: [number, number][]; pieces: string[] }[];
}

/** Runs detector + SAE over every prompt, keeping per-latent max, firing count and argmax token (m latents). */
async function runPrompts(
  runner: FeatureRunner,
  rows: readonly OutcomeRecord[],
  m: number,
  progress: boolean | undefined,
): Promise<PromptRuns> {
  const summaries: PromptSummary[] = [];
  const argmax: Int16Array[] = [];
  const bar = progress ? progressBar('mine [{bar}] {value}/{total} prompts | eta {eta_formatted}') : undefined;
  bar?.start(rows.length, 0);
  const runs: { offsets: [number, number][]; pieces: string[] }[] = [];
  for (const [i, row] of rows.entries()) {
    const r = await runner.run(row.prompt);
    const T = r.ids.length;
    const max = new Float32Array(m);
    const count = new Uint16Array(m);
    const arg = new Int16Array(m).fill(-1);
    for (let t = 0; t < T; t++) {
      const base = t * m;
      for (let j = 0; j < m; j++) {
        const v = r.acts[base + j];
        if (v > 0) {
          count[j]++;
          if (v > max[j]) {
            max[j] = v;
            arg[j] = t;
          }
        }
      }
    }
    summaries.push({ id: row.id, length: T, max, count });
    argmax.push(arg);
    runs.push({ offsets: r.offsets, pieces: r.pieces });
    bar?.update(i + 1);
  }
  bar?.stop();
  return { summaries, argmax, runs };
}

/** Length-only baseline: a logistic fit of failure on log(1 + length) over the mining prompts, AUC on both splits. */
function fitLengthBaseline(
  summaries: readonly PromptSummary[],
  failed: readonly boolean[],
  miningIdx: readonly number[],
  heldIdx: readonly number[],
): MiningResult['lengthBaseline'] {
  const logLen = (i: number) => [Math.log(1 + summaries[i].length)];
  const lenModel = logisticFit(
    miningIdx.map(logLen),
    miningIdx.map((i) => failed[i]),
  );
  return {
    miningAuc: auc(
      miningIdx.map((i) => lenModel.predict(logLen(i))),
      miningIdx.map((i) => failed[i]),
    ),
    heldOutAuc: auc(
      heldIdx.map((i) => lenModel.predict(logLen(i))),
      heldIdx.map((i) => failed[i]),
    ),
    w: lenModel.w,
  };
}

/** Up to 5 failed mining prompts where `feature` fires, strongest first, with the token it peaks on. */
function firingFailures(
  feature: number,
  rows: readonly OutcomeRecord[],
  { summaries, argmax, runs }: PromptRuns,
  failed: readonly boolean[],
  miningIdx: readonly number[],
  targetModel: string,
): Example[] {
  return miningIdx
    .filter((i) => failed[i] && summaries[i].max[feature] > 0)
    .sort((x, y) => summaries[y].max[feature] - summaries[x].max[feature])
    .slice(0, 5)
    .map((i) => {
      const t = argmax[i][feature];
      const [s, e] = runs[i].offsets[t] ?? [0, 0];
      const target = rows[i].outcomes.find((o) => o.model === targetModel);
      return {
        id: rows[i].id,
        prompt: rows[i].prompt,
        token: rows[i].prompt.slice(s, e) || runs[i].pieces[t],
        activation: summaries[i].max[feature],
        gold: rows[i].gold,
        answer: target?.answer,
      };
    });
}

/** Every prompt's record for evaluation, with max activations of the kept (candidate) latents only. */
function promptRecords(
  rows: readonly OutcomeRecord[],
  summaries: readonly PromptSummary[],
  failed: readonly boolean[],
  held: readonly boolean[],
  keep: ReadonlySet<number>,
): PromptRecord[] {
  return rows.map((r, i) => ({
    id: r.id,
    length: summaries[i].length,
    failed: failed[i],
    heldOut: held[i],
    max: Object.fromEntries(
      [...keep].filter((f) => summaries[i].max[f] > 0).map((f) => [String(f), +summaries[i].max[f].toFixed(5)]),
    ),
  }));
}
