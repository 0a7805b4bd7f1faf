// The texts of a request as glossing-pass units, with the JSON paths the pass's edits splice into:
// a bare `prompt` is one user message scanned whole, chat `messages` keep their index and the scan
// mode. Shared by the gloss() middleware and /v1/rewrite (the proxy's format adapters make their own).
import type { ChatMessage, ScanMode } from '../rewrite/messages.ts';
import type { PassUnit } from './pass.ts';

/** A top-level `prompt` string as one unit: a user message at path `prompt`, always scanned. */
export function promptUnit(prompt: string): PassUnit {
  return { messages: [{ role: 'user', content: prompt, path: ['prompt'] }], scan: 'all' };
}

/** A top-level `messages` array as one unit: message i's content at path `messages.i.content`, scanned by `scan`. */
export function messagesUnit(messages: readonly ChatMessage[], scan: ScanMode): PassUnit {
  return { messages: messages.map((m, i) => ({ ...m, path: ['messages', i, 'content'] })), scan };
}
