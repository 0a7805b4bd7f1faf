// Relays an upstream response body to the client chunk by chunk, as it arrives (pull-based: one
// upstream read per client read, so a slow client slows the upstream read instead of growing a
// buffer). Cancelling the client side cancels the upstream body.
//
// Server-sent events are relayed on event boundaries (a blank line): bytes after the last complete
// event wait for the rest of their event. A client's SSE parser dispatches nothing before the
// blank line anyway, so this costs no latency; what it buys is a clean end when the upstream dies
// mid-stream or falls silent: the incomplete event is dropped and one well-formed error event
// follows, which the OpenAI and Anthropic SDKs both raise as an APIError:
//
//   event: error
//   data: {"type":"error","error":{"type":"upstream_error","message":"..."}}
//
// Other bodies (JSON) are relayed as they come; if the upstream dies mid-body the client's
// connection is aborted the same way, since a truncated JSON body cannot be made whole.
import { EventBuffer } from './sse-events.ts';

export { lastEventEnd } from './sse-events.ts';

/** How a relayed upstream body ended: whole, cut by the upstream, ended at the idle limit, or cancelled by the client. */
export type RelayEnd = 'complete' | 'cut' | 'idle' | 'cancelled';

/** How a response body is relayed (see the top of this file): idle timeout (ms), SSE framing, how it ended. */
export interface RelayOptions {
  sse: boolean;
  /** Longest wait for the next upstream chunk (SSE only); 0 or Infinity: no limit. */
  idleMs: number;
  /** Called once when the relay ends, however it ends. */
  onEnd?: (how: RelayEnd, bytes: number) => void;
}

const LF = 0x0a;
const NEWLINE = new Uint8Array([LF]);

/** A final SSE event carrying an error (`event: error`), for streams the upstream broke off. */
export function sseErrorEvent(message: string, type = 'upstream_error'): Uint8Array {
  return new TextEncoder().encode(
    `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`,
  );
}

const IDLE = Symbol('idle');

/** A one-line error (servers print it as it is) that says what happened to the body. */
function bodyCut(): Error {
  const msg =
    'gloss: the upstream connection was lost in the middle of a response body; the client connection was aborted';
  const e = new Error(msg);
  e.stack = `Error: ${msg}`;
  return e;
}

/** Enqueues a last SSE event and closes the stream (the client may be gone too: then nothing). */
function closeWith(controller: ReadableStreamDefaultController<Uint8Array>, event: Uint8Array): void {
  try {
    controller.enqueue(event);
    controller.close();
  } catch {
    // the client is gone too
  }
}

/** The upstream's body as a stream for the client, pulled chunk by chunk; a stream cut short or idle too long ends with one SSE error event (JSON bodies: the connection is aborted). */
export function relay(body: ReadableStream<Uint8Array>, opts: RelayOptions): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const held = new EventBuffer();
  // Part of an event went out already (its complete lines, or past MAX_LINE a partial line): an
  // error event must first end that line, so it is not glued onto an unfinished data: line.
  let open = false;
  const closeOpen = (c: ReadableStreamDefaultController<Uint8Array>) => {
    try {
      if (open) c.enqueue(NEWLINE);
    } catch {
      // the client is gone
    }
    open = false;
  };
  let bytes = 0;
  let ended = false;
  const end = (how: RelayEnd) => {
    if (ended) return;
    ended = true;
    opts.onEnd?.(how, bytes);
  };
  const idleMs = opts.sse && Number.isFinite(opts.idleMs) && opts.idleMs > 0 ? opts.idleMs : 0;

  const read = (): Promise<ReadableStreamReadResult<Uint8Array> | typeof IDLE> => {
    if (!idleMs) return reader.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<typeof IDLE>((resolve) => {
      timer = setTimeout(() => resolve(IDLE), idleMs);
    });
    return Promise.race([reader.read(), idle]).finally(() => timer !== undefined && clearTimeout(timer));
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          let r: Awaited<ReturnType<typeof read>>;
          try {
            r = await read();
          } catch {
            if (ended) return;
            if (!opts.sse) {
              end('cut');
              // Abort the client connection: the only way HTTP can say "this body is incomplete".
              controller.error(bodyCut());
              return;
            }
            end('cut');
            closeOpen(controller);
            closeWith(controller, sseErrorEvent('the upstream connection was lost in the middle of the stream'));
            return;
          }
          if (r === IDLE) {
            end('idle');
            reader.cancel('idle').catch(() => {});
            closeOpen(controller);
            closeWith(
              controller,
              sseErrorEvent(`the upstream sent nothing for ${idleMs} ms; the stream was ended`, 'upstream_timeout'),
            );
            return;
          }
          if (r.done) {
            const rest = held.rest();
            if (rest) controller.enqueue(rest);
            end('complete');
            controller.close();
            return;
          }
          const chunk = r.value;
          bytes += chunk.byteLength;
          if (!opts.sse) {
            controller.enqueue(chunk);
            return;
          }
          const split = held.push(chunk);
          if (split.out) {
            open = split.open;
            controller.enqueue(split.out);
            return;
          }
          // no complete event yet: read on
        }
      },
      cancel(reason) {
        end('cancelled');
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
