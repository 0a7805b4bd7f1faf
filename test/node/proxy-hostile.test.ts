// Issue 20, item 1: one hostile body costs its sender, never other clients. A real server on
// loopback (the public Node entry, default budget and body limit, detection in the worker pool)
// takes a body built to make the glossing step slow: thousands of duplicate JSON keys beside
// thousands of strings (the splice), or a conversation of 200,000 short messages (the message
// walk, cache lookups, the rewrite). While it is processed, the server's event loop keeps turning
// (a ticker on the same loop, and /healthz polled by another client), compared against a plain body of
// the same size: the bound is relative, so machine speed does not decide it. The body then goes
// upstream as the status says: glossed when it says rewritten, byte for byte as sent otherwise.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openKnownFixture, type KnownFixture } from '../helpers/known-fixture.ts';
import { startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';
import { startServer, type RunningServer } from '../../src/runtime/node/index.ts';

const HALF = 'she sold half as many clips';

let fx: KnownFixture;
let raw: RawUpstream;
let server: RunningServer;

beforeAll(async () => {
  fx = await openKnownFixture('gloss-proxy-hostile-');
  raw = await startRawUpstream();
  server = await startServer({
    bundle: fx.bundle,
    port: 0,
    detectThreads: 1,
    proxy: { upstreams: { openai: `${raw.origin}/v1` }, retries: 0 },
  });
});
afterAll(async () => {
  await server?.close();
  await raw?.close();
  await fx?.close();
});

/** What one request cost the others: the longest stall of the event loop and of /healthz. */
interface Cost {
  status: string | null;
  httpStatus: number;
  loopGapMs: number;
  healthzMs: number;
  healthzAnswers: number;
  upstreamBody: string;
}

async function cost(body: string): Promise<Cost> {
  let last = performance.now();
  let loopGapMs = 0;
  const ticker = setInterval(() => {
    const t = performance.now();
    loopGapMs = Math.max(loopGapMs, t - last);
    last = t;
  }, 2);
  let done = false;
  let healthzMs = 0;
  let healthzAnswers = 0;
  const poller = (async () => {
    // Bounded: at most 10,000 polls, and none after the request is answered.
    for (let i = 0; i < 10_000 && !done; i++) {
      const t0 = performance.now();
      const r = await fetch(`${server.url}/healthz`);
      await r.arrayBuffer();
      healthzMs = Math.max(healthzMs, performance.now() - t0);
      healthzAnswers++;
    }
  })();
  const before = raw.hits.length;
  try {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.arrayBuffer();
    done = true;
    await poller;
    return {
      status: res.headers.get('x-gloss-status'),
      httpStatus: res.status,
      loopGapMs,
      healthzMs,
      healthzAnswers,
      upstreamBody: raw.hits.length > before ? raw.hits.at(-1)!.body.toString() : '(never reached the upstream)',
    };
  } finally {
    done = true;
    clearInterval(ticker);
  }
}

/** The body went upstream as the status says. */
function honest(c: Cost, sent: string): void {
  expect(c.httpStatus).toBe(200);
  if (c.status === 'rewritten') expect(c.upstreamBody).toContain('⟦gloss');
  else {
    expect(['skipped-unspliceable', 'skipped-timeout', 'unchanged', 'skipped-scan-limit']).toContain(c.status);
    expect(c.upstreamBody).toBe(sent);
  }
}

/** The hostile body held the loop and /healthz no longer than a plain one of its size, within slack. */
function noWorseThan(hostile: Cost, plain: Cost): void {
  expect(hostile.loopGapMs).toBeLessThanOrEqual(3 * plain.loopGapMs + 250);
  expect(hostile.healthzMs).toBeLessThanOrEqual(3 * plain.healthzMs + 250);
  expect(hostile.healthzAnswers).toBeGreaterThan(0);
}

/** `{ model, messages: [HALF], x: [n strings], <n members> }` of about `bytes`; members duplicate one key or not. */
function keyed(bytes: number, duplicate: boolean): string {
  const n = Math.floor(bytes / 14);
  const strings = Array.from({ length: n }, () => '"s"').join(',');
  const members = Array.from({ length: n }, (_, i) => (duplicate ? '"d":1' : `"d${i}":1`)).join(',');
  return `{"model":"fake-model","messages":[{"role":"user","content":${JSON.stringify(HALF)}}],"x":[${strings}],${members}}`;
}

describe('issue 20 item 1: a hostile body costs its sender only', () => {
  it('duplicate keys beside many strings: the splice stays linear and the server keeps answering', async () => {
    // Warm both paths first (first-request costs are not what is measured).
    await cost(keyed(16 * 1024, false));
    const plain = keyed(400 * 1024, false);
    const hostile = keyed(400 * 1024, true);
    const p = await cost(plain);
    const h = await cost(hostile);
    honest(p, plain);
    honest(h, hostile);
    noWorseThan(h, p);
  });

  it('200,000 short messages: the walk, the cache lookups and the rewrite hold nobody', async () => {
    const n = 200_000;
    const hostile = JSON.stringify({
      model: 'fake-model',
      messages: Array.from({ length: n }, (_, i) => ({ role: 'user', content: `q ${i}` })),
    });
    // The same body with assistant turns (not scanned): parsing and reading the view cost the
    // same, what differs is the pass's walk, cache lookups and rewrite over 200,000 user turns.
    const plain = JSON.stringify({
      model: 'fake-model',
      messages: Array.from({ length: n }, (_, i) => ({ role: 'assistant', content: `q ${i}` })),
    });
    await cost(JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'q' }] }));
    const p = await cost(plain);
    const h = await cost(hostile);
    honest(p, plain);
    honest(h, hostile);
    noWorseThan(h, p);
  });
});
