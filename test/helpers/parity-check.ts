// What "the same answer on every runtime" can mean for an int8 detector with a JumpReLU head, and
// the checks that follow from it (shared by the Node and the workerd parity tests).
//
// With 7-bit weights the int8 MatMul sums are exact integers on every kernel (see
// offline-training/graph/quantize.ts); what still differs between onnxruntime-node and -web is
// float rounding in LayerNorm, Softmax and the like, which can move an activation across a
// DynamicQuantizeLinear rounding step: a small difference (measured: at most 0.03 on 800 real
// prompts). A JumpReLU turns a small difference next to its threshold into a jump (0 on one
// side, about the threshold on the other), and a rule fires or not on a small difference next to
// its own threshold. So: activations agree within `tol` or jump at the latent's threshold, and
// fired rules agree except where an activation of the rule's feature lies within `tol` of the
// rule's threshold. A probe rule (a logistic over many latents) fires or not on a probability next
// to its threshold, or where its context gate flipped.
import { matchRules, type FiredRule } from '../../src/core/rules/match.ts';
import type { Gate, Rule } from '../../src/core/rules/schema.ts';

export interface RuntimeAnswer {
  activations: ArrayLike<number>;
  /** `peak` (a probe rule's probability) is needed to explain probe-rule differences. */
  fired: (Pick<FiredRule, 'ruleId' | 'span'> & { peak?: number })[];
  /** Rules held back, with why: a probe's context gate closed on a sentence explains its verbs there. */
  skipped?: { ruleId: string; reason: string; span?: { start: number; end: number } }[];
  /** The task gate's verdict, for bundles with a gate. */
  gate?: { score: number; open: boolean };
}

/** A gate score this close to the gate's threshold may fall on either side on another runtime. */
export const GATE_TOL = 0.05;

/**
 * A probe rule's probability this close above its threshold may fall below it on another runtime: its
 * logit sums the small activation differences of all its latents (and a JumpReLU jump of one of them).
 */
export const PROBE_TOL = 0.1;

/**
 * A probe rule fired on one side only is explained when its probability there is within PROBE_TOL of the
 * threshold, or the other side's context gate closed on the sentence (the gate pools near-equal activations).
 */
function probeDifferenceExplained(rule: Rule, on: RuntimeAnswer, off: RuntimeAnswer): boolean {
  const keys = new Set(off.fired.filter((f) => f.ruleId === rule.id).map((f) => `${f.span.start}-${f.span.end}`));
  return on.fired
    .filter((f) => f.ruleId === rule.id && !keys.has(`${f.span.start}-${f.span.end}`))
    .every(
      (f) =>
        (f.peak !== undefined && f.peak - rule.threshold <= PROBE_TOL) ||
        (off.skipped ?? []).some(
          (s) =>
            s.ruleId === rule.id &&
            s.reason === 'gate-closed' &&
            s.span !== undefined &&
            s.span.start <= f.span.start &&
            s.span.end >= f.span.end,
        ),
    );
}

export interface ActivationDiff {
  /** Largest |a - b| over elements that do not jump. */
  maxDiff: number;
  /** Elements where one side is 0 and the other sits within tol of the latent's JumpReLU threshold. */
  jumps: number;
  /** Elements that neither agree within tol nor jump at the threshold. */
  violations: number;
}

/**
 * Compares two row-major [T, F] activation matrices of a JumpReLU head with thresholds [F]; `tol`
 * is one tolerance or one per column (task-gate latents, which enter only through a prompt mean,
 * may use a looser one).
 */
export function compareActivations(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  thresholds: readonly number[],
  tolerance: number | readonly number[],
): ActivationDiff {
  const F = thresholds.length;
  const out: ActivationDiff = { maxDiff: 0, jumps: 0, violations: 0 };
  if (a.length !== b.length) return { ...out, violations: Math.abs(a.length - b.length) + 1 };
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i], b[i]];
    const tol = typeof tolerance === 'number' ? tolerance : tolerance[i % F];
    if ((x === 0) !== (y === 0)) {
      if (Math.max(x, y) <= thresholds[i % F] + tol) out.jumps++;
      else out.violations++;
      continue;
    }
    const d = Math.abs(x - y);
    if (d > tol) out.violations++;
    out.maxDiff = Math.max(out.maxDiff, d);
  }
  return out;
}

/**
 * Rule ids fired on one side only that no activation explains: for each such rule, no token's
 * activation of its feature lies within tol of the rule's threshold on either side.
 */
export function unexplainedRuleDifferences(
  a: RuntimeAnswer,
  b: RuntimeAnswer,
  rules: readonly Rule[],
  columns: ReadonlyMap<number, number>,
  numFeatures: number,
  tol: number,
  gate?: Gate,
): string[] {
  // A gate that opened on one runtime only, with a score next to its threshold, explains every
  // difference in the families it governs (the gate pools the same near-equal activations).
  const gateFlip =
    gate !== undefined &&
    a.gate !== undefined &&
    b.gate !== undefined &&
    a.gate.open !== b.gate.open &&
    Math.min(Math.abs(a.gate.score - gate.threshold), Math.abs(b.gate.score - gate.threshold)) <= GATE_TOL;
  const key = (f: RuntimeAnswer['fired'][number]) => `${f.ruleId}@${f.span.start}-${f.span.end}`;
  const ka = new Set(a.fired.map(key));
  const kb = new Set(b.fired.map(key));
  const differing = new Set(
    [...a.fired.filter((f) => !kb.has(key(f))), ...b.fired.filter((f) => !ka.has(key(f)))].map((f) => f.ruleId),
  );
  const unexplained: string[] = [];
  for (const id of differing) {
    const rule = rules.find((r) => r.id === id)!;
    if (gateFlip && rule.family && gate!.families.includes(rule.family)) continue;
    if (rule.probe) {
      if (!probeDifferenceExplained(rule, a, b) || !probeDifferenceExplained(rule, b, a)) unexplained.push(id);
      continue;
    }
    const c = columns.get(rule.feature)!;
    let near = false;
    for (const acts of [a.activations, b.activations])
      for (let i = c; i < acts.length && !near; i += numFeatures) near = Math.abs(acts[i] - rule.threshold) <= tol;
    if (!near) unexplained.push(id);
  }
  return unexplained;
}

/** Fired rules from raw activations, exactly as the engine matches them. */
export function firedFrom(
  text: string,
  tokens: { start: number; end: number }[],
  activations: Float32Array,
  numFeatures: number,
  rules: readonly Rule[],
  columns: ReadonlyMap<number, number>,
): RuntimeAnswer['fired'] {
  return matchRules({ text, tokens, activations, numFeatures, featureColumns: columns, rules }).fired;
}
