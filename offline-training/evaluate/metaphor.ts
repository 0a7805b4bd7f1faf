// Metaphor detection from SAE features at the verb: a sparse L1 logistic readout of the verb
// token's latents, trained on VUA train, regularisation and threshold chosen on VUA val, reported
// on VUA test; MOH-X by 10-fold cross-validation (regularisation chosen inside each fold).
import { readVerbCsv, verbSpan, type VerbExample } from '../data/verb-csv.ts';
import type { FeatureRunner } from '../sae/feature-runner.ts';
import { bestThreshold, fitSparseLogistic, prf, type PRF, type SparseRow } from '../learn/sparse-logistic.ts';
import { kFolds, mulberry32 } from '../util/random.ts';

/** The SAE code at the verb: per latent, the max over the verb's tokens. */
export async function verbCodes(runner: FeatureRunner, examples: readonly VerbExample[]): Promise<SparseRow[]> {
  const m = runner.width;
  const out: SparseRow[] = [];
  for (const ex of examples) {
    const span = verbSpan(ex.sentence, ex.verbIdx);
    const r = await runner.run(ex.sentence);
    const tokens = r.offsets
      .map(([s, e], t) => ({ s, e, t }))
      .filter((x) => span && x.e > span[0] && x.s < span[1] && x.e > x.s);
    const code = new Map<number, number>();
    for (const { t } of tokens) {
      for (let j = 0; j < m; j++) {
        const v = r.acts[t * m + j];
        if (v > 0 && v > (code.get(j) ?? 0)) code.set(j, v);
      }
    }
    const idx = Int32Array.from(code.keys());
    out.push({ idx, val: Float32Array.from(idx, (j) => code.get(j)!) });
  }
  return out;
}

const L1_GRID = [0.0003, 0.001, 0.003, 0.01, 0.03];

/** Metaphor-detection figures: the VUA read-out (test F1, precision, recall) and MOH-X cross-validated F1. */
export interface MetaphorResult {
  vua: { test: PRF; val: PRF; l1: number; nnz: number; n: { train: number; val: number; test: number } };
  mohx?: { f1: number; precision: number; recall: number; folds: number; n: number };
}

/**
 * Fits an L1 sparse logistic read-out of the verb's SAE features on VUA train, picks the L1 strength and
 * threshold on val, and reports precision, recall and F1 on test (`dim` = number of features).
 */
export function vuaReadout(
  train: SparseRow[],
  yTrain: (0 | 1)[],
  val: SparseRow[],
  yVal: (0 | 1)[],
  test: SparseRow[],
  yTest: (0 | 1)[],
  dim: number,
): MetaphorResult['vua'] {
  let best: { l1: number; val: PRF; model: ReturnType<typeof fitSparseLogistic> } | undefined;
  for (const l1 of L1_GRID) {
    const model = fitSparseLogistic(train, yTrain, dim, l1);
    const v = bestThreshold(
      val.map((r) => model.predict(r)),
      yVal,
    );
    if (!best || v.f1 > best.val.f1) best = { l1, val: v, model };
  }
  const testPrf = prf(
    test.map((r) => best!.model.predict(r)),
    yTest,
    best!.val.threshold,
  );
  return {
    test: testPrf,
    val: best!.val,
    l1: best!.l1,
    nnz: best!.model.nnz,
    n: { train: train.length, val: val.length, test: test.length },
  };
}

/**
 * k-fold CV (folds from a seeded Fisher-Yates shuffle of the rows); inside each fold, regularisation and
 * threshold come from a held-back third of its training part.
 */
export function crossValidated(
  rows: SparseRow[],
  y: (0 | 1)[],
  dim: number,
  folds = 10,
  seed = 1,
): NonNullable<MetaphorResult['mohx']> {
  const scores: number[] = [];
  const labels: (0 | 1)[] = [];
  const preds: boolean[] = [];
  const splits = kFolds(
    rows.map((_, i) => i),
    folds,
    mulberry32(seed),
  );
  for (const { test: testIdx, train: trainIdx } of splits) {
    const inner = trainIdx.filter((_, k) => k % 3 === 0);
    const fit = trainIdx.filter((_, k) => k % 3 !== 0);
    let best: { l1: number; thr: number; f1: number } | undefined;
    for (const l1 of L1_GRID) {
      const m = fitSparseLogistic(
        fit.map((i) => rows[i]),
        fit.map((i) => y[i]),
        dim,
        l1,
      );
      const v = bestThreshold(
        inner.map((i) => m.predict(rows[i])),
        inner.map((i) => y[i]),
      );
      if (!best || v.f1 > best.f1) best = { l1, thr: v.threshold, f1: v.f1 };
    }
    const model = fitSparseLogistic(
      trainIdx.map((i) => rows[i]),
      trainIdx.map((i) => y[i]),
      dim,
      best!.l1,
    );
    for (const i of testIdx) {
      const p = model.predict(rows[i]);
      scores.push(p);
      labels.push(y[i]);
      preds.push(p >= best!.thr);
    }
  }
  const r = prf(
    preds.map((p) => (p ? 1 : 0)),
    labels,
    0.5,
  );
  return { f1: r.f1, precision: r.precision, recall: r.recall, folds, n: rows.length };
}

/**
 * Metaphor detection from the detector's SAE features: the VUA read-out (train/val/test) and, with `mohx`,
 * 10-fold cross-validated F1 on MOH-X. `limit` keeps the first N rows of each file.
 */
export async function evaluateMetaphor(
  runner: FeatureRunner,
  files: { train: string; val: string; test: string; mohx?: string },
  limit?: number,
): Promise<MetaphorResult> {
  const [train, val, test] = await Promise.all([
    readVerbCsv(files.train, limit),
    readVerbCsv(files.val, limit),
    readVerbCsv(files.test, limit),
  ]);
  const codes = async (xs: VerbExample[]) => ({ rows: await verbCodes(runner, xs), y: xs.map((x) => x.label) });
  const [tr, va, te] = [await codes(train), await codes(val), await codes(test)];
  const result: MetaphorResult = { vua: vuaReadout(tr.rows, tr.y, va.rows, va.y, te.rows, te.y, runner.width) };
  if (files.mohx) {
    const mo = await codes(await readVerbCsv(files.mohx, limit));
    result.mohx = crossValidated(mo.rows, mo.y, runner.width);
  }
  return result;
}
