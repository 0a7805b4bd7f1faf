// How the API reports a glossing pass (src/core/gloss/pass.ts): the rules that fired with their
// spans and activations, the glosses inserted, and where the time went. Shared by the app
// (/v1/rewrite) and the middleware.
import type { GlossEngine } from '../engine/engine.ts';
import type { FiredRule, Span } from '../rules/match.ts';
import type { PassResult } from './pass.ts';

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

/** Distinct rule ids in order of first appearance. */
export function ruleIds(fired: readonly { rule: string }[]): string[] {
  return [...new Set(fired.map((f) => f.rule))];
}

/** Each timing rounded to `digits` decimals (ms). */
export function roundTiming(t: Timing & { total?: number }, digits = 3): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v ?? 0, digits)]));
}

/**
 * The fired rules and inserted glosses of one pass unit as the API reports them, each located by
 * message index and content part (null for string content), unless the unit is a bare prompt.
 */
export function unitReports(
  engine: GlossEngine,
  unit: PassResult['units'][number],
  isPrompt: boolean,
): { fired: FiredReport[]; inserted: InsertedReport[] } {
  const fired: FiredReport[] = [];
  const inserted: InsertedReport[] = [];
  for (const m of unit.reports)
    for (const p of m.parts) {
      const where = isPrompt ? {} : { message: m.index, part: p.part };
      for (const f of p.fired) fired.push(firedReport(engine, f, where));
      for (const i of p.inserted) inserted.push({ rule: i.ruleId, at: i.at, gloss: i.gloss, ...where });
    }
  return { fired, inserted };
}
