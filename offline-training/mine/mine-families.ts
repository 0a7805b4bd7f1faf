// Misreading-family mining: the task gate and family rule candidates from one detector + SAE.
// Inputs: math word problems (GSM8K train questions), general text (VUA train sentences, README
// sentences of npm packages), the outcome rows (GSM8K test with four GPT-3 models' solutions).
// Only the mining split of the outcomes (isHeldOut(id, 0.3, 0) false) is read; the held-out split
// is what the dev checks and the card report on.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSae } from '../sae/format.ts';
import { createFeatureRunner } from '../sae/feature-runner.ts';
import { countedRunner } from '../sae/counted-runner.ts';
import type { Progress } from '../util/progress.ts';
import { isHeldOut } from '../data/splits.ts';
import { pooledRow, trainGate, type GateText } from '../probe/task-gate.ts';
import {
  misreadingEvidence,
  pickCandidates,
  questionMaxima,
  scanCues,
  tokenTest,
  labelMisreadings,
  type FamilyCandidate,
  type OutcomeRow,
} from './family-rules.ts';
import { topContexts, type TopContext } from './contexts.ts';
import { MISREADING_FAMILIES, type MisreadingFamily, type Gate } from '../../src/core/rules/schema.ts';

/** The math word-problem families (all but `figurative`): the ones the task gate governs. */
export const MATH_FAMILIES = MISREADING_FAMILIES.filter((f) => f !== 'figurative');

/** Inputs to mineFamilies: detector (.onnx path), SAE (path), the texts and outcome rows, and the output folder. */
export interface MineFamiliesOptions {
  detector: string;
  sae: string;
  math: string[];
  general: GateText[];
  outcomes: OutcomeRow[];
  out: string;
  log?: (s: string) => void;
  /** Math texts scanned for cue phrases (default 2500). */
  cueTexts?: number;
  /** Told after every text the detector runs on (started at 0 with an unknown total, stopped at the end). */
  progress?: Progress;
}

/** What mineFamilies writes to `<out>/families.json`: the gate, its held-out figures and the rule candidates. */
export interface MineFamiliesResult {
  gate: Gate;
  gateHeldOut: Record<string, number>;
  candidates: (FamilyCandidate & { top_contexts: TopContext[] })[];
  miningRows: number;
}

/**
 * Mines the task gate and family rule candidates (steps 1-5 below) and writes `<out>/families.json`.
 * Slow: runs the detector on every text.
 * @throws what loadSae / the ONNX runtime throw on a bad SAE or detector.
 */
export async function mineFamilies(o: MineFamiliesOptions): Promise<MineFamiliesResult> {
  const log = o.log ?? (() => {});
  const sae = await loadSae(o.sae);
  const detector = await createFeatureRunner(o.detector, sae);
  // Six passes over texts of different lengths: one running count, so logs are never silent.
  o.progress?.start(0, 0);
  const runner = o.progress ? countedRunner(detector, o.progress) : detector;
  try {
    // 1. Task gate.
    const gateTexts: GateText[] = [
      ...o.math.map((text, i) => ({ id: `math:${i}`, text, label: 1 as const, corpus: 'gsm8k_train' })),
      ...o.general,
    ];
    const rows = [];
    for (const t of gateTexts) rows.push(await pooledRow(runner, t.text));
    const { gate, heldOut } = trainGate(gateTexts, rows, sae.d_sae, MATH_FAMILIES, {
      maxLatents: 96,
      maxNegativeRate: 0.02,
    });
    log(`gate: ${gate.features.length} latents, threshold ${gate.threshold}, held-out ${JSON.stringify(heldOut)}`);

    // 2. Latents on family phrases.
    const cueMath = o.math.slice(0, o.cueTexts ?? 2500);
    const { hits, cueTokens } = await scanCues(runner, cueMath);
    log(`cue tokens: ${JSON.stringify(Object.fromEntries(cueTokens))}`);
    const cands = pickCandidates(hits, cueTokens, MATH_FAMILIES, { minPrecision: 0.7, perFamily: 3 });
    hits.clear();
    log(`candidates: ${cands.map((c) => `${c.family}:${c.feature}`).join(' ')}`);

    // 3. Token-correlate test and false fires on general text.
    const general = o.general.filter((g) => isHeldOut(g.id, 0.25, 11) === false).map((g) => g.text);
    for (const c of cands) {
      c.tokenTest = await tokenTest(runner, c, general.slice(0, 60), o.math.slice(2500, 4500));
      const sample = general.slice(100, 400);
      let n = 0;
      for (const text of sample) {
        const r = await runner.run(text);
        for (let t = 0; t < r.ids.length; t++)
          if (r.acts[t * runner.width + c.feature] >= c.threshold) {
            n++;
            break;
          }
      }
      c.negativeRate = +(n / sample.length).toFixed(4);
    }

    // 4. Misreadings on the mining split, pooled over models.
    const mining = o.outcomes.filter((r) => !isHeldOut(r.id, 0.3, 0));
    const labels = mining.map((r) => labelMisreadings(r.question, r.reference, r.solution, r.correct));
    const maxima = await questionMaxima(
      runner,
      mining.map((r) => r.question),
      cands.map((c) => c.feature),
    );
    for (const c of cands) c.misreadings = misreadingEvidence(c, mining, labels, maxima);

    // 5. Top contexts for labels and review.
    const ctx = await topContexts(
      runner,
      o.math.slice(0, 1500).map((text, i) => ({ id: `gsm8k-train:${i}`, text })),
      cands.map((c) => c.feature),
      6,
    );
    const candidates = cands.map((c) => ({ ...c, top_contexts: ctx.get(c.feature) ?? [] }));
    await mkdir(o.out, { recursive: true });
    const result = { gate, gateHeldOut: heldOut, candidates, miningRows: mining.length };
    await writeFile(join(o.out, 'families.json'), JSON.stringify(result, null, 1) + '\n');
    return result;
  } finally {
    o.progress?.stop();
    await detector.release();
  }
}

/** Re-exported for the commands that read families.json. */
export type { MisreadingFamily };
