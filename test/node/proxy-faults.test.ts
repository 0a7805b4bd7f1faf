// Upstream faults (timeout, connection reset, connection refused, 5xx, a stream cut in the middle,
// a stream that falls silent), client disconnects, and bad requests. Each fault gives the client a
// well-formed answer (a JSON error with 502/504, or the partial stream ended with an error event),
// Gloss keeps serving, and a bad request never reaches the upstream.
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { writeKnownBundle } from '../helpers/known-bundle.ts';
import { scriptedReply, startFakeLlm, type FakeLlm } from '../helpers/fake-llm.ts';
import { startServer, type RunningServer } from '../../src/runtime/node/server.ts';

let dir: string;
let fake: FakeLlm;
let server: RunningServer;
let deadPort: number;

const TIMEOUT_MS = 400;
const IDLE_MS = 400;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-proxy-faults-'));
  await writeKnownBundle(join(dir, 'b'));
  fake = await startFakeLlm(scriptedReply);
  // A port nobody listens on: connection refused.
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  deadPort = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  server = await startServer({
    bundle: join(dir, 'b'),
    port: 0,
    proxy: {
      upstreams: { openai: fake.baseUrl, anthropic: fake.baseUrl, dead: `http://127.0.0.1:${deadPort}/v1` },
      timeoutMs: TIMEOUT_MS,
      streamIdleTimeoutMs: IDLE_MS,
      maxBodyBytes: 64 * 1024,
      budgetMs: 60_000, // tests about the budget slow the detector on purpose; these must not time out under load
    },
  });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await fake.idle();
  fake.setHandler(scriptedReply);
  fake.reset();
});

const chat = (model = 'fake-model', extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'she sold half as many clips' }], ...extra });

function post(
  path: string,
  body: BodyInit,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers, body, signal, duplex: 'half' } as RequestInit);
}

async function metric(line: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const hit = text.split('\n').find((l) => l.startsWith(line + ' '));
  return hit ? Number(hit.slice(line.length + 1)) : 0;
}

/** Gloss still answers a plain request normally. */
async function stillServing(): Promise<void> {
  fake.setHandler(scriptedReply);
  const res = await post('/v1/chat/completions', chat());
  expect(res.status).toBe(200);
  expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content).toContain(
    '⟦gloss',
  );
}

describe('upstream faults', () => {
  afterEach(async () => {
    await stillServing();
  });

  it('no answer within the timeout: 504 JSON, with the x-gloss headers', async () => {
    fake.setHandler(() => ({ delayMs: 3000, content: 'late' }));
    const res = await post('/v1/chat/completions', chat());
    expect(res.status).toBe(504); // the upstream would have answered 200 "late": the timeout came first
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    expect(await res.json()).toEqual({
      error: { type: 'upstream_timeout', message: `the upstream openai did not answer within ${TIMEOUT_MS} ms` },
    });
    // Gloss dropped the connection: the upstream saw its client go away.
    await expect.poll(() => fake.aborted).toBe(1);
    expect(await metric('gloss_upstream_errors_total{upstream="openai",kind="timeout"}')).toBeGreaterThanOrEqual(1);
  });

  it('the upstream resets the connection: 502 JSON, and the POST is not retried', async () => {
    fake.setHandler(() => ({ destroy: true }));
    const res = await post(
      '/v1/messages',
      JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'half' }] }),
    );
    expect(res.status).toBe(502);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    // Anthropic route: Anthropic's error envelope.
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('upstream_error');
    expect(body.error.message).toMatch(/^the upstream anthropic closed the connection before answering/);
    expect(fake.count).toBe(1);
  });

  it('connection refused: retried once (nothing was sent), then 502 JSON', async () => {
    const before = await metric('gloss_upstream_retries_total{upstream="dead"}');
    const res = await post('/v1/chat/completions', chat(), {
      'content-type': 'application/json',
      'x-gloss-upstream': 'dead',
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^the upstream dead could not be reached \(ECONNREFUSED\)/,
    );
    expect(await metric('gloss_upstream_retries_total{upstream="dead"}')).toBe(before + 1);
  });

  it('5xx and 4xx from the upstream pass through unchanged, body and headers', async () => {
    for (const status of [500, 502, 503, 400, 429]) {
      fake.setHandler(() => ({
        status,
        error: `upstream says ${status}`,
        headers: { 'retry-after': '7', 'x-request-id': 'req_1' },
      }));
      const direct = await fetch(`${fake.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chat(),
      });
      const res = await post('/v1/chat/completions', chat());
      expect(res.status).toBe(status);
      expect(await res.text()).toBe(await direct.text());
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('x-request-id')).toBe('req_1');
      expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    }
  });

  it('a stream cut in the middle of an event: the whole events, then an error event, then a clean end', async () => {
    fake.setHandler(() => ({ content: 'one two three four five six', cutAfter: 3, cutMidEvent: true }));
    const res = await post('/v1/chat/completions', chat('m', { stream: true }));
    expect(res.status).toBe(200);
    const text = await res.text(); // ends normally: no network error
    const events = text.split('\n\n').filter(Boolean);
    expect(events).toHaveLength(4);
    for (const e of events.slice(0, 3))
      expect(JSON.parse(e.replace(/^data: /, '')).object).toBe('chat.completion.chunk');
    expect(events[3]).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"upstream_error","message":"the upstream connection was lost in the middle of the stream"}}',
    );
    expect(await metric('gloss_upstream_errors_total{upstream="openai",kind="stream_cut"}')).toBeGreaterThanOrEqual(1);

    // The SDKs raise it as an APIError after the chunks that did arrive.
    const seen: string[] = [];
    const sdk = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(
      (async () => {
        for await (const c of await sdk.chat.completions.create({
          model: 'm',
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
        }))
          seen.push(c.choices[0].delta.content ?? '');
      })(),
    ).rejects.toThrow(/lost in the middle of the stream/);
    expect(seen).toEqual(['', 'one ', 'two ']);
    const an = new Anthropic({ apiKey: 'k', baseURL: server.url, maxRetries: 0 });
    fake.setHandler(scriptedReply);
    const types: string[] = [];
    await expect(
      (async () => {
        for await (const e of await an.messages.create({
          model: 'fake-cut-4',
          max_tokens: 9,
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
        }))
          types.push(e.type);
      })(),
    ).rejects.toBeInstanceOf(Anthropic.APIError);
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
  });

  it('a JSON body cut in the middle: the client connection is aborted (it cannot be made whole)', async () => {
    fake.setHandler(() => ({ content: 'a long answer', cutAfter: 40 }));
    const res = await post('/v1/chat/completions', chat());
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('a stream that falls silent: ended with an error event after the idle limit', async () => {
    fake.setHandler(() => ({ chunks: ['a ', 'b ', 'c '], chunkDelayMs: IDLE_MS * 4 }));
    const res = await post('/v1/chat/completions', chat('m', { stream: true }));
    const text = await res.text();
    // Ended by the idle limit, not by the upstream's next chunk: it never came.
    expect(text).not.toContain('b ');
    expect(text).toMatch(
      /"upstream_timeout","message":"the upstream sent nothing for 400 ms; the stream was ended"\}\}\n\n$/,
    );
    await expect.poll(() => fake.aborted).toBe(1);
  });
});

describe('client disconnects', () => {
  it('mid-stream: the upstream request is cancelled at once', async () => {
    // 100 chunks 100 ms apart: the stream has ~10 s left when the client goes away.
    fake.setHandler(() => ({ chunks: Array.from({ length: 100 }, (_, i) => `w${i} `), chunkDelayMs: 100 }));
    const ctrl = new AbortController();
    const res = await post(
      '/v1/chat/completions',
      chat('m', { stream: true }),
      { 'content-type': 'application/json' },
      ctrl.signal,
    );
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    ctrl.abort();
    await expect.poll(() => fake.aborted, { timeout: 5000 }).toBe(1); // long before the stream's end
    await fake.idle();
    await stillServing();
  });

  it('before the upstream answered: the upstream request is cancelled', async () => {
    fake.setHandler(() => ({ delayMs: 3000, content: 'late' }));
    const ctrl = new AbortController();
    const p = post('/v1/chat/completions', chat(), { 'content-type': 'application/json' }, ctrl.signal).catch((e) => e);
    await expect.poll(() => fake.inFlight).toBe(1);
    ctrl.abort();
    expect(await p).toBeInstanceOf(Error);
    await expect.poll(() => fake.aborted, { timeout: 2000 }).toBe(1);
    await stillServing();
  });
});

describe('bad requests never reach the upstream', () => {
  afterEach(() => {
    expect(fake.count, 'requests that reached the upstream').toBe(0);
  });

  const cases: [string, string, BodyInit, Record<string, string>, number, string][] = [
    [
      'truncated JSON',
      '/v1/chat/completions',
      '{"model":"m","messages":[',
      { 'content-type': 'application/json' },
      400,
      'invalid_json',
    ],
    [
      'not UTF-8',
      '/v1/chat/completions',
      new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
      { 'content-type': 'application/json' },
      400,
      'invalid_json',
    ],
    ['empty body', '/v1/responses', '', { 'content-type': 'application/json' }, 400, 'invalid_json'],
    ['a JSON array', '/v1/chat/completions', '[1,2]', { 'content-type': 'application/json' }, 400, 'invalid_request'],
    ['null', '/v1/messages', 'null', { 'content-type': 'application/json' }, 400, 'invalid_request'],
    [
      'messages missing',
      '/v1/chat/completions',
      '{"model":"m"}',
      { 'content-type': 'application/json' },
      400,
      'invalid_request',
    ],
    [
      'a message that is a string',
      '/v1/messages',
      '{"model":"m","messages":["hi"]}',
      { 'content-type': 'application/json' },
      400,
      'invalid_request',
    ],
    [
      'input a number',
      '/v1/responses',
      '{"model":"m","input":5}',
      { 'content-type': 'application/json' },
      400,
      'invalid_request',
    ],
    [
      'system a number',
      '/v1/messages',
      '{"model":"m","system":5,"messages":[]}',
      { 'content-type': 'application/json' },
      400,
      'invalid_request',
    ],
    ['text/plain', '/v1/chat/completions', chat(), { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    [
      'form data',
      '/v1/chat/completions',
      'a=1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
    ],
    [
      'over the size limit',
      '/v1/chat/completions',
      chat('m', { pad: 'x'.repeat(100 * 1024) }),
      { 'content-type': 'application/json' },
      413,
      'payload_too_large',
    ],
  ];
  for (const [name, path, body, headers, status, type] of cases) {
    it(`${name}: ${status} ${type}`, async () => {
      const res = await post(path, body, headers);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const json = (await res.json()) as { type?: string; error: { type: string; message: string } };
      expect(json.error.type).toBe(type);
      expect(json.error.message.length).toBeGreaterThan(5);
      if (path === '/v1/messages') expect(json.type).toBe('error');
    });
  }

  it('a huge body streamed without content-length: 413 once past the limit', async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent > 4 * 1024 * 1024) return c.close();
        sent += 64 * 1024;
        c.enqueue(new Uint8Array(64 * 1024).fill(0x20));
      },
    });
    const res = await post('/v1/chat/completions', stream);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(4 * 1024 * 1024); // Gloss stopped reading early
  });

  it('a huge body with content-length: 413 without reading it', async () => {
    const res = await post('/v1/chat/completions', new Uint8Array(2 * 1024 * 1024).fill(0x20));
    expect(res.status).toBe(413);
  });

  it('other methods: 405 JSON', async () => {
    for (const path of ['/v1/chat/completions', '/v1/responses', '/v1/messages']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('an unknown x-gloss mode: 400', async () => {
    const res = await post('/v1/chat/completions', chat(), { 'content-type': 'application/json', 'x-gloss': 'maybe' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /x-gloss must be on, off or dry-run/,
    );
  });
});
