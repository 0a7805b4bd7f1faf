// A request adapter names the texts of one API's request body that Gloss may scan, as a list of
// chat-like messages, each with the JSON path of its content in the body. Rewriting then splices
// the glossed texts back at those paths (src/core/formats/gloss-body.ts), so every other byte of the
// body (tools, images, unknown fields, number spellings, key order) reaches the upstream as sent.
import type { JsonPath } from '../http/json-splice.ts';
import type { ChatMessage } from '../rewrite/messages.ts';

/** The two wire families Gloss speaks; each has its own default upstream and error shape. */
export type ApiFamily = 'openai' | 'anthropic';

/** The request formats Gloss can gloss. */
export type FormatId = 'openai-chat' | 'openai-responses' | 'anthropic-messages';

/** One scannable unit: a role, its content (a string or content parts) and where it sits. */
export interface ViewMessage extends ChatMessage {
  /** Path of `content` in the body. */
  readonly path: JsonPath;
}

/** A request body read as messages, or why it cannot be. */
export type RequestView = { ok: true; messages: ViewMessage[] } | { ok: false; error: string };

/** One API's request format: where its texts are (as messages with JSON paths), and its family. */
export interface FormatAdapter {
  id: FormatId;
  apiFamily: ApiFamily;
  /** The route, relative to an upstream's base URL (which ends with the API version, e.g. /v1). */
  upstreamPath: string;
  /** Gloss's own route for it. */
  route: string;
  /** Content-part types whose `text` is scanned. */
  textPartTypes: readonly string[];
  /** The scannable messages, or why the body is not a request of this API. */
  view(body: unknown): RequestView;
}

/** Whether `v` is a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v`'s JSON type in words for error messages: null, an array, string, ... */
export function describeType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** Messages of a `messages` array (OpenAI chat, Anthropic), with a check that each is an object. */
export function messageList(
  body: Record<string, unknown>,
  field: string,
  prefix: JsonPath = [],
): ViewMessage[] | string {
  const list = body[field];
  if (!Array.isArray(list)) return `${field}: expected an array of messages, got ${describeType(list)}`;
  const out: ViewMessage[] = [];
  for (const [i, m] of list.entries()) {
    if (!isObject(m)) return `${field}[${i}]: expected a message object, got ${describeType(m)}`;
    out.push({
      role: typeof m.role === 'string' ? m.role : '',
      content: m.content as ViewMessage['content'],
      path: [...prefix, field, i, 'content'],
    });
  }
  return out;
}
