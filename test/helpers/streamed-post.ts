// A JSON POST whose body is a stream without content-length, for the body-limit tests of the app
// and the middleware (Hono's app.request, no network).
import type { Hono } from 'hono';

/** POSTs `chunks` to `path` of `app` as a ReadableStream body (content-type application/json). */
export function streamedPost(
  app: Pick<Hono, 'request'>,
  path: string,
  chunks: Uint8Array[],
): Response | Promise<Response> {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
  return app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);
}
