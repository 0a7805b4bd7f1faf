// What every route module of the app (src/core/app.ts) shares: the lazily loaded engine behind
// a 503, the request limits, the logger, and the 405 answer for a known path with the wrong method.
import type { Context, Hono } from 'hono';
import type { GlossEngine } from '../engine/engine.ts';
import { redactDetectorError } from '../gloss/redact.ts';
import { describeError, errorBody, HttpError } from '../http/errors.ts';
import type { LazyEngine } from '../engine/lazy-engine.ts';
import type { Logger } from '../http/logger.ts';

/** The Hono app the route modules register on. */
export type App = Hono;

/** Shared dependencies of the app's route modules, built once by createApp. */
export interface RouteContext {
  /** The engine, created on first use; `current()` and `lastError()` never load it. */
  engines: LazyEngine;
  /** The engine, loaded if need be. @throws HttpError 503 `engine_unavailable` (retry-after 5) when it cannot load. */
  engine: () => Promise<GlossEngine>;
  log: Logger;
  /** Largest request body of Gloss's own endpoints, in bytes. */
  maxBodyBytes: number;
  /** Most characters of prompt text in one request. */
  maxPromptChars: number;
}

/** Milliseconds from the performance clock (monotonic, sub-millisecond). */
export function now(): number {
  return performance.now();
}

/** A 405 handler naming the methods `allow`ed on the path (also sent as the Allow header). */
export function methodNotAllowed(allow: string) {
  return (c: Context) =>
    c.json(errorBody('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allow}`), 405, {
      allow,
    });
}

/**
 * Wraps the lazy engine so that a load failure is logged (`engine.load_failed`) and answered as
 * HttpError 503 `engine_unavailable` with retry-after: 5, instead of a 500.
 */
export function engineOr503(engines: LazyEngine, log: Logger): () => Promise<GlossEngine> {
  return async () => {
    try {
      return await engines.get();
    } catch (e) {
      log.error('engine.load_failed', { error: describeError(e) });
      throw new HttpError(503, 'engine_unavailable', 'the detector engine could not be loaded; see the server log', {
        'retry-after': '5',
      });
    }
  };
}

/**
 * Logs a detector failure (`detector.failed`, with quoted parts redacted: they may quote the
 * prompt, e.g. a token it could not map) and returns the HttpError 500 `detector_error` to throw.
 */
export function detectorFailure(log: Logger, route: string, e: unknown): HttpError {
  log.error('detector.failed', { route, error: redactDetectorError(e) });
  return new HttpError(500, 'detector_error', 'the detector failed on this request; see the server log');
}
