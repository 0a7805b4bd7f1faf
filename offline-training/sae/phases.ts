// The phases of a TopK SAE training step that run over ranges, one range per worker thread
// (step-pool.ts): the MSE gradient rows, the AuxK gradient rows (auxk.ts), the sparse backward.
//
// Loaded by worker threads with Node's built-in type stripping: erasable TypeScript only.
import { latentBackwardAndAdam, mseGradRows, sampleRange, SLOT_BATCH, type StepState } from './kernels.ts';
import { auxKGradRows } from './auxk.ts';

/** The phases of a step that run over ranges (one range per worker thread). */
export type Phase = 1 | 2 | 3;
/** Phase 1: mseGradRows over sample ranges. */
export const PHASE_MSE_GRAD: Phase = 1;
/** Phase 2: auxKGradRows over sample ranges. */
export const PHASE_AUXK_GRAD: Phase = 2;
/** Phase 3: latentBackwardAndAdam over latent ranges. */
export const PHASE_BACKWARD: Phase = 3;

/** Runs range `w` of `phase`: sample ranges for the gradient rows, latent ranges for the backward. */
export function runPhaseRange(S: StepState, phase: Phase, w: number): void {
  const B = S.scal[SLOT_BATCH];
  if (phase === PHASE_MSE_GRAD) mseGradRows(S, w, ...sampleRange(B, S.ranges, w));
  else if (phase === PHASE_AUXK_GRAD) auxKGradRows(S, w, ...sampleRange(B, S.ranges, w));
  else latentBackwardAndAdam(S, w, S.bounds[w], S.bounds[w + 1]);
}
