// Issue 20, item 1 on Node: large bodies are decoded, parsed and viewed in a worker-thread pool
// (src/runtime/node/parse-pool.ts) instead of on the request thread. The same bodies through a
// server that reads every body off-thread (parseMinBytes 0) and one that reads all in-thread
// (parseThreads 0) must reach the upstream byte for byte the same, with the same status, rules
// and 400s. A body the deadline cuts short while it is parsed goes upstream as sent, says
// skipped-timeout, and the pool's replaced worker reads the next body. No timing is asserted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openKnownFixture, type KnownFixture } from '../helpers/known-fixture.ts';
import { startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';
import { startServer, type RunningServer } from '../../src/runtime/node/index.ts';
import { deadlineIn } from '../../src/core/gloss/deadline.ts';

const HALF = 'she sold half as many clips';

let fx: KnownFixture;
let raw: RawUpstream;
let offThread: RunningServer;
let inThread: RunningServer;

beforeAll(async () => {
  fx = await openKnownFixture('gloss-proxy-offthread-');
  raw = await startRawUpstream();
  const proxy = {
    upstreams: { openai: `${raw.origin}/v1`, anthropic: `${raw.origin}/v1` },
    retries: 0,
    // No timeouts here: what is compared is the result of a whole pass.
    budgetMs: 60_000,
  };
  offThread = await startServer({ bundle: fx.bundle, port: 0, detectThreads: 1, parseMinBytes: 0, proxy });
  inThread = await startServer({ bundle: fx.bundle, port: 0, detectThreads: 1, parseThreads: 0, proxy });
}, 60_000);
afterAll(async () => {
  await offThread?.close();
  await inThread?.close();
  await raw?.close();
  await fx?.close();
});

/** What a client and the upstream saw of one request. */
interface Seen {
  status: number;
  gloss: Record<string, string>;
  body: string;
  upstream?: Buffer;
}

async function send(
  s: RunningServer,
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  anthropic = false,
): Promise<Seen> {
  const before = raw.hits.length;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (anthropic) headers['anthropic-version'] = '2023-06-01';
  const res = await fetch(`${s.url}${path}`, { method: 'POST', headers, body });
  const gloss: Record<string, string> = {};
  for (const [k, v] of res.headers) if (k.startsWith('x-gloss-') && k !== 'x-gloss-ms') gloss[k] = v;
  return {
    status: res.status,
    gloss,
    body: await res.text(),
    upstream: raw.hits.length > before ? raw.hits.at(-1)!.body : undefined,
  };
}

const chat = (messages: unknown[], extra = ''): string =>
  `{"model":"fake-model"${extra},"messages":${JSON.stringify(messages)}}`;

const CASES: [name: string, path: string, body: string | Uint8Array<ArrayBuffer>, anthropic?: boolean][] = [
  ['one glossed turn', '/v1/chat/completions', chat([{ role: 'user', content: HALF }])],
  [
    'duplicate keys (the last messages wins), number spellings kept',
    '/v1/chat/completions',
    `{"messages":[{"role":"user","content":"x"}],"n":1.0,"big":9007199254740993,"messages":[{"role":"user","content":${JSON.stringify(HALF)}}]}`,
  ],
  [
    'escapes and non-ASCII text',
    '/v1/chat/completions',
    `{"model":"fake-model","messages":[{"role":"user","content":"caf\\u00e9 \u{1F600} \\"q\\" ${HALF}"}]}`,
  ],
  [
    '3,000 turns with content parts (many batches back from the worker)',
    '/v1/chat/completions',
    chat(
      Array.from({ length: 3000 }, (_, i) =>
        i % 3 === 0
          ? {
              role: 'user',
              content: [
                { type: 'text', text: `${HALF} ${i}` },
                { type: 'image_url', image_url: { url: 'x' } },
              ],
            }
          : { role: i % 3 === 1 ? 'assistant' : 'user', content: `turn ${i}` },
      ),
    ),
  ],
  [
    'Anthropic messages',
    '/v1/messages',
    JSON.stringify({
      model: 'm',
      max_tokens: 8,
      messages: [{ role: 'user', content: [{ type: 'text', text: HALF }] }],
    }),
    true,
  ],
  ['Responses input', '/v1/responses', JSON.stringify({ model: 'm', input: HALF })],
  ['not JSON', '/v1/chat/completions', '{"model":"m","messages":['],
  ['not UTF-8', '/v1/chat/completions', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
  ['not the API shape', '/v1/chat/completions', '{"model":"m","messages":{"role":"user"}}'],
];

describe('issue 20 item 1: bodies read off the request thread', () => {
  it.each(CASES)(
    '%s: the same answer and upstream bytes as the in-thread read',
    async (_name, path, body, anthropic) => {
      const a = await send(offThread, path, body, anthropic);
      const b = await send(inThread, path, body, anthropic);
      expect(a.status).toBe(b.status);
      expect(a.gloss).toEqual(b.gloss);
      if (a.status === 400) expect(a.body).toBe(b.body);
      expect(a.upstream === undefined).toBe(b.upstream === undefined);
      if (a.upstream && b.upstream) expect(a.upstream.equals(b.upstream)).toBe(true);
      // Every case that is not a 400 carries a trap: the comparison is between glossed bodies.
      if (a.status !== 400) expect(a.gloss['x-gloss-status']).toBe('rewritten');
    },
  );

  it('the glossed cases were glossed, and the bad bodies answered 400 with what is wrong', async () => {
    const glossed = await send(offThread, '/v1/chat/completions', chat([{ role: 'user', content: HALF }]));
    expect(glossed.gloss['x-gloss-status']).toBe('rewritten');
    expect(glossed.upstream?.toString()).toContain('⟦gloss');
    const bad = await send(offThread, '/v1/chat/completions', '{"model":"m","messages":[');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.type).toBe('invalid_json');
    expect(bad.upstream).toBeUndefined();
  });
});

describe('issue 20 item 1: a body the deadline cuts short while it is parsed', () => {
  let tight: RunningServer;
  beforeAll(async () => {
    tight = await startServer({
      bundle: fx.bundle,
      port: 0,
      detectThreads: 1,
      parseThreads: 1,
      proxy: { upstreams: { openai: `${raw.origin}/v1` }, retries: 0, budgetMs: 1, failOpen: true },
    });
  }, 60_000);
  afterAll(async () => tight?.close());

  it('goes upstream as sent with skipped-timeout, and the pool reads the next body', async () => {
    // About 7 MiB of distinct keys: JSON.parse alone runs far past a 1 ms budget.
    const n = 450_000;
    const members = Array.from({ length: n }, (_, i) => `"d${i}":1`).join(',');
    const body = `{"model":"fake-model","messages":[{"role":"user","content":${JSON.stringify(HALF)}}],${members}}`;
    const seen = await send(tight, '/v1/chat/completions', body);
    expect(seen.status).toBe(200);
    expect(seen.gloss['x-gloss-status']).toBe('skipped-timeout');
    expect(seen.upstream?.equals(Buffer.from(body))).toBe(true);
    // The worker that was parsing was terminated; its replacement answers.
    const pool = tight.parsePool!;
    const read = await pool.read(
      new TextEncoder().encode(chat([{ role: 'user', content: HALF }])),
      'openai-chat',
      deadlineIn(60_000),
    );
    expect(read).toMatchObject({ ok: true, messages: [{ role: 'user', content: HALF }] });
  });

  it('jobs queued on a one-thread pool are each answered with their own messages, in many batches', async () => {
    const pool = tight.parsePool!;
    const bodies = [5000, 1, 7000].map((n) =>
      chat(Array.from({ length: n }, (_, i) => ({ role: 'user', content: `${n}:${i}` }))),
    );
    const reads = await Promise.all(
      bodies.map((b) => pool.read(new TextEncoder().encode(b), 'openai-chat', deadlineIn(60_000))),
    );
    for (const [k, r] of reads.entries()) {
      const n = [5000, 1, 7000][k];
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(r.messages).toHaveLength(n);
      expect(r.messages[n - 1]).toEqual({
        role: 'user',
        content: `${n}:${n - 1}`,
        path: ['messages', n - 1, 'content'],
      });
    }
  });
});
