// Sends one request to an upstream: a time limit on the response headers, the client's
// disconnect propagated as an abort, redirects never followed, and retries only where the request
// cannot have reached the upstream.
//
// Retry policy: the proxied calls are POSTs that start paid, non-idempotent generations, so a
// request that may have been sent is never retried (connection reset, socket closed, timeout: the
// upstream may be generating). Only failures that happen before a connection exists are retried
// (connection refused, DNS failure, unreachable host, connect timeout), where Node reports them
// with a code. workerd reports no codes, so on Workers nothing is retried.
//
// Redirects: `redirect: 'manual'`, and a 3xx from the upstream becomes a 502 JSON error without
// its Location. Passing it back would invite the client to re-send its prompt and key to a host
// the upstream chose; following it would make Gloss fetch a URL the allow-list never saw.

/**
 * The fetch the proxy forwards with (Web fetch on Workers, node:http on Node; tests may pass their
 * own). `reportsDecoding`: the Response keeps content-encoding only while its body is still
 * encoded (Node's client). Without it, `decodes` says which content-encoding values (lower case,
 * as sent) this fetch hands back decoded while keeping the header; default: the Fetch standard's
 * codings, alone or listed (undici). workerd decodes less (src/runtime/worker/workerd-fetch.ts).
 */
export type FetchFn = ((input: string, init: RequestInit) => Promise<Response>) & {
  reportsDecoding?: boolean;
  decodes?: (contentEncoding: string) => boolean;
};

/** Why a forward failed: no connection, connection reset, upstream timeout, or the client went away. */
export type ForwardFailureKind = 'connect' | 'reset' | 'timeout' | 'client_abort';

/** The upstream's Response, or why there is none; `ms` is wall time, `attempts` counts retries + 1. */
export type ForwardResult =
  | {
      ok: true;
      response: Response;
      ms: number;
      attempts: number;
      /** Stop listening to the client signal (call when the body is done). */ release: () => void;
    }
  | { ok: false; kind: ForwardFailureKind; detail: string; ms: number; attempts: number };

/** How one request is forwarded: the fetch to use, the timeout to response headers (ms), retries of never-sent requests. */
export interface ForwardOptions {
  fetch: FetchFn;
  timeoutMs: number;
  retries: number;
  /** The client's request signal: aborts the upstream call when the client goes away. */
  signal?: AbortSignal;
  onRetry?: (attempt: number, detail: string) => void;
}

const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function codeOf(e: unknown): string | undefined {
  let c: unknown = e;
  for (let i = 0; i < 5 && c; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (c as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length) {
      const codes = errors.map(codeOf);
      // Happy eyeballs: every address refused means nothing was sent anywhere.
      return codes.every((x) => x !== undefined && NEVER_SENT.has(x)) ? codes[0] : codes.find((x) => x !== undefined);
    }
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when the error proves the request never left (nothing to duplicate by retrying). */
export function neverSent(e: unknown): boolean {
  const code = codeOf(e);
  return code !== undefined && NEVER_SENT.has(code);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends one request upstream with a time limit on the response headers; retries only what provably
 * never left (and never a streamed body, which cannot be sent twice). Redirects are not followed.
 * `init.method` defaults to POST; `init.body` is bytes, a stream (duplex half), or null.
 */
export async function forward(
  url: string,
  init: { headers: Headers; body: Uint8Array | ReadableStream<Uint8Array> | null; method?: string },
  opts: ForwardOptions,
): Promise<ForwardResult> {
  const streamed = init.body instanceof ReadableStream;
  const t0 = performance.now();
  const ctrl = new AbortController();
  const client = opts.signal;
  const onClientAbort = () => ctrl.abort(client?.reason ?? new Error('client disconnected'));
  if (client?.aborted) return { ok: false, kind: 'client_abort', detail: 'the client went away', ms: 0, attempts: 0 };
  client?.addEventListener('abort', onClientAbort, { once: true });
  const release = () => client?.removeEventListener('abort', onClientAbort);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort(new Error('upstream timeout'));
  }, opts.timeoutMs);

  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      try {
        const response = await opts.fetch(url, {
          method: init.method ?? 'POST',
          headers: init.headers,
          body: init.body as BodyInit | null,
          redirect: 'manual',
          signal: ctrl.signal,
          ...(streamed ? { duplex: 'half' } : {}),
        } as RequestInit);
        return { ok: true, response, ms: performance.now() - t0, attempts, release };
      } catch (e) {
        const ms = performance.now() - t0;
        if (timedOut) return fail('timeout', `no response headers within ${opts.timeoutMs} ms`, ms);
        if (client?.aborted) return fail('client_abort', 'the client went away', ms);
        const code = codeOf(e);
        if (attempts <= opts.retries && neverSent(e) && !streamed) {
          opts.onRetry?.(attempts, code ?? 'connect');
          await sleep(Math.min(50 * 2 ** (attempts - 1), 1000));
          if (timedOut)
            return fail('timeout', `no response headers within ${opts.timeoutMs} ms`, performance.now() - t0);
          if (client?.aborted) return fail('client_abort', 'the client went away', performance.now() - t0);
          continue;
        }
        return fail(neverSent(e) ? 'connect' : 'reset', code ?? describe(e), ms);
      }
    }
  } finally {
    clearTimeout(timer);
  }

  function fail(kind: ForwardFailureKind, detail: string, ms: number): ForwardResult {
    release();
    return { ok: false, kind, detail, ms, attempts };
  }
}

function describe(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n', 1)[0].slice(0, 200);
}
