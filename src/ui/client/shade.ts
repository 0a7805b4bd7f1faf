// How each token is shaded in the tokens view: by the rules that fired (only their spans; a span
// the construction grammar drove is marked as a cue, not shaded as an activation), or by one
// feature the user picks. Pure: the page and the tests call it the same way.
import type { ExplainResponse, FiredReport } from './types.ts';

export type ShadeBy = { kind: 'fired' } | { kind: 'feature'; feature: number };

/** A fired rule as the shading needs it: its report, and whether the grammar drove it (a cue). */
export interface FiredSpan {
  fired: FiredReport;
  /** The construction kind for a grammar-driven rule ('times-as-many'), else undefined. */
  cueKind?: string;
  /** A probe rule: `peak` and `threshold` are the classifier's probability, not an activation. */
  probe?: boolean;
}

export interface TokenShade {
  /** 0..1: how dark the shading is (0 for cue-only tokens: a cue is outlined, not shaded). */
  intensity: number;
  /** The activation shown (of the selected feature, or of the fired rule's feature here). */
  activation: number;
  feature: number | null;
  featureLabel: string;
  /** The threshold it is measured against (null when none applies). */
  threshold: number | null;
  /** Ids of the rules that fired on a span covering this token. */
  over: string[];
  /** Grammar cues that fired here: `<kind>` of each construction rule's phrase. */
  cues: { rule: string; kind: string }[];
}

const NONE: TokenShade = {
  intensity: 0,
  activation: 0,
  feature: null,
  featureLabel: '',
  threshold: null,
  over: [],
  cues: [],
};

/** Shades `ex.tokens`; in `fired` mode only tokens inside a fired span are marked (see TokenShade). */
export function shadeTokens(ex: ExplainResponse, by: ShadeBy, fired: readonly FiredSpan[] = []): TokenShade[] {
  const colOf = new Map(ex.features.map((f) => [f.feature, f.column]));
  const labelOf = new Map(ex.features.map((f) => [f.feature, f.label]));
  const act = (t: number, feature: number) => ex.activations[t]?.[colOf.get(feature) ?? -1] ?? 0;
  if (by.kind === 'feature') {
    const col = colOf.get(by.feature);
    if (col === undefined) return ex.tokens.map(() => NONE);
    const rules = ex.rules.filter((r) => r.feature === by.feature);
    const threshold = rules.length ? Math.min(...rules.map((r) => r.threshold)) : null;
    let peak = 0;
    for (const row of ex.activations) peak = Math.max(peak, row[col] ?? 0);
    const ref = threshold ?? (peak > 0 ? peak : 1);
    return ex.tokens.map((_, t) => {
      const a = act(t, by.feature);
      return {
        ...NONE,
        intensity: clamp01(a / ref),
        activation: a,
        feature: by.feature,
        featureLabel: labelOf.get(by.feature) ?? '',
        threshold,
        over: rules.filter((r) => a >= r.threshold).map((r) => r.id),
      };
    });
  }
  return ex.tokens.map((tok, t) => {
    const here = fired.filter(
      (f) => tok.end > tok.start && tok.start < f.fired.span.end && tok.end > f.fired.span.start,
    );
    if (!here.length) return NONE;
    const latent = here.filter((f) => !f.cueKind);
    // Shade by the strongest latent-driven rule here; a span stays visible however weak the token.
    let best: TokenShade = { ...NONE };
    for (const { fired: f, probe } of latent) {
      const a = act(t, f.feature);
      const intensity = Math.max(0.35, clamp01(probe ? f.ratio : a / f.threshold));
      if (intensity > best.intensity)
        best = {
          ...NONE,
          intensity,
          activation: probe ? f.peak : a,
          feature: f.feature,
          featureLabel: labelOf.get(f.feature) ?? '',
          threshold: f.threshold,
        };
    }
    return {
      ...best,
      over: [...new Set(here.map((f) => f.fired.rule))],
      cues: here.filter((f) => f.cueKind).map((f) => ({ rule: f.fired.rule, kind: f.cueKind! })),
    };
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
