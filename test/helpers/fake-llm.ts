// A fake LLM upstream for tests: a real node:http server on 127.0.0.1 (ephemeral port) whose
// behaviour the test controls with a handler per request. It speaks the three APIs Gloss proxies
// (bodies and SSE events: fake-llm-replies.ts):
//
//   POST /v1/chat/completions  OpenAI chat.completion JSON, or SSE chunks ending with [DONE]
//   POST /v1/responses         OpenAI Responses JSON, or SSE response.* events
//   POST /v1/messages          Anthropic message JSON, or SSE message_start ... message_stop
//   GET  /v1/models            the model list
//   anything else              404 with an OpenAI-style error body
//
// The handler gets the parsed request and returns the content as a string, or a FakeReply to set
// the status, error, tool calls, headers, delay, stream chunks and pacing, to cut a stream in the
// middle, or to drop the connection. It records every API request (raw body included), counts
// them, requests in flight, the most in flight at once, replies whose client went away before the
// end, and every HTTP request of any kind (`hits`: a victim server for SSRF tests must stay at 0).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  FAKE_API_PATHS,
  fakeAnswer,
  fakeRequest,
  type FakeHandler,
  type FakeReply,
  type FakeRequest,
} from './fake-llm-replies.ts';

export type { FakeApi, FakeHandler, FakeReply, FakeRequest, FakeToolCall } from './fake-llm-replies.ts';
export { scriptedReply } from './fake-llm-replies.ts';

export interface FakeLlm {
  /** Base URL as OpenAI clients take it: http://127.0.0.1:<port>/v1 */
  baseUrl: string;
  /** http://127.0.0.1:<port> (Anthropic clients take this). */
  origin: string;
  port: number;
  requests: FakeRequest[];
  /** API requests received (chat completions, responses, messages). */
  readonly count: number;
  /** HTTP requests of any method and path. */
  readonly hits: number;
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Replies whose client disconnected before the reply was complete. */
  readonly aborted: number;
  setHandler(h: FakeHandler): void;
  /** Zero the counters and forget the requests (requests still in flight keep counting). */
  reset(): void;
  /** Resolves once no request is in flight (e.g. after a client timed out on a slow reply). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), ...headers });
  res.end(s);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeLlm(handler: FakeHandler = () => 'ok'): Promise<FakeLlm> {
  let h = handler;
  let count = 0;
  let hits = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let aborted = 0;
  const requests: FakeRequest[] = [];
  let nextId = 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer(async (req, res) => {
    hits++;
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return; // the client aborted its request body: nothing to answer
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'test' }] });
    }
    const api = FAKE_API_PATHS[path];
    if (req.method !== 'POST' || !api) {
      return sendJson(res, 404, {
        error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' },
      });
    }
    const fr = fakeRequest(count++, api, req.method, url, req.headers, raw);
    requests.push(fr);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let finished = false;
    let onClose: () => void = () => {};
    // Waits end early when the client goes away, so an abandoned slow reply frees its slot at once.
    const closed = new Promise<void>((resolve) => (onClose = resolve));
    const wait = (ms: number) => Promise.race([sleep(ms), closed]);
    res.on('close', () => {
      if (!finished && !res.writableFinished) aborted++;
      onClose();
    });
    try {
      if (fr.body === undefined)
        return sendJson(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
      let reply: FakeReply;
      try {
        const r = await h(fr);
        reply = typeof r === 'string' ? { content: r } : r;
      } catch (err) {
        reply = { status: 500, error: `fake handler threw: ${(err as Error).message}` };
      }
      if (reply.delayMs) await wait(reply.delayMs);
      if (reply.destroy || res.destroyed) {
        req.socket.destroy();
        return;
      }
      const a = fakeAnswer(fr, reply, nextId++);
      if (a.events) {
        res.writeHead(a.status, { connection: 'keep-alive', ...a.headers });
        for (const [i, e] of a.events.entries()) {
          if (reply.cutAfter !== undefined && i >= reply.cutAfter) {
            if (reply.cutMidEvent) res.write(e.slice(0, Math.ceil(e.length / 2)));
            await sleep(5);
            req.socket.destroy();
            return;
          }
          if (res.destroyed) return;
          res.write(e);
          if (reply.chunkDelayMs && i < a.events.length - 1) await wait(reply.chunkDelayMs);
        }
        finished = true;
        res.end();
        return;
      }
      const body = a.body ?? '';
      if (reply.cutAfter !== undefined) {
        res.writeHead(a.status, { ...a.headers, 'content-length': String(Buffer.byteLength(body)) });
        res.write(body.slice(0, reply.cutAfter));
        await sleep(5);
        req.socket.destroy();
        return;
      }
      finished = true;
      res.writeHead(a.status, { 'content-length': String(Buffer.byteLength(body)), ...a.headers });
      res.end(body);
    } finally {
      inFlight--;
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    get count() {
      return count;
    },
    get hits() {
      return hits;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get aborted() {
      return aborted;
    },
    setHandler(next: FakeHandler) {
      h = next;
    },
    async idle() {
      while (inFlight > 0) await sleep(5);
    },
    reset() {
      count = 0;
      hits = 0;
      aborted = 0;
      maxInFlight = inFlight;
      requests.length = 0;
    },
    close() {
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
