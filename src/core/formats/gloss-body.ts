// Glosses the scannable texts of a request body in place: the adapter says where the texts are,
// rewriteMessages picks the ones the scan mode selects and inserts the glosses, and the new texts
// are spliced into the original JSON text, so every other byte stays as the client sent it.
import { spliceStrings, type StringEdit } from '../http/json-splice.ts';
import { rewriteMessages, type DetectFn, type ScanMode } from '../rewrite/messages.ts';
import type { RewriteStatus } from '../rewrite/text.ts';
import type { FormatAdapter, ViewMessage } from './types.ts';

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

/**
 * `text` with the edits spliced in, every other byte as it was. Never re-serialized: should an
 * edit's path not hold a string in the source (not a shape Gloss produces), the text goes out
 * unglossed rather than changed elsewhere.
 */
export function applyEdits(text: string, edits: readonly StringEdit[]): string {
  return spliceStrings(text, edits) ?? text;
}

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
