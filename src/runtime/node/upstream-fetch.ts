// The proxy's upstream client on Node: the FetchFn the core proxy expects, on node:http/https with
// keep-alive agents instead of the global fetch (undici's fetch costs about 140 µs more CPU per
// request here, which is most of what the proxy adds on loopback). Same contract as fetch with
// `redirect: 'manual'`: a 3xx comes back as a response, never followed; the signal aborts the
// request and its body. Every content-encoding it can undo arrives decoded: gzip, deflate (zlib or
// raw, as some servers send it), br and zstd, alone or stacked (`gzip, br`); it then removes
// content-encoding and content-length from the Response, so what the proxy holds says what it is.
// A list with a coding it does not know stays encoded, header and bytes untouched.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import * as zlib from 'node:zlib';
import { PassThrough, Transform, type Readable } from 'node:stream';
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

/** zstd where this Node has it (22.15 and later). */
const createZstd = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;

/** The content codings this client undoes (what it accepts, and zstd where Node can). */
export const NODE_DECODED = ['gzip', 'x-gzip', 'deflate', 'br', ...(createZstd ? ['zstd'] : []), 'identity'];
const ACCEPT_ENCODING = 'gzip, deflate, br' + (createZstd ? ', zstd' : '');

/** `deflate` as sent: zlib-wrapped (RFC 9110), or raw deflate (what some servers send); the first two bytes say which. */
function inflateAny(): Transform {
  let inner: Transform | undefined;
  let head = Buffer.alloc(0);
  const start = (t: Transform) => {
    // A zlib header: CM = 8 in the low nibble of CMF, and CMF*256 + FLG a multiple of 31.
    const zlibWrapped = (head[0] & 0x0f) === 8 && ((head[0] << 8) | head[1]) % 31 === 0;
    inner = zlibWrapped ? zlib.createInflate() : zlib.createInflateRaw();
    inner.on('data', (c: Buffer) => t.push(c));
    inner.on('error', (e) => t.destroy(e));
    inner.write(head);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (inner) return inner.write(chunk) ? cb() : inner.once('drain', () => cb());
      head = Buffer.concat([head, chunk]);
      if (head.length >= 2) start(this);
      cb();
    },
    flush(cb) {
      if (!inner && head.length) start(this);
      if (!inner) return cb();
      inner.once('end', () => cb());
      inner.end();
    },
  });
}

function decoderFor(coding: string): Transform | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return inflateAny();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd':
      return createZstd?.();
    case 'identity':
      return new PassThrough();
    default:
      return undefined;
  }
}

/** The decoders for a content-encoding list, last applied first; undefined when one is unknown. */
export function decodersFor(header: string): Transform[] | undefined {
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean);
  const out: Transform[] = [];
  for (const c of codings.reverse()) {
    const d = decoderFor(c);
    if (!d) {
      for (const x of out) x.destroy();
      return undefined;
    }
    out.push(d);
  }
  return out;
}

/** The body decoded as its content-encoding says (and the header dropped from `h`), or as it came when a coding is unknown. */
function decoded(res: IncomingMessage, h: Headers): Readable {
  const header = h.get('content-encoding');
  if (header === null) return res;
  const chain = decodersFor(header);
  if (!chain) return res;
  h.delete('content-encoding');
  h.delete('content-length');
  if (!chain.length) return res;
  const cut = () =>
    Object.assign(new Error('the upstream connection closed in the middle of the body'), { code: 'ECONNRESET' });
  const last = chain[chain.length - 1];
  res.on('error', (e) => last.destroy(e));
  res.on('close', () => {
    if (!res.readableEnded) last.destroy(cut());
  });
  let out: Readable = res;
  for (const d of chain) {
    const from = out;
    from.on('error', (e) => d.destroy(e));
    out = from.pipe(d);
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
export function nodeUpstreamFetch(): FetchFn & { reportsDecoding: true; close(): void } {
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
      // HEAD: no body to decode, so none is asked for, and content-length is the identity length.
      if (method === 'HEAD') headers['accept-encoding'] ??= 'identity';
      else headers['accept-encoding'] ??= ACCEPT_ENCODING;
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
        const stream = nullBody ? null : toWeb(decoded(res, h), res);
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
        resolve(
          new Response(stream, { status: res.statusCode ?? 502, statusText: res.statusMessage ?? '', headers: h }),
        );
      });
      if (body instanceof ReadableStream) pump(body, req, signal);
      else req.end(body ?? undefined);
    });
  return Object.assign(fetchFn, {
    reportsDecoding: true as const,
    close() {
      http.destroy();
      https.destroy();
    },
  });
}
