// The SSE relay's buffer (src/core/proxy/sse-events.ts) releases exactly what the earlier
// re-concatenating buffer released, for any chunking: the reference below is that earlier code
// (concat the held bytes with each chunk, scan all of it from the end). Seeded random streams mix
// LF, CRLF and CR line ends, events of a few bytes to past the 1 MiB hold limit, and lines past
// the 16 MiB line limit.
import { describe, it, expect } from 'vitest';
import { EventBuffer, lastEventEnd, MAX_HELD, MAX_LINE } from '../../src/core/proxy/sse-events.ts';

function lastLineEnd(b: Uint8Array): number {
  for (let i = b.length - 1; i >= 0; i--) if (b[i] === 0x0a || b[i] === 0x0d) return i + 1;
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/** The earlier relay's split: what goes out of everything held so far. */
function splitEvents(all: Uint8Array): { out?: Uint8Array; held?: Uint8Array; open: boolean } {
  const cut = lastEventEnd(all);
  if (cut === all.byteLength) return { out: all, open: false };
  if (cut > 0) return { out: all.subarray(0, cut), held: all.slice(cut), open: false };
  if (all.byteLength > MAX_HELD) {
    const line = lastLineEnd(all);
    if (line > 0) return { out: all.subarray(0, line), held: all.slice(line), open: true };
    if (all.byteLength > MAX_LINE) return { out: all, open: true };
  }
  return { held: all, open: false };
}

/** Every release of the reference and of EventBuffer for one chunking, as [bytes, open] (plus the rest). */
function releases(chunks: Uint8Array[]): { ref: [string, boolean][]; got: [string, boolean][] } {
  const ref: [string, boolean][] = [];
  const got: [string, boolean][] = [];
  let held: Uint8Array | undefined;
  const buf = new EventBuffer();
  const key = (b: Uint8Array) => Buffer.from(b).toString('latin1');
  for (const c of chunks) {
    const r = splitEvents(held ? concat(held, c) : c);
    held = r.held;
    if (r.out) ref.push([key(r.out), r.open]);
    const g = buf.push(c);
    if (g.out) got.push([key(g.out), g.open]);
  }
  if (held) ref.push([key(held), false]);
  const rest = buf.rest();
  if (rest) got.push([key(rest), false]);
  return { ref, got };
}

/** A seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts `bytes` into chunks of 1..max bytes. */
function chunked(bytes: Uint8Array, max: number, r: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = 1 + Math.floor(r() * max);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

const enc = (s: string) => new TextEncoder().encode(s);

describe('SSE event buffer', () => {
  it('releases what the re-concatenating buffer released, for small events in any chunking', () => {
    const ends = ['\n', '\r\n', '\r'];
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      let s = '';
      for (let e = 0; e < 20; e++) {
        const end = ends[Math.floor(r() * 3)];
        const lines = 1 + Math.floor(r() * 3);
        for (let l = 0; l < lines; l++) s += `data: ${'x'.repeat(Math.floor(r() * 20))}${end}`;
        if (r() < 0.9) s += end;
      }
      const { ref, got } = releases(chunked(enc(s), 1 + Math.floor(r() * 40), r));
      expect(got).toEqual(ref);
    }
  });

  it('an event past the hold limit goes out by lines, and a line past the line limit goes out whole', () => {
    const r = rng(7);
    const big = `data: ${'y'.repeat(100)}\n`.repeat((MAX_HELD / 100) * 1.5) + 'data: end\n\n';
    const { ref, got } = releases(chunked(enc(big), 64 * 1024, r));
    expect(got.length).toBeGreaterThan(1);
    expect(got.some(([, open]) => open)).toBe(true);
    expect(got).toEqual(ref);
    const endless = new Uint8Array(MAX_LINE + 3 * MAX_HELD).fill(0x61);
    const e = releases(chunked(endless, 2 * MAX_HELD, r));
    expect(e.got).toEqual(e.ref);
    expect(e.got[0][0].length).toBeGreaterThan(MAX_LINE);
  });
});
