// Deterministic held-out splits by prompt id (no PRNG state: the same id lands on the same side in
// every run and every script).
/** Deterministic split by prompt id: a stable hash puts a prompt in held-out or mining. */
export function isHeldOut(id: string, fraction: number, seed = 0): boolean {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32 < fraction;
}
