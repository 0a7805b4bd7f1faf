// A fake OpenAI-compatible upstream for tests: a real node:http server on 127.0.0.1 (ephemeral
// port) whose behaviour the test controls with a handler per request.
//
//   POST /v1/chat/completions  -> chat.completion JSON, or SSE chat.completion.chunk events when
//                                 the body has `stream: true` (ending with `data: [DONE]`)
//   GET  /v1/models            -> the model list
//   anything else              -> 404 with an OpenAI-style error body
//
// The handler gets the parsed request and returns the content as a string, or a FakeReply to set
// the status, error, headers, delay, stream chunks, or to drop the connection. It counts requests,
// requests in flight and the most in flight at once.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (undefined when not JSON). */
  body: any;
  model?: string;
  messages: { role: string; content: unknown }[];
  /** The text of all user messages, joined with "\n". */
  prompt: string;
  stream: boolean;
}

export interface FakeReply {
  /** Assistant text (default ''). */
  content?: string;
  /** HTTP status (default 200). With a status >= 400 the body is an OpenAI error. */
  status?: number;
  /** Error message for status >= 400 (default "fake error <status>"). */
  error?: string;
  /** Raw body to send instead of JSON (for malformed answers). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Destroy the socket without answering (a connection error for the client). */
  destroy?: boolean;
  /** For streaming: the content pieces, one SSE event each (default: split at spaces). */
  chunks?: string[];
  finishReason?: string;
}

export type FakeHandler = (req: FakeRequest) => string | FakeReply | Promise<string | FakeReply>;

export interface FakeLlm {
  /** Base URL as clients take it: http://127.0.0.1:<port>/v1 */
  baseUrl: string;
  port: number;
  requests: FakeRequest[];
  /** Chat-completion requests received. */
  readonly count: number;
  readonly inFlight: number;
  readonly maxInFlight: number;
  setHandler(h: FakeHandler): void;
  /** Zero the counters and forget the requests (requests still in flight keep counting). */
  reset(): void;
  /** Resolves once no request is in flight (e.g. after a client timed out on a slow reply). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), ...headers });
  res.end(s);
}

export async function startFakeLlm(handler: FakeHandler = () => 'ok'): Promise<FakeLlm> {
  let h = handler;
  let count = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const requests: FakeRequest[] = [];
  let nextId = 0;

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'test' }] });
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
    }
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const messages = Array.isArray(body?.messages) ? body.messages : [];
    const fr: FakeRequest = {
      index: count++,
      method: req.method,
      path,
      headers: req.headers,
      body,
      model: body?.model,
      messages,
      prompt: messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: unknown }) => textOf(m.content)).join('\n'),
      stream: body?.stream === true,
    };
    requests.push(fr);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (body === undefined) return sendJson(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
      let reply: FakeReply;
      try {
        const r = await h(fr);
        reply = typeof r === 'string' ? { content: r } : r;
      } catch (err) {
        reply = { status: 500, error: `fake handler threw: ${(err as Error).message}` };
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (reply.destroy) {
        req.socket.destroy();
        return;
      }
      const status = reply.status ?? 200;
      if (reply.rawBody !== undefined) {
        res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.rawBody);
        return;
      }
      if (status >= 400) {
        const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
        return sendJson(res, status, { error: { message: reply.error ?? `fake error ${status}`, type, code: null } }, reply.headers);
      }
      const id = `chatcmpl-fake${nextId++}`;
      const created = Math.floor(Date.now() / 1000);
      const model = fr.model ?? 'fake-model';
      const content = reply.content ?? '';
      const finish = reply.finishReason ?? 'stop';
      if (fr.stream) {
        res.writeHead(status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...reply.headers });
        const pieces = reply.chunks ?? content.split(/(?<= )/);
        const event = (delta: unknown, finish_reason: string | null) =>
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason }] })}\n\n`;
        res.write(event({ role: 'assistant', content: '' }, null));
        for (const p of pieces) res.write(event({ content: p }, null));
        res.write(event({}, finish));
        res.end('data: [DONE]\n\n');
        return;
      }
      const promptTokens = fr.prompt.split(/\s+/).filter(Boolean).length;
      const completionTokens = content.split(/\s+/).filter(Boolean).length;
      sendJson(res, status, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: finish }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      }, reply.headers);
    } finally {
      inFlight--;
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get count() {
      return count;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    setHandler(next: FakeHandler) {
      h = next;
    },
    async idle() {
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    },
    reset() {
      count = 0;
      maxInFlight = inFlight;
      requests.length = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
