// Reading a glossed route's body: UTF-8, then JSON, then the format's messages (adapter.view).
// JSON.parse cannot be paused, and on a body near the scan limit it runs for hundreds of ms
// (a few MiB of distinct keys), so a runtime with threads may read large bodies off the request
// thread through a BodyReader (Node: src/runtime/node/parse-pool.ts). workerd has no threads and
// isolates each request on its own, so it keeps {@link readBody} in the request's thread.
import type { Deadline } from '../gloss/deadline.ts';
import type { FormatAdapter, FormatId, ViewMessage } from '../formats/types.ts';

/** A body as read: its messages (and its text when the reader decoded it here), a 400 to answer, or the deadline passed first. */
export type BodyRead =
  | { ok: true; messages: ViewMessage[]; text?: string }
  | { ok: false; error: { type: 'invalid_json' | 'invalid_request'; message: string } }
  | { ok: false; timeout: true };

/** Where large bodies are read (Node: a worker-thread pool). */
export interface BodyReader {
  /** For /healthz and logs, e.g. `parse-pool(2)`. */
  readonly kind: string;
  /** Bodies of at least this many bytes go to the reader; smaller ones are read in the request's thread. */
  readonly minBytes: number;
  /**
   * The same answer {@link readBody} gives for `bytes` in `format`, or `{ timeout }` once
   * `deadline` passes first (the work is then abandoned). Never rejects for a bad body.
   */
  read(bytes: Uint8Array, format: FormatId, deadline: Deadline): Promise<BodyRead>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes, parses and views a body in this thread (errors as 400 answers, never thrown). */
export function readBody(bytes: Uint8Array, adapter: FormatAdapter): BodyRead {
  let text: string;
  let json: unknown;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, error: { type: 'invalid_json', message: 'request body is not valid UTF-8' } };
  }
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      error: { type: 'invalid_json', message: `request body is not valid JSON: ${(e as Error).message}` },
    };
  }
  const view = adapter.view(json);
  if (!view.ok) return { ok: false, error: { type: 'invalid_request', message: view.error } };
  return { ok: true, messages: view.messages, text };
}
