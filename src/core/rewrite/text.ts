// Inserts the glosses of fired rules into a plain text (marker format: see markers.ts).
import { snapBackward, snapForward } from '../rules/boundaries.ts';
import type { FiredRule } from '../rules/match.ts';
import { renderGloss } from '../rules/render.ts';
import type { Rule } from '../rules/schema.ts';
import { inlineMarker, isAnnotated, notesBlock, sanitizeGloss } from './markers.ts';

export { stripGlosses, isAnnotated } from './markers.ts';

/** What a rewrite did: inserted glosses, found nothing to gloss, or found the text already glossed. */
export type RewriteStatus = 'rewritten' | 'unchanged' | 'already-annotated';

/** A gloss inserted: which rule, where (UTF-16 offset into the original), and the gloss text. */
export interface Insertion {
  ruleId: string;
  /** Offset in the original text where the gloss went (text.length for the note block). */
  at: number;
  /** The gloss as inserted, without the marker. */
  gloss: string;
}

/** The rewritten text, its status, and the insertions made. */
export interface RewriteResult {
  text: string;
  inserted: Insertion[];
  status: RewriteStatus;
}

type RulesArg = readonly Rule[] | ReadonlyMap<string, Rule>;

function toMap(rules: RulesArg): ReadonlyMap<string, Rule> {
  return isRuleList(rules) ? new Map(rules.map((r) => [r.id, r])) : rules;
}

function isRuleList(rules: RulesArg): rules is readonly Rule[] {
  return Array.isArray(rules);
}

function clamp(n: number, len: number): number {
  return Math.min(Math.max(0, Math.trunc(n)), len);
}

/**
 * Glosses fired rules into `text`. `fired` order is kept among glosses at one place and in the
 * note block (matchRules returns it ranked). A text already holding Gloss markers comes back
 * unchanged, so rewriting twice equals rewriting once. Fired entries with no known rule or a
 * nonsensical span are ignored, never thrown on.
 */
export function rewriteText(text: string, fired: readonly FiredRule[], rules: RulesArg): RewriteResult {
  if (isAnnotated(text)) return { text, inserted: [], status: 'already-annotated' };
  const byId = toMap(rules);
  const inline: Insertion[] = [];
  const notes: Insertion[] = [];
  const seen = new Set<string>();

  for (const f of fired) {
    const rule = byId.get(f.ruleId);
    const s = f.span?.start;
    const e = f.span?.end;
    if (!rule || !Number.isFinite(s) || !Number.isFinite(e) || s > e) continue;
    // Insert at a grapheme boundary: never between a surrogate pair or before a combining mark.
    const end = snapForward(text, clamp(e, text.length));
    const start = snapBackward(text, clamp(s, end));
    // A construction rule's gloss was written by the grammar for this phrase.
    const gloss = sanitizeGloss(f.gloss ?? renderGloss(rule.gloss, text.slice(start, end)));
    const toNote = rule.scope === 'prompt' || rule.placement === 'note';
    const at = toNote ? text.length : end;
    const key = `${toNote ? 'note' : at}\u0000${gloss}`;
    if (!gloss || seen.has(key)) continue;
    seen.add(key);
    (toNote ? notes : inline).push({ ruleId: f.ruleId, at, gloss });
  }
  if (inline.length === 0 && notes.length === 0) return { text, inserted: [], status: 'unchanged' };

  // Offsets all refer to the original string; one ascending pass over it (stable sort keeps the
  // fired order at a shared offset) is the same as inserting from the end, and stays linear.
  inline.sort((a, b) => a.at - b.at);
  const parts: string[] = [];
  let prev = 0;
  for (const ins of inline) {
    parts.push(text.slice(prev, ins.at), inlineMarker(ins.gloss));
    prev = ins.at;
  }
  parts.push(text.slice(prev));
  if (notes.length) parts.push(notesBlock(notes.map((n) => n.gloss)));
  return { text: parts.join(''), inserted: [...inline, ...notes], status: 'rewritten' };
}
