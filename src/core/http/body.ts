// Request bodies with a size limit that holds whether or not the client sent content-length (it is
// checked up front and again while reading, so a lying or absent header cannot get past it).
import { HttpError } from './errors.ts';

/** Largest request body of Gloss's own endpoints and the middleware's scan, in bytes (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(max: number): HttpError {
  return new HttpError(413, 'payload_too_large', `request body is larger than ${max} bytes`);
}

/** The declared content-length, or undefined when absent or not a plain number. */
export function declaredLength(req: Request): number | undefined {
  const v = req.headers.get('content-length');
  if (v === null || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** What {@link readUpTo} read: the whole body, or (over the limit) its head and the unread rest. */
export type PartialBody =
  | { complete: true; bytes: Uint8Array }
  /** Over the limit: what was read so far and the rest of the stream, to pass the body on untouched. */
  | { complete: false; head: Uint8Array[]; rest: ReadableStreamDefaultReader<Uint8Array> | undefined };

/** Reads at most `max` bytes; never buffers more than that. */
export async function readUpTo(req: Request, max: number): Promise<PartialBody> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > max && !req.headers.has('transfer-encoding')) {
    return { complete: false, head: [], rest: undefined };
  }
  if (!req.body) return { complete: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > max) return { complete: false, head: chunks, rest: reader };
  }
  return { complete: true, bytes: concat(chunks, size) };
}

/** Reads the whole body or throws HttpError 413. */
export async function readLimited(req: Request, max: number): Promise<Uint8Array> {
  const r = await readUpTo(req, max);
  if (!r.complete) {
    await r.rest?.cancel().catch(() => {});
    throw tooLarge(max);
  }
  return r.bytes;
}

/** The chunks as one array (the single chunk itself when there is one); `size` is their total length in bytes. */
export function concat(chunks: readonly Uint8Array[], size = chunks.reduce((a, c) => a + c.byteLength, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/** A stream that replays what readUpTo consumed, then the rest of the original body. */
export function replay(
  head: readonly Uint8Array[],
  rest: ReadableStreamDefaultReader<Uint8Array> | undefined,
): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i < head.length) {
        controller.enqueue(head[i++]);
        return;
      }
      if (!rest) return controller.close();
      const { done, value } = await rest.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return rest?.cancel(reason);
    },
  });
}

/** `application/json`, `application/json; charset=utf-8`, `application/vnd.foo+json`. */
export function isJsonContentType(value: string | null): boolean {
  if (!value) return false;
  const type = value.split(';', 1)[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes and parses a JSON body; HttpError 400 when it is not UTF-8 JSON. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid UTF-8');
  }
  if (!text.trim()) throw new HttpError(400, 'invalid_json', 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Throws HttpError 415 `unsupported_media_type` unless the request says its body is JSON. */
export function requireJsonContentType(req: Request): void {
  if (!isJsonContentType(req.headers.get('content-type'))) {
    const got = req.headers.get('content-type');
    throw new HttpError(
      415,
      'unsupported_media_type',
      `content-type must be application/json${got ? `, got ${got.split(';', 1)[0]}` : ' (none sent)'}`,
    );
  }
}

/** Content type, size limit and JSON parsing for an API request, as HttpErrors (415, 413, 400). */
export async function readJsonRequest(req: Request, maxBytes: number): Promise<unknown> {
  requireJsonContentType(req);
  return parseJsonBytes(await readLimited(req, maxBytes));
}
