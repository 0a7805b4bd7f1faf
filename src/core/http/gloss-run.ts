// One glossing pass over a prompt or a message list, reported the way the API answers: the rules
// that fired with their spans and activations, the glosses inserted, and where the time went.
// Shared by the app (/v1/rewrite) and the middleware.
import type { GlossEngine } from '../engine.ts';
import type { FiredRule, MatchOptions, Span } from '../rules/match.ts';
import { rewriteMessages, type ChatMessage, type ScanMode } from '../rewrite/messages.ts';
import { isAnnotated, type RewriteStatus } from '../rewrite/text.ts';

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

export interface InsertedReport {
  rule: string;
  /** Offset in the original text (its length for the note block). */
  at: number;
  gloss: string;
  message?: number;
  part?: number | null;
}

export interface Timing {
  tokenize: number;
  detect: number;
  match: number;
}

export interface GlossRun<M = ChatMessage> {
  status: RewriteStatus;
  /** The glossed prompt (prompt mode). */
  prompt?: string;
  /** The glossed messages (messages mode); unchanged messages are the same objects. */
  messages?: M[];
  fired: FiredReport[];
  inserted: InsertedReport[];
  timing: Timing;
  /** Texts the detector ran on. */
  texts: number;
}

export const round = (x: number, digits = 4): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

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

export async function glossPrompt(engine: GlossEngine, text: string, match: MatchOptions = {}): Promise<GlossRun> {
  // As for messages: text Gloss already annotated (or no text at all) never reaches the detector.
  if (isAnnotated(text) || !text.trim()) {
    return {
      status: isAnnotated(text) ? 'already-annotated' : 'unchanged',
      prompt: text,
      fired: [],
      inserted: [],
      timing: { tokenize: 0, detect: 0, match: 0 },
      texts: 0,
    };
  }
  const out = await engine.rewrite(text, match);
  return {
    status: out.status,
    prompt: out.rewritten,
    fired: out.fired.map((f) => firedReport(engine, f)),
    inserted: out.inserted.map((i) => ({ rule: i.ruleId, at: i.at, gloss: i.gloss })),
    timing: { ...out.ms },
    texts: 1,
  };
}

export async function glossMessages<M extends ChatMessage>(
  engine: GlossEngine,
  messages: readonly M[],
  scan: ScanMode = 'user',
  match: MatchOptions = {},
): Promise<GlossRun<M>> {
  const timing: Timing = { tokenize: 0, detect: 0, match: 0 };
  let texts = 0;
  const r = await rewriteMessages(
    messages,
    async (text) => {
      const a = await engine.analyze(text, match);
      timing.tokenize += a.ms.tokenize;
      timing.detect += a.ms.detect;
      timing.match += a.ms.match;
      texts++;
      return { fired: a.fired, rules: engine.rulesById };
    },
    { scan },
  );
  const fired: FiredReport[] = [];
  const inserted: InsertedReport[] = [];
  for (const m of r.reports) {
    for (const p of m.parts) {
      for (const f of p.fired) fired.push(firedReport(engine, f, { message: m.index, part: p.part }));
      for (const i of p.inserted)
        inserted.push({ rule: i.ruleId, at: i.at, gloss: i.gloss, message: m.index, part: p.part });
    }
  }
  return { status: r.status, messages: r.messages, fired, inserted, timing, texts };
}

export function roundTiming(t: Timing & { total?: number }, digits = 3): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v ?? 0, digits)]));
}
