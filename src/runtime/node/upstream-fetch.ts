// The proxy's upstream client on Node: the FetchFn the core proxy expects, on node:http/https with
// keep-alive agents instead of the global fetch (undici's fetch costs about 140 µs more CPU per
// request here, which is most of what the proxy adds on loopback). Same contract as fetch with
// `redirect: 'manual'`: a 3xx comes back as a response, never followed; the signal aborts the
// request and its body; gzip, deflate and br bodies arrive decoded, as fetch delivers them.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { FetchFn } from '../../core/proxy/forward.ts';

// Idle keep-alive sockets close after 4 s, before common server idle timeouts (5 s), so a request
// rarely lands on a socket the upstream is closing (a POST that fails that way is not retried).
// The timeout only ever destroys idle sockets: a long, quiet stream is left alone.
const agentOptions = { keepAlive: true, scheduling: 'lifo' as const, maxFreeSockets: 256, timeout: 4000 };

/** A web ReadableStream over a Node stream, with backpressure (pause/resume) and cancel. */
function toWeb(src: Readable, res: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        src.on('data', (chunk: Buffer) => {
          c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((c.desiredSize ?? 0) <= 0) src.pause();
        });
        src.once('end', () => c.close());
        src.once('error', (e) => c.error(e));
        // The connection closed before the body ended (no 'end'): an error, as fetch reports it.
        src.once('close', () => {
          if (!src.readableEnded) {
            const e = Object.assign(new Error('the upstream connection closed in the middle of the body'), {
              code: 'ECONNRESET',
            });
            try {
              c.error(e);
            } catch {
              // already closed or errored
            }
          }
        });
      },
      pull() {
        src.resume();
      },
      cancel() {
        src.destroy();
        res.destroy();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}

function decoded(res: IncomingMessage): Readable {
  const enc = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  let out: Readable = res;
  const decoder =
    enc === 'gzip' || enc === 'x-gzip'
      ? createGunzip()
      : enc === 'deflate'
        ? createInflate()
        : enc === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (decoder) {
    res.on('error', (e) => decoder.destroy(e));
    res.on('close', () => {
      if (!res.readableEnded)
        decoder.destroy(
          Object.assign(new Error('the upstream connection closed in the middle of the body'), { code: 'ECONNRESET' }),
        );
    });
    out = res.pipe(decoder);
  }
  return out;
}

/** Writes a web stream into a Node request with backpressure; an error in the stream aborts the request. */
function pump(body: ReadableStream<Uint8Array>, req: ClientRequest, signal: AbortSignal | undefined): void {
  const reader = body.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!req.write(value)) await new Promise((r) => req.once('drain', r));
        if (req.destroyed) throw signal?.reason ?? new Error('upstream request closed');
      }
      req.end();
    } catch (e) {
      reader.cancel(e).catch(() => {});
      req.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
}

/** The proxy's FetchFn on Node: node:http/https with keep-alive agents (contract above); `close()` destroys the agents' sockets. */
export function nodeUpstreamFetch(): FetchFn & { close(): void } {
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);
  const fetchFn = (input: string, init: RequestInit): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const headers: OutgoingHttpHeaders = {};
      new Headers(init.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const body = init.body as Uint8Array | ReadableStream<Uint8Array> | null | undefined;
      const method = init.method ?? 'GET';
      // A streamed body keeps a content-length the caller set (the client's, checked), else goes chunked.
      if (!(body instanceof ReadableStream)) {
        if (body || !(method === 'GET' || method === 'HEAD')) headers['content-length'] = String(body?.byteLength ?? 0);
      }
      headers['accept-encoding'] ??= 'gzip, deflate, br';
      const secure = url.protocol === 'https:';
      const req = (secure ? httpsRequest : httpRequest)({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (secure ? 443 : 80),
        path: url.pathname + url.search,
        method,
        headers,
        agent: secure ? https : http,
      });
      const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('error', (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      });
      req.once('response', (res) => {
        const raw = res.rawHeaders;
        const h = new Headers();
        for (let i = 0; i < raw.length; i += 2) h.append(raw[i], raw[i + 1]);
        const nullBody =
          init.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 205 || res.statusCode === 304;
        if (nullBody) res.resume();
        const stream = nullBody ? null : toWeb(decoded(res), res);
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
        resolve(
          new Response(stream, { status: res.statusCode ?? 502, statusText: res.statusMessage ?? '', headers: h }),
        );
      });
      if (body instanceof ReadableStream) pump(body, req, signal);
      else req.end(body ?? undefined);
    });
  return Object.assign(fetchFn, {
    close() {
      http.destroy();
      https.destroy();
    },
  });
}
