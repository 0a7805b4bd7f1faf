// The task gate: a prompt-level logistic classifier over pooled SAE activations (schema.ts, Gate).
// Pure; a gate whose latents are not in the bundle stays closed (precision first).
import type { Gate } from './schema.ts';

/** The task gate's verdict on one prompt (scoreGate). */
export interface GateResult {
  id: string;
  /** sigmoid(bias + w . pooled), in [0, 1]; 0 when the gate cannot be computed. */
  score: number;
  open: boolean;
  /** Why a gate could not be computed (a latent missing from the bundle), if so. */
  error?: string;
}

/**
 * Scores one prompt. `tokens` are the indices of the usable tokens (text-bearing); `activations`
 * is row-major [T, numFeatures]; `columns` maps latent ids to columns.
 */
export function scoreGate(
  gate: Gate,
  activations: Float32Array,
  numFeatures: number,
  tokens: readonly number[],
  columns: ReadonlyMap<number, number>,
): GateResult {
  let z = gate.bias;
  for (let i = 0; i < gate.features.length; i++) {
    const col = columns.get(gate.features[i]);
    if (col === undefined || col < 0 || col >= numFeatures)
      return { id: gate.id, score: 0, open: false, error: `gate latent ${gate.features[i]} is not in the bundle` };
    let pooled = 0;
    for (const t of tokens) {
      const a = activations[t * numFeatures + col];
      pooled = gate.pool === 'max' ? Math.max(pooled, a) : pooled + a;
    }
    if (gate.pool === 'mean') pooled = tokens.length ? pooled / tokens.length : 0;
    z += gate.weights[i] * pooled;
  }
  const score = 1 / (1 + Math.exp(-z));
  return { id: gate.id, score, open: tokens.length > 0 && score >= gate.threshold };
}

/**
 * Whether construction rules may fire under this verdict: the gate is open, or the prompt asks for a
 * quantity (`asked`, src/core/grammar/asks.ts; called only when needed) and the score reaches the
 * gate's `askedThreshold`. A gate that could not be computed opens for nothing.
 */
export function openForConstructions(gate: Gate, result: GateResult, asked: () => boolean): boolean {
  if (result.open) return true;
  if (result.error || gate.askedThreshold === undefined || result.score < gate.askedThreshold) return false;
  return asked();
}
