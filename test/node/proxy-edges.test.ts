// Issue 20, items 2-8: the proxy's edges as a new user and an attacker try them, each on a real
// server on loopback (through the public Node entry) in front of a bare upstream that records what
// reaches it (test/helpers/raw-upstream.ts):
//   2. upstream URLs joined right for every base (no path, trailing slash, a query like Azure's)
//   3. the glossed routes' trailing-slash and case spellings are glossed, never passed through
//   4. WebSocket upgrades are refused (4xx) and never reach the upstream with the injected key
//   5. every content-encoding the upstream sends is decoded, or kept with its bytes untouched
//   6. an upstream dying inside an SSE event over 1 MiB: the SDKs raise their own APIError
//   7. honest statuses: dry-run, unspliceable bodies, skipped-scan-limit; 400 for bad targets
//   8. CORS exposes the SDKs' retry headers; HEAD keeps content-length; the Anthropic upstream
//      gets its key in x-api-key; /healthz is ready from its first answer (503 while not).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import * as zlib from 'node:zlib';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { openKnownFixture, type KnownFixture } from '../helpers/known-fixture.ts';
import { chatCompletion, defaultRawHandler, startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../src/runtime/node/index.ts';
import { createApp, type Logger, type ProxyConfig } from '../../src/index.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';

const HALF = 'she sold half as many clips';
const GLOSS_MARK = '⟦gloss';

let fx: KnownFixture;
let raw: RawUpstream;
const servers: RunningServer[] = [];

beforeAll(async () => {
  fx = await openKnownFixture('gloss-proxy-edges-', { engine: true });
  raw = await startRawUpstream();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await raw?.close();
  await fx?.close();
});

/** A server on loopback in front of the bare upstream (generous budget: never a speed test). */
async function serve(proxy: ProxyConfig = {}, extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const s = await startServer({
    bundle: fx.bundle,
    port: 0,
    detectThreads: 0,
    proxy: {
      upstreams: { openai: `${raw.origin}/v1`, anthropic: `${raw.origin}/v1` },
      retries: 0,
      budgetMs: 60_000,
      ...proxy,
    },
    ...extra,
  });
  servers.push(s);
  return s;
}

const chat = (content = HALF, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content }], ...extra });

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** A raw HTTP exchange (no decoding, no header normalisation by a client library). */
function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    // A 101 would hand over the socket: the test then sees status 101.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, headers: res.headers, body: Buffer.alloc(0) });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('issue 20 item 2: upstream URLs are joined right for every base', () => {
  const cases: [base: string, path: string, expected: string][] = [
    ['', '/v1/chat/completions', '/chat/completions'],
    ['/', '/v1/chat/completions', '/chat/completions'],
    ['/v1/', '/v1/chat/completions?x=1', '/v1/chat/completions?x=1'],
    ['/api/v1', '/v1/models', '/api/v1/models'],
    [
      '/openai/deployments/d?api-version=2024-10-21',
      '/v1/chat/completions?x=1',
      '/openai/deployments/d/chat/completions?api-version=2024-10-21&x=1',
    ],
  ];
  it.each(cases)('base %j + %s -> %s', async (base, path, expected) => {
    const s = await serve({ upstreams: { openai: `${raw.origin}${base}` } });
    const before = raw.hits.length;
    const res = path.endsWith('/models') ? await fetch(`${s.url}${path}`) : await post(`${s.url}${path}`, chat());
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(raw.hits.length).toBe(before + 1);
    expect(raw.hits.at(-1)!.url).toBe(expected);
  });
});

describe('issue 20 item 3: every spelling of a glossed route is glossed', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await serve();
  });
  const spellings: [path: string, upstreamPath: string, body: string, headers: Record<string, string>][] = [
    ['/v1/chat/completions/', '/v1/chat/completions', chat(), {}],
    ['/v1/Chat/Completions', '/v1/chat/completions', chat(), {}],
    ['/v1/CHAT/COMPLETIONS//', '/v1/chat/completions', chat(), {}],
    ['/v1/responses/', '/v1/responses', JSON.stringify({ model: 'fake-model', input: HALF }), {}],
    [
      '/v1/messages/',
      '/v1/messages',
      JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: HALF }] }),
      { 'anthropic-version': '2023-06-01' },
    ],
    [
      '/v1/Messages',
      '/v1/messages',
      JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: HALF }] }),
      { 'anthropic-version': '2023-06-01' },
    ],
  ];
  it.each(spellings)('POST %s is glossed (or refused), never passed through', async (path, upstreamPath, body, h) => {
    const before = raw.hits.length;
    const res = await post(`${s.url}${path}`, body, h);
    await res.arrayBuffer();
    expect(res.headers.get('x-gloss-status')).not.toBe('passthrough');
    if (res.status === 404) {
      expect(raw.hits.length).toBe(before);
      return;
    }
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    expect(raw.hits.length).toBe(before + 1);
    expect(raw.hits.at(-1)!.url).toBe(upstreamPath);
    expect(raw.hits.at(-1)!.body.toString()).toContain(GLOSS_MARK);
  });
  it('GET on a spelling of a glossed route is 405, like the route itself', async () => {
    const res = await fetch(`${s.url}/v1/chat/completions/`);
    expect(res.status).toBe(405);
  });
});

describe('issue 20 item 4: WebSocket upgrades are refused', () => {
  const ws = {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
  };
  it('GET /v1/realtime with Upgrade: websocket is a 4xx and never reaches the upstream with the injected key', async () => {
    const s = await serve(
      { upstreams: { openai: { baseUrl: `${raw.origin}/v1`, apiKey: 'sk-injected' } } },
      { auth: { bearerToken: 'tok' } },
    );
    const before = raw.hits.length;
    const res = await rawRequest(`${s.url}/v1/realtime?model=gpt-realtime`, {
      headers: { ...ws, authorization: 'Bearer tok' },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(raw.hits.length).toBe(before);
    expect(JSON.parse(res.body.toString()).error.message).toMatch(/websocket/i);
  });
  it('without an injected key too', async () => {
    const s = await serve();
    const before = raw.hits.length;
    const res = await rawRequest(`${s.url}/v1/realtime?model=gpt-realtime`, { headers: ws });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(raw.hits.length).toBe(before);
  });
});

describe('issue 20 item 5: response encodings', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await serve();
  });
  const json = chatCompletion('decoded fine');
  const plain = Buffer.from(json);
  const encodings: [name: string, header: string, encode: (b: Buffer) => Buffer][] = [
    ['gzip', 'gzip', (b) => zlib.gzipSync(b)],
    ['br', 'br', (b) => zlib.brotliCompressSync(b)],
    ['deflate (zlib)', 'deflate', (b) => zlib.deflateSync(b)],
    ['deflate (raw, as some servers send it)', 'deflate', (b) => zlib.deflateRawSync(b)],
    ['zstd', 'zstd', (b) => zlib.zstdCompressSync(b)],
    ['stacked gzip, br', 'gzip, br', (b) => zlib.brotliCompressSync(zlib.gzipSync(b))],
    ['stacked with identity', 'identity, gzip', (b) => zlib.gzipSync(b)],
    ['unknown coding', 'x-custom', (b) => Buffer.concat([Buffer.from('XC'), b])],
  ];
  it.each(encodings)('%s: decoded with the header gone, or kept with the bytes untouched', async (_n, header, enc) => {
    const encoded = enc(plain);
    raw.setHandler((_hit, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': header,
        'content-length': encoded.byteLength,
      });
      res.end(encoded);
    });
    try {
      const res = await rawRequest(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chat(),
      });
      expect(res.status).toBe(200);
      const kept = res.headers['content-encoding'];
      if (kept === undefined) expect(res.body.toString()).toBe(json);
      else {
        expect(kept).toBe(header);
        expect(res.body.equals(encoded)).toBe(true);
      }
    } finally {
      raw.setHandler(defaultRawHandler);
    }
  });
});

describe('issue 20 item 6: an upstream dying inside an SSE event over 1 MiB', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await serve();
  });
  const big = 'a'.repeat(1536 * 1024);
  it('OpenAI SDK: APIError, not SyntaxError', async () => {
    raw.setHandler(async (_hit, res, req) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (content: string) =>
        JSON.stringify({
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'fake-model',
          choices: [{ index: 0, delta: { content }, finish_reason: null }],
        });
      res.write(`data: ${chunk('he')}\n\n`);
      res.write(`data: ${chunk(big).slice(0, -20)}`);
      await new Promise((r) => setTimeout(r, 50));
      req.socket.destroy();
    });
    try {
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1`, maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: 'fake-model',
        messages: [{ role: 'user', content: HALF }],
        stream: true,
      });
      const got: string[] = [];
      const err = await (async () => {
        try {
          for await (const c of stream) got.push(c.choices[0]?.delta?.content ?? '');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(got[0]).toBe('he');
      expect(err).toBeInstanceOf(OpenAI.APIError);
    } finally {
      raw.setHandler(defaultRawHandler);
    }
  });
  it('Anthropic SDK: APIError, not SyntaxError', async () => {
    raw.setHandler(async (_hit, res, req) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
      res.write(
        ev('message_start', {
          type: 'message_start',
          message: {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: 'm',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 1, output_tokens: 0 },
          },
        }),
      );
      res.write(
        ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      );
      const delta = ev('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: big },
      });
      res.write(delta.slice(0, -30));
      await new Promise((r) => setTimeout(r, 50));
      req.socket.destroy();
    });
    try {
      const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: s.url, maxRetries: 0 });
      const stream = await client.messages.create({
        model: 'm',
        max_tokens: 5,
        messages: [{ role: 'user', content: HALF }],
        stream: true,
      });
      const err = await (async () => {
        try {
          for await (const _e of stream) void _e;
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(Anthropic.APIError);
    } finally {
      raw.setHandler(defaultRawHandler);
    }
  });
});

describe('issue 20 item 7: statuses say what happened', () => {
  it('a dry run says dry-run and forwards the bytes as sent', async () => {
    const s = await serve({ dryRun: true });
    const body = chat();
    const res = await post(`${s.url}/v1/chat/completions`, body);
    await res.arrayBuffer();
    expect(res.headers.get('x-gloss-status')).toBe('dry-run');
    expect(res.headers.get('x-gloss-rules')).not.toBe('');
    expect(raw.hits.at(-1)!.body.toString()).toBe(body);
  });

  it('a body nested deeper than the splice can follow: the status and the bytes agree, and later turns keep them', async () => {
    const s = await serve();
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const first = `{"model":"fake-model","extra":${deep},"messages":[{"role":"user","content":${JSON.stringify(HALF)}}]}`;
    const res = await post(`${s.url}/v1/chat/completions`, first);
    await res.arrayBuffer();
    const status = res.headers.get('x-gloss-status');
    const sent = raw.hits.at(-1)!.body.toString();
    if (status === 'rewritten') expect(sent).toContain(GLOSS_MARK);
    else {
      expect(status).toBe('skipped-unspliceable');
      expect(sent).toBe(first);
    }
    // The next turn of the conversation sends the first turn as the upstream saw it before.
    const firstTurn = (JSON.parse(sent) as { messages: { content: string }[] }).messages[0].content;
    const next = JSON.stringify({
      model: 'fake-model',
      messages: [
        { role: 'user', content: HALF },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'and then?' },
      ],
    });
    const res2 = await post(`${s.url}/v1/chat/completions`, next);
    await res2.arrayBuffer();
    const again = (JSON.parse(raw.hits.at(-1)!.body.toString()) as { messages: { content: string }[] }).messages[0];
    expect(again.content).toBe(firstTurn);
  });

  it('a prompt the scan limit skips entirely says skipped-scan-limit', async () => {
    const s = await serve({ scanTokens: 2 });
    const res = await post(`${s.url}/v1/chat/completions`, chat());
    await res.arrayBuffer();
    expect(res.headers.get('x-gloss-status')).toBe('skipped-scan-limit');
  });

  it('an absolute-form target with userinfo is a 400, logged as a client error', async () => {
    const errors: string[] = [];
    const logger: Logger = { info() {}, warn() {}, error: (e) => errors.push(e) };
    const s = await serve({}, { logger });
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(s.port, '127.0.0.1', () => {
        sock.write('GET http://user@x/v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      });
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('end', () => resolve(got));
      sock.on('error', reject);
    });
    expect(answer.split('\r\n', 1)[0]).toMatch(/^HTTP\/1\.1 400 /);
    expect(errors).toEqual([]);
  });
});

describe('issue 20 item 8: the smaller gaps', () => {
  it('CORS exposes the headers the SDKs read for retries and rate limits', async () => {
    const s = await serve({ corsOrigins: ['https://app.example'] });
    const res = await post(`${s.url}/v1/chat/completions`, chat(), { origin: 'https://app.example' });
    await res.arrayBuffer();
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    for (const h of [
      'retry-after',
      'retry-after-ms',
      'x-should-retry',
      'x-request-id',
      'request-id',
      'x-ratelimit-limit-requests',
      'x-ratelimit-remaining-requests',
      'x-ratelimit-reset-requests',
      'x-ratelimit-limit-tokens',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-tokens',
      'anthropic-ratelimit-requests-remaining',
      'anthropic-ratelimit-tokens-remaining',
    ])
      expect(exposed).toContain(h);
  });

  it('HEAD through the passthrough keeps content-length', async () => {
    const s = await serve();
    raw.setHandler((hit, res) => {
      if (hit.method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1234' });
        res.end();
      } else void defaultRawHandler(hit, res, undefined as never);
    });
    try {
      const res = await rawRequest(`${s.url}/v1/models`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe('1234');
    } finally {
      raw.setHandler(defaultRawHandler);
    }
  });

  it('x-gloss-upstream: anthropic without anthropic-version: the injected key goes in x-api-key', async () => {
    const s = await serve(
      {
        upstreams: {
          openai: { baseUrl: `${raw.origin}/v1`, apiKey: 'sk-openai-injected' },
          anthropic: { baseUrl: `${raw.origin}/v1`, apiKey: 'sk-ant-injected' },
        },
      },
      { auth: { bearerToken: 'tok' } },
    );
    const res = await fetch(`${s.url}/v1/models`, {
      headers: { authorization: 'Bearer tok', 'x-gloss-upstream': 'anthropic' },
    });
    await res.arrayBuffer();
    const hit = raw.hits.at(-1)!;
    expect(hit.headers['x-api-key']).toBe('sk-ant-injected');
    expect(hit.headers.authorization).toBeUndefined();
  });

  it('/healthz is ready from its first answer', async () => {
    const s = await serve();
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ready: boolean }).ready).toBe(true);
  });

  it('/healthz answers 503 while the engine is not loaded, 200 once it is', async () => {
    let release!: () => void;
    const loaded = new Promise<void>((r) => (release = r));
    const app = createApp({
      engine: async () => {
        await loaded;
        return fx.engine as GlossEngine;
      },
    });
    const first = await app.request('/healthz');
    expect(first.status).toBe(503);
    expect(((await first.json()) as { ready: boolean }).ready).toBe(false);
    release();
    await expect
      .poll(async () => {
        const r = await app.request('/healthz');
        return [r.status, ((await r.json()) as { ready: boolean }).ready];
      })
      .toEqual([200, true]);
  });
});
