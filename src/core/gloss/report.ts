// How the API reports a glossing pass (src/core/gloss/pass.ts): the rules that fired with their
// spans and activations, the glosses inserted, and where the time went. Shared by the app
// (/v1/rewrite) and the middleware.
import type { GlossEngine } from '../engine/engine.ts';
import type { FiredRule, Span } from '../rules/match.ts';
import type { RewriteStatus } from '../rewrite/text.ts';

/** A rule that fired, as the API reports it (/v1/rewrite's `fired`, the middleware's report). */
export interface FiredReport {
  rule: string;
  label: string;
  feature: number;
  column: number;
  scope: FiredRule['scope'];
  placement: FiredRule['placement'];
  priority: number;
  span: Span;
  /** Strongest activation of the feature over the span's tokens. */
  peak: number;
  threshold: number;
  ratio: number;
  /** Messages mode: which message, and which content part (null for string content). */
  message?: number;
  part?: number | null;
}

/** A gloss inserted into a text, as the API reports it. */
export interface InsertedReport {
  rule: string;
  /** Offset in the original text (its length for the note block). */
  at: number;
  gloss: string;
  message?: number;
  part?: number | null;
}

/** Where a glossing pass spent its time, in ms. */
export interface Timing {
  tokenize: number;
  detect: number;
  match: number;
}

/** `x` rounded to `digits` decimals (for JSON output; never used in detection). */
export const round = (x: number, digits = 4): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** A FiredRule as the API reports it: the rule's label from the engine, peak and ratio rounded to 4 decimals, `where` (message, part) added. */
export function firedReport(
  engine: GlossEngine,
  f: FiredRule,
  where: { message?: number; part?: number | null } = {},
): FiredReport {
  return {
    rule: f.ruleId,
    label: engine.rulesById.get(f.ruleId)?.label ?? f.ruleId,
    feature: f.feature,
    column: f.column,
    scope: f.scope,
    placement: f.placement,
    priority: f.priority,
    span: f.span,
    peak: round(f.peak),
    threshold: f.threshold,
    ratio: round(f.ratio),
    ...where,
  };
}

/** Header form of a status: 'already-annotated' reads as unchanged to clients. */
export function headerStatus(status: RewriteStatus): 'rewritten' | 'unchanged' {
  return status === 'rewritten' ? 'rewritten' : 'unchanged';
}

/** Distinct rule ids in order of first appearance. */
export function ruleIds(fired: readonly { rule: string }[]): string[] {
  return [...new Set(fired.map((f) => f.rule))];
}

/** Each timing rounded to `digits` decimals (ms). */
export function roundTiming(t: Timing & { total?: number }, digits = 3): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v ?? 0, digits)]));
}
