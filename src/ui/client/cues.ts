// Grammar cues in the explorer: the phrases the construction grammar (src/core/grammar) parses in
// the prompt, each with the construction rule that uses it and what became of it (glossed, task
// gate closed, rule off by default, ...), and the task gate's verdict recomputed from the explain
// matrix with the core's own scoreGate. Pure: the page and the tests call it the same way.
import {
  asksForQuantity,
  findConstructions,
  inFirstPersonSentence,
  type Construction,
} from '../../core/grammar/index.ts';
import { openForConstructions, scoreGate, type GateResult } from '../../core/rules/gate.ts';
import type { Gate, Rule } from '../../core/rules/schema.ts';
import type { FiredSpan } from './shade.ts';
import type { ExplainResponse, FiredReport } from './types.ts';

/** What became of one grammar cue on this prompt. */
export type CueState =
  'glossed' | 'gate-closed' | 'rule-off' | 'no-rule' | 'no-quantity-asked' | 'first-person' | 'not-inserted';

/** A phrase the grammar parsed, as the tokens view marks it. */
export interface CueSpan {
  start: number;
  end: number;
  kind: string;
  family: string;
  /** The construction rule that uses this kind, if any. */
  rule?: string;
  state: CueState;
  /** One line: why it was or was not glossed. */
  why: string;
}

/** The construction rule of `rules` that fires on `c` (by family, or by naming its kind). */
export function ruleForConstruction(rules: readonly Rule[], c: { family: string; kind: string }): Rule | undefined {
  return rules.find((r) =>
    Array.isArray(r.construction) ? r.construction.includes(c.kind) : r.construction === c.family,
  );
}

/**
 * The task gate on this prompt, from the explain answer's full matrix (activations rounded to 4
 * decimals, so the score can differ from the server's in the last digits). Undefined without a gate
 * or without the matrix.
 */
export function gateOnPrompt(gate: Gate | undefined, ex: ExplainResponse, prompt: string): GateResult | undefined {
  if (!gate || !ex.activations?.length) return undefined;
  const F = ex.activations[0].length;
  const acts = new Float32Array(ex.activations.length * F);
  ex.activations.forEach((row, t) => acts.set(row, t * F));
  const usable = ex.tokens.flatMap((t, i) => (t.start >= 0 && t.end > t.start && t.end <= prompt.length ? [i] : []));
  const columns = new Map(ex.features.map((f) => [f.feature, f.column]));
  return scoreGate(gate, acts, F, usable, columns);
}

/** Every grammar cue of `prompt`, with its rule and state (see CueState). */
export function cueSpans(
  prompt: string,
  rules: readonly Rule[],
  fired: readonly FiredReport[],
  gate: { def?: Gate; result?: GateResult },
): CueSpan[] {
  return findConstructions(prompt).map((c) => {
    const rule = ruleForConstruction(rules, c);
    const base = { start: c.span.start, end: c.span.end, kind: c.kind, family: c.family, rule: rule?.id };
    if (!rule) return { ...base, state: 'no-rule' as const, why: 'no rule of this bundle uses this construction' };
    if (fired.some((f) => f.rule === rule.id && overlaps(f.span, c.span)))
      return { ...base, state: 'glossed' as const, why: `glossed by ${rule.id}` };
    if (rule.off)
      return { ...base, state: 'rule-off' as const, why: `${rule.id} is off by default (${decisionOf(rule)})` };
    const governed = gate.def?.families.includes(rule.family as never);
    if (governed && gate.result && !openForConstructions(gate.def!, gate.result, () => asksForQuantity(prompt)))
      return {
        ...base,
        state: 'gate-closed' as const,
        why: `task gate ${gate.def!.id} closed (score ${gate.result.score.toFixed(2)} < ${gate.def!.threshold}${
          gate.def!.askedThreshold === undefined
            ? ''
            : `, or < ${gate.def!.askedThreshold} where the prompt asks for a quantity`
        })`,
      };
    if (!asksForQuantity(prompt))
      return {
        ...base,
        state: 'no-quantity-asked' as const,
        why: 'the prompt asks for no quantity ("how many", "what is the total", "calculate"): no word problem, no gloss',
      };
    if (inFirstPersonSentence(prompt, c.span.start, c.span.end))
      return {
        ...base,
        state: 'first-person' as const,
        why: 'a sentence in the first person ("My plan is $60 a month") is the writer\'s own context, not a word problem: no gloss',
      };
    return {
      ...base,
      state: 'not-inserted' as const,
      why: `${rule.id} did not insert it here (gloss cap or duplicate)`,
    };
  });
}

/** The fired rules as the shading needs them: construction rules carry the kind they parsed. */
export function firedSpans(fired: readonly FiredReport[], rules: readonly Rule[], prompt: string): FiredSpan[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  let found: Construction[] | undefined;
  return fired.map((f) => {
    const rule = byId.get(f.rule);
    if (rule?.construction === undefined) return { fired: f, probe: Boolean(rule?.probe) };
    found ??= findConstructions(prompt);
    const c = found.find((x) => x.span.start === f.span.start) ?? found.find((x) => overlaps(x.span, f.span));
    return { fired: f, cueKind: c?.kind ?? rule.family ?? 'construction' };
  });
}

/** A rule's `evidence.decision` when the trainer wrote one. */
export function decisionOf(rule: Rule): string {
  const d = (rule.evidence as { decision?: unknown }).decision;
  return typeof d === 'string' ? d : 'no decision recorded';
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}
