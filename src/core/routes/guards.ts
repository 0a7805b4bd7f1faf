// The app's middleware, in the order createApp installs it: error answers, one log line per
// request, CORS for the configured origins, and the bearer-token checks (Gloss's own endpoints, and
// the proxy's where an upstream key is injected or the operator asks for a token).
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { describeError, errorBody, HttpError } from '../http/errors.ts';
import { round } from '../gloss/report.ts';
import type { LogFields, Logger } from '../http/logger.ts';
import type { GlossMetrics } from '../metrics/metrics.ts';
import { sameSecret } from '../http/secret.ts';
import { now, type App } from './shared.ts';

/** Exposed to browsers on CORS responses: what Gloss did, and the upstream's request ids. */
const CORS_EXPOSE = [
  'x-gloss-status',
  'x-gloss-rules',
  'x-gloss-ms',
  'x-gloss-upstream',
  'x-gloss-dry-run',
  'x-request-id',
  'request-id',
  // What the OpenAI and Anthropic SDKs read to decide on and time their retries.
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'anthropic-ratelimit-requests-limit',
  'anthropic-ratelimit-requests-remaining',
  'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-limit',
  'anthropic-ratelimit-tokens-remaining',
  'anthropic-ratelimit-tokens-reset',
  'anthropic-ratelimit-input-tokens-remaining',
  'anthropic-ratelimit-output-tokens-remaining',
];

/**
 * Installs the error answers: Hono's HTTPException as it says, HttpError as its status and JSON
 * `{ error: { type, message } }`, anything else logged (`request.failed`) and answered 500
 * `internal_error`; unknown routes 404 `not_found`.
 */
export function errorAnswers(app: App, log: Logger): void {
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    if (err instanceof HttpError) return c.json(errorBody(err.type, err.message), err.status as 400, err.headers);
    log.error('request.failed', { method: c.req.method, path: c.req.path, error: describeError(err) });
    return c.json(errorBody('internal_error', 'internal error; see the server log'), 500);
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
}

/** Extra fields for a request's log line, added by handlers (the proxy: upstream, gloss status, timings). */
export interface RequestNotes {
  /** A function that merges fields into `c`'s log line. */
  note: (c: Context) => (fields: LogFields) => void;
}

/**
 * Installs one log line per request (`request`: method, path, status, ms, gloss, rules and the
 * handler's notes; at error level for 5xx) and counts it in `gloss_http_requests_total` by route
 * (`other` for paths not in `knownRoutes`) and status. No prompt text unless the operator opted
 * in, no headers, no keys. Returns how handlers add their notes.
 */
export function requestLog(
  app: App,
  log: Logger,
  metrics: GlossMetrics,
  knownRoutes: ReadonlySet<string>,
): RequestNotes {
  const notes = new WeakMap<Context, LogFields>();
  app.use('*', async (c, next) => {
    const t0 = now();
    await next();
    const fields: LogFields = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: round(now() - t0, 2),
      gloss: c.res.headers.get('x-gloss-status') ?? undefined,
      rules: c.res.headers.get('x-gloss-rules') || undefined,
      ...notes.get(c),
    };
    metrics.httpRequests.inc({
      route: knownRoutes.has(c.req.path) ? c.req.path : 'other',
      status: String(c.res.status),
    });
    if (c.res.status >= 500) log.error('request', fields);
    else log.info('request', fields);
  });
  return { note: (c) => (fields) => notes.set(c, { ...notes.get(c), ...fields }) };
}

/** Installs CORS (preflights answered, x-gloss-* exposed) for the configured origins; none when the list is empty. */
export function corsFor(app: App, origins: string[]): void {
  if (!origins.length) return;
  app.use(
    '*',
    cors({
      origin: origins.includes('*') ? '*' : origins,
      exposeHeaders: CORS_EXPOSE,
      maxAge: 600,
    }),
  );
}

/**
 * Whether `path` is one of Gloss's own endpoints behind its bearer token: /metrics, and /v1/*
 * (with a proxy only /v1/rewrite, /v1/explain and /v1/bundle[/...]; every other /v1 path is the proxy's).
 */
export function ownPath(path: string, withProxy: boolean): boolean {
  return (
    path === '/metrics' ||
    (path.startsWith('/v1/') &&
      (!withProxy || ['/v1/rewrite', '/v1/explain', '/v1/bundle'].includes(path) || path.startsWith('/v1/bundle/')))
  );
}

/**
 * Installs the check of `Authorization: Bearer <token>` on the paths `own` selects (the others,
 * the proxy's, authenticate in proxyAuth, src/core/proxy/auth.ts). Refusal: HttpError 401 `unauthorized` with
 * www-authenticate; the token is compared in constant time.
 */
export function ownBearerAuth(app: App, token: string, own: (path: string) => boolean): void {
  app.use('*', async (c, next) => {
    if (!own(c.req.path)) return next();
    const h = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(h.trim());
    if (!m || !sameSecret(m[1], token)) {
      throw new HttpError(401, 'unauthorized', m ? 'invalid bearer token' : 'missing Authorization: Bearer <token>', {
        'www-authenticate': 'Bearer realm="gloss"',
      });
    }
    await next();
  });
}
