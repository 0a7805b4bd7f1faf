// From a rewritten view of a request body to the bytes to send: the string edits between the view
// and its rewrite, spliced into the original JSON text, so every other byte stays as the client
// sent it. The glossing pass itself is src/core/gloss/pass.ts.
import { spliceStrings, type StringEdit } from '../http/json-splice.ts';
import type { ViewMessage } from './types.ts';

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
