// Glosses the scannable texts of a request body in place: the adapter says where the texts are,
// rewriteMessages picks the ones the scan mode selects and inserts the glosses, and the new texts
// are spliced into the original JSON text, so every other byte stays as the client sent it.
import { spliceStrings, type JsonPath, type StringEdit } from '../http/json-splice.ts';
import { rewriteMessages, type DetectFn, type ScanMode } from '../rewrite/messages.ts';
import type { RewriteStatus } from '../rewrite/text.ts';
import type { FormatAdapter, ViewMessage } from './types.ts';

/** A glossed request body and what happened to it. */
export interface BodyGloss {
  status: RewriteStatus;
  /** The body to forward: the original text when nothing changed. */
  body: string;
  /** Distinct ids of the rules that fired, in order of first appearance. */
  rules: string[];
  /** Glosses inserted. */
  inserted: number;
  /** Texts the detector was asked about. */
  texts: number;
  /** The texts that were scanned, for operators who opted into prompt logging. */
  scanned: string[];
}

/** The string edits that turn the view into the rewritten one (unchanged parts are the same objects). */
export function editsOf(before: readonly ViewMessage[], after: readonly ViewMessage[]): StringEdit[] {
  const out: StringEdit[] = [];
  after.forEach((m, i) => {
    const old = before[i];
    if (m === old) return;
    if (typeof m.content === 'string') out.push({ path: old.path, value: m.content });
    else if (Array.isArray(m.content)) {
      const parts = old.content as readonly unknown[];
      m.content.forEach((p, j) => {
        if (p !== parts[j] && typeof p.text === 'string') out.push({ path: [...old.path, j, 'text'], value: p.text });
      });
    }
  });
  return out;
}

function setAt(root: unknown, path: JsonPath, value: string): void {
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}

/** `text` with the edits applied; re-serialized only when the source is ambiguous (duplicate keys). */
export function applyEdits(text: string, edits: readonly StringEdit[]): string {
  const spliced = spliceStrings(text, edits);
  if (spliced !== undefined) return spliced;
  const json = JSON.parse(text) as unknown;
  for (const e of edits) setAt(json, e.path, e.value);
  return JSON.stringify(json);
}

/**
 * Glosses the texts of a request body that the scan mode selects (the adapter says where they are) and splices
 * the new strings into the original JSON text, so every other byte stays as sent. Returns the body to forward
 * and the rewrite status.
 */
export async function glossBody(
  adapter: FormatAdapter,
  text: string,
  messages: readonly ViewMessage[],
  detect: DetectFn,
  opts: { scan?: ScanMode; keepScanned?: boolean } = {},
): Promise<BodyGloss> {
  const scanned: string[] = [];
  let texts = 0;
  const r = await rewriteMessages(
    messages,
    (t) => {
      texts++;
      if (opts.keepScanned) scanned.push(t);
      return detect(t);
    },
    { scan: opts.scan ?? 'user', textPartTypes: adapter.textPartTypes },
  );
  const rules = new Set<string>();
  let inserted = 0;
  for (const m of r.reports) {
    for (const p of m.parts) {
      for (const f of p.fired) rules.add(f.ruleId);
      inserted += p.inserted.length;
    }
  }
  const body = r.status === 'rewritten' ? applyEdits(text, editsOf(messages, r.messages)) : text;
  return { status: r.status, body, rules: [...rules], inserted, texts, scanned };
}
