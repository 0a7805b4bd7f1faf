// How strongly each token is shaded in the tokens view: by one selected feature, or by the strongest
// rule feature at that token (activation over the rule's threshold, so rules with different scales
// compare). Pure: the page and the tests call it the same way.
import type { ExplainResponse } from './types.ts';

export type ShadeBy = { kind: 'strongest' } | { kind: 'feature'; feature: number };

export interface TokenShade {
  /** 0..1: how dark the shading is. */
  intensity: number;
  /** The activation shown (of the selected feature, or of the strongest rule feature). */
  activation: number;
  feature: number | null;
  featureLabel: string;
  /** The rule threshold it is measured against (null when no rule uses the feature). */
  threshold: number | null;
  /** Rule ids whose threshold the activation reaches here. */
  over: string[];
}

const NONE: TokenShade = { intensity: 0, activation: 0, feature: null, featureLabel: '', threshold: null, over: [] };

export function shadeTokens(ex: ExplainResponse, by: ShadeBy): TokenShade[] {
  const colOf = new Map(ex.features.map((f) => [f.feature, f.column]));
  const labelOf = new Map(ex.features.map((f) => [f.feature, f.label]));
  const rulesOn = (feature: number) => ex.rules.filter((r) => r.feature === feature && colOf.has(r.feature));
  if (by.kind === 'feature') {
    const col = colOf.get(by.feature);
    if (col === undefined) return ex.tokens.map(() => NONE);
    const rules = rulesOn(by.feature);
    const threshold = rules.length ? Math.min(...rules.map((r) => r.threshold)) : null;
    let peak = 0;
    for (const row of ex.activations) peak = Math.max(peak, row[col] ?? 0);
    const ref = threshold ?? (peak > 0 ? peak : 1);
    return ex.activations.map((row) => {
      const a = row[col] ?? 0;
      return {
        intensity: clamp01(a / ref),
        activation: a,
        feature: by.feature,
        featureLabel: labelOf.get(by.feature) ?? '',
        threshold,
        over: rules.filter((r) => a >= r.threshold).map((r) => r.id),
      };
    });
  }
  const rules = ex.rules.filter((r) => colOf.has(r.feature));
  return ex.activations.map((row) => {
    let best: TokenShade = NONE;
    let bestRatio = 0;
    for (const r of rules) {
      const a = row[colOf.get(r.feature)!] ?? 0;
      const ratio = a / r.threshold;
      if (ratio > bestRatio) {
        bestRatio = ratio;
        best = {
          intensity: clamp01(ratio),
          activation: a,
          feature: r.feature,
          featureLabel: labelOf.get(r.feature) ?? '',
          threshold: r.threshold,
          over: [],
        };
      }
    }
    if (best.feature !== null)
      best.over = rules.filter((r) => (row[colOf.get(r.feature)!] ?? 0) >= r.threshold).map((r) => r.id);
    return best;
  });
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Tokens grouped by the text they cover: pieces that share a span (bytes of one character) go together. */
export interface TokenGroup {
  start: number;
  end: number;
  tokens: number[];
}

export function groupTokens(tokens: readonly { start: number; end: number }[], textLength: number): TokenGroup[] {
  const groups: TokenGroup[] = [];
  let cursor = 0;
  tokens.forEach((t, i) => {
    let start = Math.max(0, Math.min(t.start, textLength));
    const end = Math.max(start, Math.min(t.end, textLength));
    const last = groups[groups.length - 1];
    if (last && end > start && start < last.end) {
      // Overlaps the previous group: part of the same characters.
      last.end = Math.max(last.end, end);
      last.tokens.push(i);
      cursor = last.end;
      return;
    }
    if (start < cursor) start = cursor;
    groups.push({ start, end: Math.max(start, end), tokens: [i] });
    cursor = Math.max(cursor, end);
  });
  return groups;
}
