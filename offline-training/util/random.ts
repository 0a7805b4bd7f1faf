// Seeded randomness, deterministic across platforms: the mulberry32 generator, an unbiased shuffle
// (Fisher-Yates) and k-fold splits; for shuffles, initialisation, bootstraps and cross-validation.
/** A seeded uniform generator on [0, 1) (mulberry32, 32-bit state); the same sequence on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Shuffles `a` in place by Fisher-Yates (Knuth's algorithm P: from the last item down, swap with a
 * uniform pick among the items not yet placed), every permutation equally likely for a uniform
 * `rand`; returns `a`. The same seed gives the same order on every platform.
 */
export function shuffleInPlace<A extends { length: number; [i: number]: unknown }>(a: A, rand: () => number): A {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** One fold of k-fold cross-validation: the held-out items and the rest, both in shuffled order. */
export interface Fold<T> {
  test: T[];
  train: T[];
}

/**
 * k-fold splits of `items`: a seeded Fisher-Yates shuffle of a copy, dealt round-robin (the item at
 * shuffled position p goes to fold p % folds, so fold sizes differ by at most one). Fold f's `test`
 * holds its items in shuffled order (the r-th of them sat at position r * folds + f); `train` the
 * other folds' items, in shuffled order.
 */
export function kFolds<T>(items: readonly T[], folds: number, rand: () => number): Fold<T>[] {
  const order = shuffleInPlace([...items], rand);
  return Array.from({ length: folds }, (_, f) => ({
    test: order.filter((_, p) => p % folds === f),
    train: order.filter((_, p) => p % folds !== f),
  }));
}
