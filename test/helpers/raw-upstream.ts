// A bare upstream on loopback for proxy edge tests: a node:http server that records every request
// (method, target as sent, headers, body bytes) and answers with whatever the test's handler
// writes on the raw ServerResponse (encodings, SSE cut mid-event, HEAD with content-length). The
// default handler answers an OpenAI chat.completion JSON.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it reached the upstream. */
export interface RawHit {
  method: string;
  /** The request target as sent (path and query). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Writes the answer; may be async (a paced stream). */
export type RawHandler = (hit: RawHit, res: ServerResponse, req: IncomingMessage) => void | Promise<void>;

/** A running bare upstream. */
export interface RawUpstream {
  /** http://127.0.0.1:<port> (no path). */
  origin: string;
  hits: RawHit[];
  setHandler(h: RawHandler): void;
  close(): Promise<void>;
}

/** An OpenAI chat.completion answer with `content`. */
export function chatCompletion(content = 'ok'): string {
  return JSON.stringify({
    id: 'chatcmpl-raw',
    object: 'chat.completion',
    created: 1,
    model: 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

export const defaultRawHandler: RawHandler = (_hit, res) => {
  const body = chatCompletion();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

export async function startRawUpstream(handler: RawHandler = defaultRawHandler): Promise<RawUpstream> {
  let h = handler;
  const hits: RawHit[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return;
    }
    const hit: RawHit = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    hits.push(hit);
    try {
      await h(hit, res, req);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    setHandler(next) {
      h = next;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
