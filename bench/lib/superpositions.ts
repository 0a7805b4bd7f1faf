// The SAE benchmarks' data: rows that are sparse superpositions of random unit directions (what a
// TopK SAE should find), from one seeded LCG so every run and every suite sees the same numbers.

/** A row source: `rows(n)` draws the next n rows [n, d] (32 atoms each, magnitudes in [0, 2), plus noise). */
export interface Superpositions {
  d: number;
  rows(n: number): Float32Array;
}

/** `atoms` unit directions in d dimensions, then rows drawn from them in sequence (seeded). */
export function superpositions(d: number, seed: number, atoms = 4096): Superpositions {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const randn = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const dict = new Float32Array(atoms * d);
  for (let a = 0; a < atoms; a++) {
    let n = 0;
    for (let i = 0; i < d; i++) n += (dict[a * d + i] = randn()) ** 2;
    for (let i = 0; i < d; i++) dict[a * d + i] /= Math.sqrt(n);
  }
  const rows = (count: number) => {
    const x = new Float32Array(count * d);
    for (let b = 0; b < count; b++) {
      for (let t = 0; t < 32; t++) {
        const a = Math.floor(rand() * atoms);
        const mag = rand() * 2;
        for (let i = 0; i < d; i++) x[b * d + i] += mag * dict[a * d + i];
      }
      for (let i = 0; i < d; i++) x[b * d + i] = x[b * d + i] * 0.5 + 0.05 * randn();
    }
    return x;
  };
  return { d, rows };
}
