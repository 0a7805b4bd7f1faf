// Order statistics for latency samples.
export function quantile(samples: number[], q: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (s: number[]) => quantile(s, 0.5);
export const p90 = (s: number[]) => quantile(s, 0.9);
export const p99 = (s: number[]) => quantile(s, 0.99);

/**
 * Times every case once per round, round after round, so that noise from the other core hits all
 * cases alike and their ratios stay meaningful on a busy 2-core machine.
 */
export async function interleaved(
  cases: Record<string, () => Promise<unknown>>,
  rounds: number,
  warmup = 3,
): Promise<Record<string, number[]>> {
  const names = Object.keys(cases);
  for (let w = 0; w < warmup; w++) for (const n of names) await cases[n]();
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      const t0 = performance.now();
      await cases[n]();
      out[n].push(performance.now() - t0);
    }
  }
  return out;
}
