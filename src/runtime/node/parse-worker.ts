// One body-reading worker thread (parse-pool.ts): decodes, parses and views a request body with
// the same readBody the request thread uses, then hands the messages over in batches, one per
// request of the pool. Pulled, not pushed: Node delivers a port's queued messages in one go, so
// pushed batches would be deserialized in one turn of the request thread's event loop anyway.
import { parentPort } from 'node:worker_threads';
import { FORMATS } from '../../core/formats/index.ts';
import type { FormatId, ViewMessage } from '../../core/formats/types.ts';
import { readBody, type BodyRead } from '../../core/proxy/body-read.ts';

/** Pool -> worker: a body to read as a format, the next batch of a read one, or forget one. */
export type ToParseWorker = { id: number; bytes: Uint8Array; format: FormatId } | { next: number } | { drop: number };
/** Worker -> pool: ready, a batch of a job's messages (`last` on its final one), or the 400 to answer. */
export type FromParseWorker =
  | { ready: true }
  | { id: number; batch: ViewMessage[]; last: boolean }
  | { id: number; error: Extract<BodyRead, { error: unknown }>['error'] };

/** Most cost (messages, plus their content parts) in one batch: about a millisecond to deserialize. */
const BATCH_COST = 2048;

const port = parentPort!;
/** Read bodies whose messages are still being handed over: id -> messages and the next index. */
const reading = new Map<number, { messages: ViewMessage[]; at: number }>();

function sendBatch(id: number): void {
  const r = reading.get(id);
  if (!r) return;
  const start = r.at;
  let cost = 0;
  while (r.at < r.messages.length && cost < BATCH_COST) {
    const c = r.messages[r.at++].content;
    cost += 1 + (Array.isArray(c) ? c.length : 0);
  }
  const last = r.at >= r.messages.length;
  if (last) reading.delete(id);
  port.postMessage({ id, batch: r.messages.slice(start, r.at), last } satisfies FromParseWorker);
}

function read(id: number, bytes: Uint8Array, format: FormatId): void {
  const adapter = FORMATS.find((f) => f.id === format);
  if (!adapter) {
    port.postMessage({ id, error: { type: 'invalid_request', message: `unknown format ${format}` } });
    return;
  }
  const r = readBody(bytes, adapter);
  if (!r.ok) {
    if ('error' in r) port.postMessage({ id, error: r.error } satisfies FromParseWorker);
    return;
  }
  reading.set(id, { messages: r.messages, at: 0 });
  sendBatch(id);
}

port.on('message', (m: ToParseWorker) => {
  if ('next' in m) sendBatch(m.next);
  else if ('drop' in m) reading.delete(m.drop);
  else read(m.id, m.bytes, m.format);
});
port.postMessage({ ready: true } satisfies FromParseWorker);
