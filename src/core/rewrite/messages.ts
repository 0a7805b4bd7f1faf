// Glosses chat messages (OpenAI-style; Anthropic's content blocks share the shape). Only the text
// of the chosen messages changes: every other field, message and part is passed through as the
// same object, so tool calls, images and unknown vendor fields reach the upstream untouched.
import type { FiredRule } from '../rules/match.ts';
import type { Rule } from '../rules/schema.ts';
import { isAnnotated, rewriteText, type Insertion, type RewriteStatus } from './text.ts';

/** A content part of a chat message (text, image, ...); only text parts are scanned. */
export type ContentPart = { type: string; [key: string]: unknown };

/** A chat message as the formats present it: role and string or parts content. */
export interface ChatMessage {
  role: string;
  content?: string | readonly ContentPart[] | null;
  [key: string]: unknown;
}

/** Which messages to scan: all user turns (default), only the last one, system prompts, or all. */
export type ScanMode = 'user' | 'last-user' | 'system' | 'all';

/** What the detector and rules found in a text: the fired rules, and the rules they refer to. */
export interface Detection {
  fired: readonly FiredRule[];
  rules: readonly Rule[] | ReadonlyMap<string, Rule>;
}

/** Detects (and glosses) one text. */
export type DetectFn = (text: string) => Promise<Detection>;

/** Which messages to scan (ScanMode) and whether to keep the scanned texts in the report. */
export interface RewriteMessagesOptions {
  scan?: ScanMode;
  /** Part types whose `text` is scanned (default ['text']; the Responses API uses 'input_text'). */
  textPartTypes?: readonly string[];
  /**
   * Called before each message: may return a promise to await (a yield to the event loop) or
   * throw (a spent deadline), so a walk over many messages can be bounded and sliced.
   */
  pace?: () => Promise<void> | undefined;
}

/** What happened to one text part. */
export interface PartReport {
  /** Index in the content array, or null when content is a plain string. */
  part: number | null;
  status: RewriteStatus;
  fired: readonly FiredRule[];
  inserted: Insertion[];
}

/** What happened to one message. */
export interface MessageReport {
  index: number;
  role: string;
  status: RewriteStatus | 'not-scanned';
  parts: PartReport[];
}

/** The rewritten messages and a report per message. */
export interface RewriteMessagesResult<M> {
  messages: M[];
  reports: MessageReport[];
  /** 'rewritten' if any text changed, else 'already-annotated' if any was, else 'unchanged'. */
  status: RewriteStatus;
}

function selected(messages: readonly ChatMessage[], mode: ScanMode): Set<number> {
  const out = new Set<number>();
  if (mode === 'last-user') {
    const i = messages.findLastIndex((m) => m?.role === 'user');
    if (i >= 0) out.add(i);
    return out;
  }
  messages.forEach((m, i) => {
    const role = m?.role;
    if (
      mode === 'all' ||
      (mode === 'user' && role === 'user') ||
      (mode === 'system' && (role === 'system' || role === 'developer'))
    )
      out.add(i);
  });
  return out;
}

function combine(statuses: readonly RewriteStatus[]): RewriteStatus {
  if (statuses.includes('rewritten')) return 'rewritten';
  return statuses.includes('already-annotated') ? 'already-annotated' : 'unchanged';
}

async function glossText(text: string, detect: DetectFn, part: number | null): Promise<PartReport & { text: string }> {
  // Skip the detector where nothing can change: empty text, or text Gloss already annotated.
  if (isAnnotated(text)) return { part, text, status: 'already-annotated', fired: [], inserted: [] };
  if (!text.trim()) return { part, text, status: 'unchanged', fired: [], inserted: [] };
  const { fired, rules } = await detect(text);
  const r = rewriteText(text, fired, rules);
  return { part, text: r.text, status: r.status, fired, inserted: r.inserted };
}

/**
 * Runs `detect` on the text of the selected messages (one call at a time, in order) and inserts
 * glosses. Detector errors propagate: the caller decides between fail-open and fail-closed.
 */
export async function rewriteMessages<M extends ChatMessage>(
  messages: readonly M[],
  detect: DetectFn,
  opts: RewriteMessagesOptions = {},
): Promise<RewriteMessagesResult<M>> {
  const scan = selected(messages, opts.scan ?? 'user');
  const textTypes = opts.textPartTypes ?? ['text'];
  const out: M[] = [];
  const reports: MessageReport[] = [];

  const pace = opts.pace;
  for (const [index, msg] of messages.entries()) {
    if (pace) {
      const p = pace();
      if (p) await p;
    }
    const role = typeof msg?.role === 'string' ? msg.role : '';
    if (!scan.has(index)) {
      out.push(msg);
      reports.push({ index, role, status: 'not-scanned', parts: [] });
      continue;
    }
    const content = msg.content;
    const parts: PartReport[] = [];
    let next: M = msg;
    if (typeof content === 'string') {
      const { text, ...report } = await glossText(content, detect, null);
      parts.push(report);
      if (text !== content) next = { ...msg, content: text };
    } else if (Array.isArray(content)) {
      let changed = false;
      const newContent: ContentPart[] = [];
      for (const [i, p] of (content as readonly ContentPart[]).entries()) {
        if (!p || typeof p !== 'object' || !textTypes.includes(p.type) || typeof p.text !== 'string') {
          newContent.push(p);
          continue;
        }
        const { text, ...report } = await glossText(p.text, detect, i);
        parts.push(report);
        if (text !== p.text) {
          newContent.push({ ...p, text });
          changed = true;
        } else newContent.push(p);
      }
      if (changed) next = { ...msg, content: newContent };
    }
    out.push(next);
    reports.push({ index, role, status: combine(parts.map((p) => p.status)), parts });
  }
  return { messages: out, reports, status: combine(reports.flatMap((r) => r.parts.map((p) => p.status))) };
}
