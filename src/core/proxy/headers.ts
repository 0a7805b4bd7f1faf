// Which headers cross the proxy. Hop-by-hop headers (RFC 9110 7.6.1: connection and the names it
// lists, keep-alive, te, trailer, transfer-encoding, upgrade, proxy-*) never do; host and
// content-length are set by the runtime for the new connection; Gloss's own x-gloss-* request
// headers are for Gloss. Everything else passes: the caller's API key, anthropic-version,
// openai-organization, idempotency keys, SDK telemetry headers, unknown vendor headers.
import type { ApiFamily } from '../formats/types.ts';
import type { ResolvedUpstream } from './config.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** Request headers the proxy never forwards, on top of hop-by-hop ones. */
const REQUEST_DROP = new Set([
  'host',
  'content-length',
  'expect',
  // The runtime negotiates (and decodes) the upstream's compression itself.
  'accept-encoding',
  // Facts about the client's connection to Gloss (Cloudflare adds them in Workers).
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'cf-ipcountry',
  'cf-ray',
  'cf-visitor',
  'cf-worker',
  'cf-ew-via',
  'cdn-loop',
]);

/** Content codings Web fetch decodes (undici, browsers), alone or listed: the body it hands over is decoded. */
const WEB_FETCH_DECODED = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'identity']);

function connectionListed(h: Headers): Set<string> {
  const v = h.get('connection');
  return new Set(
    v
      ? v
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean)
      : [],
  );
}

/** Request headers that carry credentials (replaced when Gloss injects a key, never logged). */
export const AUTH_HEADERS = ['authorization', 'x-api-key', 'api-key'] as const;

/** How the request headers sent upstream are built from the client's. */
export interface RequestHeaderOptions {
  /** Strip the caller's credentials (the Gloss token was sent in them, or a key is injected). */
  dropAuth?: boolean;
}

/** The headers to send upstream. */
export function upstreamRequestHeaders(
  incoming: Headers,
  upstream: ResolvedUpstream,
  apiFamily: ApiFamily,
  opts: RequestHeaderOptions = {},
): Headers {
  const listed = connectionListed(incoming);
  const out = new Headers();
  const inject = upstream.apiKey !== undefined;
  for (const [k, v] of incoming) {
    if (HOP_BY_HOP.has(k) || REQUEST_DROP.has(k) || listed.has(k) || k.startsWith('proxy-') || k.startsWith('x-gloss'))
      continue;
    if ((inject || opts.dropAuth) && (AUTH_HEADERS as readonly string[]).includes(k)) continue;
    out.append(k, v);
  }
  for (const [k, v] of upstream.headers) out.set(k, v);
  if (inject) {
    const header =
      upstream.apiKeyHeader ?? ((upstream.apiFamily ?? apiFamily) === 'anthropic' ? 'x-api-key' : 'authorization');
    out.set(header, header === 'authorization' ? `Bearer ${upstream.apiKey}` : upstream.apiKey!);
  }
  return out;
}

/** How the upstream's answer was fetched: see {@link clientResponseHeaders}. */
export interface ResponseHeaderOptions {
  /** The fetch removed content-encoding where it decoded the body (Node's client): what is left is still encoded. */
  reportsDecoding?: boolean;
  /** The answer to a HEAD: no body is re-framed, so the upstream's content-length stands. */
  head?: boolean;
  /** Which content-encoding values the fetch decoded while keeping the header (default {@link webFetchDecodes}). */
  decodes?: (contentEncoding: string) => boolean;
}

/** What Web fetch (undici, browsers) decodes: every coding of the list one it knows. */
export function webFetchDecodes(contentEncoding: string): boolean {
  return contentEncoding.split(',').every((c) => WEB_FETCH_DECODED.has(c.trim()) || c.trim() === '');
}

/** The upstream's response headers as the client gets them (x-gloss-* are added after). */
export function clientResponseHeaders(upstream: Headers, opts: ResponseHeaderOptions = {}): Headers {
  const listed = connectionListed(upstream);
  const out = new Headers();
  const encoding = upstream.get('content-encoding')?.trim().toLowerCase();
  const decoded = !opts.reportsDecoding && encoding !== undefined && (opts.decodes ?? webFetchDecodes)(encoding);
  for (const [k, v] of upstream) {
    if (HOP_BY_HOP.has(k) || listed.has(k) || k.startsWith('proxy-')) continue;
    // The body is re-framed for the client connection (and was decoded if it was compressed); a
    // HEAD's length describes the body as a GET would get it (still encoded, or never encoded).
    if (k === 'content-length' && !(opts.head && !decoded)) continue;
    if (k === 'content-encoding' && decoded) continue;
    out.append(k, v);
  }
  return out;
}
