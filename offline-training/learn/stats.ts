// Statistics for mining: 2x2 association (log-odds ratio with a Wald interval, Fisher's exact
// test), Benjamini-Hochberg q-values, ROC AUC, a length-stratified Mantel-Haenszel odds ratio, and
// a small L2-regularised logistic regression for baselines.

/** log Γ(x) (Lanczos), for log-factorials in the hypergeometric probabilities. */
export function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

const logFact = (n: number) => logGamma(n + 1);

/**
 * 2x2 table [[a, b], [c, d]]: a = feature fires & failure, b = fires & success,
 * c = silent & failure, d = silent & success.
 */
export interface Table2x2 {
  a: number;
  b: number;
  c: number;
  d: number;
}

/** Two-sided Fisher exact p-value (sum of tables no more likely than the observed one). */
export function fisherExact({ a, b, c, d }: Table2x2): number {
  const r1 = a + b,
    r2 = c + d,
    c1 = a + c,
    n = a + b + c + d;
  const logP = (x: number) =>
    logFact(r1) +
    logFact(r2) +
    logFact(c1) +
    logFact(n - c1) -
    logFact(n) -
    logFact(x) -
    logFact(r1 - x) -
    logFact(c1 - x) -
    logFact(r2 - c1 + x);
  const observed = logP(a);
  let p = 0;
  for (let x = Math.max(0, c1 - r2); x <= Math.min(r1, c1); x++) {
    const lp = logP(x);
    if (lp <= observed + 1e-7) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

/** Log odds ratio with Haldane's 0.5 correction and a 95% Wald interval. */
export function logOddsRatio({ a, b, c, d }: Table2x2): { lor: number; lo: number; hi: number; se: number } {
  const [A, B, C, D] = [a + 0.5, b + 0.5, c + 0.5, d + 0.5];
  const lor = Math.log((A * D) / (B * C));
  const se = Math.sqrt(1 / A + 1 / B + 1 / C + 1 / D);
  return { lor, se, lo: lor - 1.959964 * se, hi: lor + 1.959964 * se };
}

/** Benjamini-Hochberg q-values, in the input order. */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const n = p.length;
  const order = p.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const q = new Array<number>(n);
  let min = 1;
  for (let r = n - 1; r >= 0; r--) {
    const [v, i] = order[r];
    min = Math.min(min, (v * n) / (r + 1));
    q[i] = min;
  }
  return q;
}

/** ROC AUC of scores for binary labels (1 = positive), ties counted half (Mann-Whitney). */
export function auc(scores: readonly number[], labels: readonly (0 | 1 | boolean)[]): number {
  const idx = scores.map((s, i) => [s, labels[i] ? 1 : 0] as const).sort((x, y) => x[0] - y[0]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j < idx.length && idx[j][0] === idx[i][0]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++)
      if (idx[k][1]) {
        rankSumPos += avgRank;
        nPos++;
      }
    i = j;
  }
  const nNeg = idx.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** ROC curve points (false positive rate, true positive rate), for plots. */
export function rocCurve(
  scores: readonly number[],
  labels: readonly (0 | 1 | boolean)[],
): { fpr: number; tpr: number }[] {
  const idx = scores.map((s, i) => [s, labels[i] ? 1 : 0] as const).sort((x, y) => y[0] - x[0]);
  const P = idx.filter((x) => x[1]).length;
  const N = idx.length - P;
  const pts = [{ fpr: 0, tpr: 0 }];
  let tp = 0,
    fp = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    for (; j < idx.length && idx[j][0] === idx[i][0]; j++) {
      if (idx[j][1]) tp++;
      else fp++;
    }
    pts.push({ fpr: N ? fp / N : 0, tpr: P ? tp / P : 0 });
    i = j;
  }
  return pts;
}

/** A common odds ratio with its 95% interval `[lo, hi]` (mhOddsRatio); `lo = 0, hi = Infinity` when R or S is 0. */
export interface OddsRatio {
  or: number;
  lo: number;
  hi: number;
  /** Tables with at least one prompt. */
  strata: number;
}

/**
 * Mantel-Haenszel common odds ratio with the Robins-Breslow-Greenland 95% interval (Robins,
 * Breslow & Greenland 1986), over strata such as length quartile x model. Table: a = exposed
 * failures, b = exposed successes, c = unexposed failures, d = unexposed successes.
 */
export function mhOddsRatio(tables: readonly Table2x2[]): OddsRatio {
  let R = 0,
    S = 0,
    PR = 0,
    PSQR = 0,
    QS = 0,
    strata = 0;
  for (const { a, b, c, d } of tables) {
    const n = a + b + c + d;
    if (n === 0) continue;
    strata++;
    const r = (a * d) / n;
    const s = (b * c) / n;
    const p = (a + d) / n;
    const q = (b + c) / n;
    R += r;
    S += s;
    PR += p * r;
    PSQR += p * s + q * r;
    QS += q * s;
  }
  const or = S === 0 ? (R === 0 ? 1 : Infinity) : R / S;
  if (R === 0 || S === 0) return { or, lo: 0, hi: Infinity, strata };
  const v = PR / (2 * R * R) + PSQR / (2 * R * S) + QS / (2 * S * S);
  const se = Math.sqrt(v);
  return { or, lo: Math.exp(Math.log(or) - 1.96 * se), hi: Math.exp(Math.log(or) + 1.96 * se), strata };
}

/**
 * Mantel-Haenszel common odds ratio over strata (e.g. prompt-length quartiles), with the
 * Cochran-Mantel-Haenszel chi-square p-value: association that length alone does not explain.
 */
export function mantelHaenszel(strata: readonly Table2x2[]): { or: number; p: number } {
  // The odds ratio is mhOddsRatio's (a stratum with n < 2 adds 0 to its sums); the p-value needs
  // observed vs expected exposed failures and the hypergeometric variance, over strata with n >= 2.
  let sumA = 0,
    sumE = 0,
    sumV = 0;
  for (const { a, b, c, d } of strata) {
    const n = a + b + c + d;
    if (n < 2) continue;
    const r1 = a + b,
      r2 = c + d,
      c1 = a + c,
      c2 = b + d;
    sumA += a;
    sumE += (r1 * c1) / n;
    sumV += (r1 * r2 * c1 * c2) / (n * n * (n - 1));
  }
  const { or } = mhOddsRatio(strata);
  if (sumV === 0) return { or, p: 1 };
  const chi = (Math.abs(sumA - sumE) - 0.5) ** 2 / sumV;
  return { or, p: chiSquare1Sf(Math.max(0, chi)) };
}

/** Survival function of chi-square with 1 degree of freedom: erfc(sqrt(x/2)). */
export function chiSquare1Sf(x: number): number {
  return erfc(Math.sqrt(x / 2));
}

function erfc(x: number): number {
  // Numerical Recipes' erfc approximation (fractional error < 1.2e-7).
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** L2-regularised logistic regression by Newton's method (few features, exact enough). */
export function logisticFit(
  X: readonly number[][],
  y: readonly (0 | 1 | boolean)[],
  l2 = 1e-3,
  iters = 50,
): { w: number[]; predict: (x: readonly number[]) => number } {
  const n = X.length;
  const p = (X[0]?.length ?? 0) + 1;
  const w = new Array<number>(p).fill(0);
  const row = (i: number) => [1, ...X[i]];
  for (let it = 0; it < iters; it++) {
    const g = new Array<number>(p).fill(0);
    const H = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let i = 0; i < n; i++) {
      const xi = row(i);
      const z = xi.reduce((s, v, j) => s + v * w[j], 0);
      const mu = 1 / (1 + Math.exp(-z));
      const r = mu - (y[i] ? 1 : 0);
      const s = mu * (1 - mu);
      for (let j = 0; j < p; j++) {
        g[j] += r * xi[j];
        for (let k = 0; k < p; k++) H[j][k] += s * xi[j] * xi[k];
      }
    }
    for (let j = 1; j < p; j++) {
      g[j] += l2 * n * w[j];
      H[j][j] += l2 * n;
    }
    const step = solve(H, g);
    let max = 0;
    for (let j = 0; j < p; j++) {
      w[j] -= step[j];
      max = Math.max(max, Math.abs(step[j]));
    }
    if (max < 1e-9) break;
  }
  return { w, predict: (x) => 1 / (1 + Math.exp(-(w[0] + x.reduce((s, v, j) => s + v * w[j + 1], 0)))) };
}

function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    [M[c], M[piv]] = [M[piv], M[c]];
    const d = M[c][c] || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / d;
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / (r[i] || 1e-12));
}
