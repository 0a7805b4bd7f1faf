// Errors as the HTTP API reports them: always JSON `{ error: { type, message } }`, never a stack.
export type ErrorType =
  | 'invalid_json'
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'engine_unavailable'
  | 'detector_error'
  | 'detector_timeout'
  | 'internal_error'
  // proxy routes
  | 'upstream_error'
  | 'upstream_timeout'
  | 'upstream_not_configured';

/** The JSON body of every error the app answers (proxy routes use the upstream API's own shape instead). */
export interface ErrorBody {
  error: { type: ErrorType; message: string };
}

/** An expected failure with the status and message the client gets. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** `{ error: { type, message } }`. */
export function errorBody(type: ErrorType, message: string): ErrorBody {
  return { error: { type, message } };
}

/** A JSON error Response (`application/json; charset=utf-8`) with the given status and extra headers. */
export function errorResponse(
  status: number,
  type: ErrorType,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(errorBody(type, message)), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** One line, no stack, bounded: what may go into a log line about an error. */
export function describeError(e: unknown): string {
  const s = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const line = s.split('\n', 1)[0];
  return line.length > 300 ? line.slice(0, 299) + '\u2026' : line;
}
