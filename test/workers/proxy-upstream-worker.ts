// The fake LLM upstream as a worker, for the proxy tests in workerd. It is the Gloss Worker's
// outboundService, so every fetch() the Gloss Worker makes lands here whatever its URL; it records
// each one (URL included: the allow-list test checks that only configured upstreams were asked)
// and answers like test/helpers/fake-llm.ts, driven by the model name (scriptedReply).
//   http://fake.control/__requests  GET: what was recorded     POST /__reset: forget it
import {
  FAKE_API_PATHS,
  fakeAnswer,
  fakeRequest,
  scriptedReply,
  type FakeRequest,
} from '../helpers/fake-llm-replies.ts';

export interface Recorded {
  url: string;
  method: string;
  headers: Record<string, string>;
  raw: string;
}

let recorded: Recorded[] = [];
let count = 0;
let serial = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * A stream cut mid-way, as a lost connection looks to the reader: the first `cutAfter` events (and
 * half the next with cutMidEvent), then an error. A native IdentityTransformStream aborted by its
 * writer, which catches what the abort returns: a JS ReadableStream erroring inside its own pull
 * left a rejection workerd reported as an uncaught exception, a stack dump in every passing run.
 */
function cutStream(
  events: string[],
  reply: { cutAfter?: number; cutMidEvent?: boolean; chunkDelayMs?: number },
  status: number,
  headers: HeadersInit | undefined,
): Response {
  const enc = new TextEncoder();
  const { readable, writable } = new IdentityTransformStream();
  const w = writable.getWriter();
  const write = async () => {
    for (let i = 0; i < reply.cutAfter! && i < events.length; i++) {
      if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      await w.write(enc.encode(events[i]));
    }
    const next = events[reply.cutAfter!];
    if (reply.cutMidEvent && next) await w.write(enc.encode(next.slice(0, Math.ceil(next.length / 2))));
    await sleep(5);
    await w.abort(new Error('fake upstream: connection lost'));
  };
  write().catch(() => {}); // the reader may have gone; the abort is the point either way
  return new Response(readable, { status, headers });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.hostname === 'fake.control') {
      if (url.pathname === '/__requests') return Response.json(recorded);
      if (url.pathname === '/__reset') {
        recorded = [];
        count = 0;
        return new Response('ok');
      }
      return new Response('no such control', { status: 404 });
    }
    const raw = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const headers = Object.fromEntries(request.headers);
    recorded.push({ url: request.url, method: request.method, headers, raw });
    const api = FAKE_API_PATHS[url.pathname];
    if (request.method !== 'POST' || !api)
      return json(404, {
        error: { message: `no route ${request.method} ${url.pathname}`, type: 'invalid_request_error' },
      });
    const fr: FakeRequest = fakeRequest(count++, api, request.method, url.pathname + url.search, headers, raw);
    if (fr.body === undefined)
      return json(400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
    const reply = scriptedReply(fr);
    if (reply.delayMs) await sleep(reply.delayMs);
    const a = fakeAnswer(fr, reply, serial++);
    if (!a.events) {
      return new Response(a.status >= 300 && a.status < 400 ? null : (a.body ?? ''), {
        status: a.status,
        headers: a.headers,
      });
    }
    const enc = new TextEncoder();
    const events = a.events;
    if (reply.cutAfter !== undefined) return cutStream(events, reply, a.status, a.headers);
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (i >= events.length) return c.close();
        if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
        c.enqueue(enc.encode(events[i++]));
      },
    });
    return new Response(stream, { status: a.status, headers: a.headers });
  },
};
