// The SSE relay's buffer (stream.ts): upstream chunks held until their event ends (a blank line),
// then released up to the last event boundary. Each chunk is scanned once, backwards from its end
// (its first bytes with the two held bytes before them), and held bytes are copied only when they
// go out, so an event of many MiB arriving in small chunks costs linear time, not a re-copy and a
// re-scan of everything held per chunk.

const LF = 0x0a;
const CR = 0x0d;
/** Past this much of one unfinished event, relay its complete lines (a stream that never sends blank lines). */
export const MAX_HELD = 1 << 20;
/** Past this much of one unfinished line, relay it anyway (a stream that never ends its lines). */
export const MAX_LINE = 16 << 20;

/** Whether an event ends just past byte `c`, given the one (`p1`) and two (`p2`) bytes before it (-1: none). */
function endsEvent(c: number, p1: number, p2: number): boolean {
  return (c === LF && (p1 === LF || (p1 === CR && p2 === LF))) || (c === CR && p1 === CR);
}

/** Index just past the last event boundary (blank line) in `b`, or -1. */
export function lastEventEnd(b: Uint8Array): number {
  for (let i = b.length - 1; i >= 1; i--) if (endsEvent(b[i], b[i - 1], i >= 2 ? b[i - 2] : -1)) return i + 1;
  return -1;
}

/** What one chunk released: bytes for the client now (`open`: they end inside an event), or nothing yet. */
export interface Released {
  out?: Uint8Array;
  open: boolean;
}

/** Held SSE bytes: {@link EventBuffer.push} a chunk, get what may go out; {@link EventBuffer.rest} at the end. */
export class EventBuffer {
  private chunks: Uint8Array[] = [];
  private length = 0;
  /** Index (in the held bytes) just past their last line end, or -1. */
  private lineEnd = -1;

  /** Holds `chunk`; releases the bytes up to the last complete event (or, past the limits, line). */
  push(chunk: Uint8Array): Released {
    const base = this.length;
    const cut = this.lastEventEndIn(chunk);
    const line = lastLineEndIn(chunk);
    if (line >= 0) this.lineEnd = base + line;
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
    if (cut >= 0) return { out: this.take(base + cut), open: false };
    if (this.length > MAX_HELD) {
      if (this.lineEnd > 0) return { out: this.take(this.lineEnd), open: true };
      if (this.length > MAX_LINE) return { out: this.take(this.length), open: true };
    }
    return { open: false };
  }

  /** Everything still held (the stream ended), or undefined. */
  rest(): Uint8Array | undefined {
    return this.length ? this.take(this.length) : undefined;
  }

  /** Index in `chunk` just past its last event boundary, with the held bytes before it as context; -1 if none. */
  private lastEventEndIn(chunk: Uint8Array): number {
    const t1 = this.byteFromEnd(1);
    const t2 = this.byteFromEnd(2);
    for (let j = chunk.length - 1; j >= 0; j--) {
      const p1 = j >= 1 ? chunk[j - 1] : t1;
      const p2 = j >= 2 ? chunk[j - 2] : j === 1 ? t1 : t2;
      if (endsEvent(chunk[j], p1, p2)) return j + 1;
    }
    return -1;
  }

  /** The held byte `k` from the end (1: the last), or -1. */
  private byteFromEnd(k: number): number {
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const c = this.chunks[i];
      if (k <= c.byteLength) return c[c.byteLength - k];
      k -= c.byteLength;
    }
    return -1;
  }

  /** The first `n` held bytes as one array (no copy when they are one whole chunk); the rest stays held. */
  private take(n: number): Uint8Array {
    let out: Uint8Array;
    if (this.chunks[0].byteLength === n) out = this.chunks.shift()!;
    else {
      out = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const c = this.chunks[0];
        const k = Math.min(c.byteLength, n - at);
        out.set(k === c.byteLength ? c : c.subarray(0, k), at);
        at += k;
        if (k === c.byteLength) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.length -= n;
    // lineEnd is the last line end held: at or before the cut, what stays holds none.
    this.lineEnd = this.lineEnd > n ? this.lineEnd - n : -1;
    return out;
  }
}

/** Index just past the last line end (LF or CR) in `b`, or -1. */
function lastLineEndIn(b: Uint8Array): number {
  for (let i = b.length - 1; i >= 0; i--) if (b[i] === LF || b[i] === CR) return i + 1;
  return -1;
}
