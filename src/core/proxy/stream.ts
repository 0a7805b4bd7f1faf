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
  const r = new Relay(body.getReader(), opts);
  return new ReadableStream<Uint8Array>(
    { pull: (controller) => r.pull(controller), cancel: (reason) => r.cancel(reason) },
    { highWaterMark: 0 },
  );
}

type Controller = ReadableStreamDefaultController<Uint8Array>;

/** One relayed body: each client pull reads upstream until something can go out, or the body ends. */
class Relay {
  private readonly held = new EventBuffer();
  /**
   * Part of an event went out already (its complete lines, or past MAX_LINE a partial line): an
   * error event must first end that line, so it is not glued onto an unfinished data: line.
   */
  private open = false;
  private bytes = 0;
  private ended = false;
  private readonly idleMs: number;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly opts: RelayOptions,
  ) {
    this.idleMs = opts.sse && Number.isFinite(opts.idleMs) && opts.idleMs > 0 ? opts.idleMs : 0;
  }

  async pull(controller: Controller): Promise<void> {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array> | typeof IDLE;
      try {
        r = await this.read();
      } catch {
        return this.cut(controller);
      }
      if (r === IDLE) return this.idle(controller);
      if (r.done) return this.complete(controller);
      if (this.forward(controller, r.value)) return;
      // no complete event yet: read on
    }
  }

  cancel(reason: unknown): Promise<void> {
    this.end('cancelled');
    return this.reader.cancel(reason);
  }

  /** The next upstream chunk, or IDLE once the idle limit passes first (SSE). */
  private read(): Promise<ReadableStreamReadResult<Uint8Array> | typeof IDLE> {
    const { idleMs } = this;
    if (!idleMs) return this.reader.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<typeof IDLE>((resolve) => {
      timer = setTimeout(() => resolve(IDLE), idleMs);
    });
    return Promise.race([this.reader.read(), idle]).finally(() => timer !== undefined && clearTimeout(timer));
  }

  /** A chunk from upstream: out as it is (JSON), or through the event buffer (SSE); true when something went out. */
  private forward(controller: Controller, chunk: Uint8Array): boolean {
    this.bytes += chunk.byteLength;
    if (!this.opts.sse) {
      controller.enqueue(chunk);
      return true;
    }
    const split = this.held.push(chunk);
    if (!split.out) return false;
    this.open = split.open;
    controller.enqueue(split.out);
    return true;
  }

  /** The upstream body ended whole: what is still held goes out. */
  private complete(controller: Controller): void {
    const rest = this.held.rest();
    if (rest) controller.enqueue(rest);
    this.end('complete');
    controller.close();
  }

  /** The upstream connection was lost: SSE ends with an error event, other bodies abort the client connection. */
  private cut(controller: Controller): void {
    if (this.ended) return;
    this.end('cut');
    // Abort the client connection: the only way HTTP can say "this body is incomplete".
    if (!this.opts.sse) return controller.error(bodyCut());
    this.closeOpen(controller);
    closeWith(controller, sseErrorEvent('the upstream connection was lost in the middle of the stream'));
  }

  /** The upstream fell silent past the idle limit: cancelled, and the stream ends with an error event. */
  private idle(controller: Controller): void {
    this.end('idle');
    this.reader.cancel('idle').catch(() => {});
    this.closeOpen(controller);
    closeWith(
      controller,
      sseErrorEvent(`the upstream sent nothing for ${this.idleMs} ms; the stream was ended`, 'upstream_timeout'),
    );
  }

  /** Ends a line left open by an event part that went out, before an error event. */
  private closeOpen(controller: Controller): void {
    try {
      if (this.open) controller.enqueue(NEWLINE);
    } catch {
      // the client is gone
    }
    this.open = false;
  }

  private end(how: RelayEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.opts.onEnd?.(how, this.bytes);
  }
}
