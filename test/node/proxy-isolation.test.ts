// The proxy in front of real traffic, each scenario on a real server on loopback with
// the official SDKs or a raw HTTP client:
// - an injected key is only spent for callers holding Gloss's token; `gloss serve` refuses to run
//   an injected key open;
// - detection runs off the request thread: a detector blocked on purpose (a gate in the worker,
//   not a timer) holds neither /healthz nor another client's stream, and the time budget
//   abandons it and forwards the original bytes;
// - a conversation's earlier turns keep their bytes in later requests;
// - other /v1 paths pass through under the allow-list; big bodies stream on unscanned; CORS;
// - bytes Gloss does not gloss are kept (duplicate keys, big integers, 1.0, the query string).
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { openKnownFixture, type KnownFixture } from '../helpers/known-fixture.ts';
import { scriptedReply, type FakeLlm } from '../helpers/fake-llm.ts';
import { gate } from '../helpers/gated-backend.ts';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { loadEngine, startServer, type RunningServer } from '../../src/runtime/node/server.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import { gloss, type GlossVariables } from '../../src/core/middleware.ts';
import { createApp } from '../../src/core/app.ts';
import { ConfigError, proxyConfigFromEnv, resolveProxyConfig, type ProxyConfig } from '../../src/core/proxy/config.ts';
import { proxyConfigFor } from '../../src/runtime/node/cli.ts';
import { jsonLogger } from '../../src/core/http/logger.ts';

const HALF = 'she sold half as many clips';
const HALF_GLOSSED = 'she sold half ⟦gloss: "half" means one half of the amount mentioned before⟧ as many clips';
const TWICE = 'tom has twice as many apples';
/** 150 known-vocabulary tokens: past the gate's 48 (one detector window is 64 tokens). */
const LONG = Array.from({ length: 25 }, () => 'natalia sold clips to her friends').join(' , ') + ' half as many';
const GATED = pathToFileURL(resolve('test/helpers/gated-backend.ts')).href;

let fx: KnownFixture;
let bundle: string;
let fake: FakeLlm;
const servers: RunningServer[] = [];

beforeAll(async () => {
  fx = await openKnownFixture('gloss-proxy-isolation-', { fake: scriptedReply });
  bundle = fx.bundle;
  fake = fx.fake!;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await fx?.close();
});
beforeEach(() => {
  fake.setHandler(scriptedReply);
  fake.reset();
});

/** A server on loopback; the budget is generous unless a test is about it (never a speed test). */
async function serve(proxy: ProxyConfig, extra: Partial<Parameters<typeof startServer>[0]> = {}) {
  const s = await startServer({
    bundle,
    port: 0,
    proxy: { upstreams: { openai: fake.baseUrl, anthropic: fake.baseUrl }, retries: 0, budgetMs: 60_000, ...proxy },
    ...extra,
  });
  servers.push(s);
  return s;
}

const chat = (content: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content }], ...extra });

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('an injected key is spent only for holders of the Gloss token', () => {
  it('every proxy route answers 401 without the token; with it, the injected key replaces it upstream', async () => {
    const s = await serve(
      {
        upstreams: {
          openai: { baseUrl: fake.baseUrl, apiKey: 'sk-operator' },
          anthropic: { baseUrl: fake.baseUrl, apiKey: 'sk-ant-operator' },
        },
      },
      { auth: { bearerToken: 'gloss-secret' }, detectThreads: 0 },
    );
    const anon = new OpenAI({ apiKey: 'sk-anyone', baseURL: `${s.url}/v1`, maxRetries: 0 });
    const msg = { model: 'fake-model', messages: [{ role: 'user' as const, content: HALF }] };
    await expect(anon.chat.completions.create(msg)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(anon.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(anon.responses.create({ model: 'fake-model', input: HALF })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const anonAnt = new Anthropic({ apiKey: 'sk-anyone', baseURL: s.url, maxRetries: 0 });
    await expect(
      anonAnt.messages.create({ model: 'fake-model', max_tokens: 8, messages: [{ role: 'user', content: HALF }] }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    for (const [m, p] of [
      ['POST', '/v1/embeddings'],
      ['POST', '/v1/messages/count_tokens'],
      ['DELETE', '/v1/files/f1'],
    ])
      expect((await fetch(`${s.url}${p}`, { method: m })).status, `${m} ${p}`).toBe(401);
    expect(fake.count).toBe(0);

    const member = new OpenAI({ apiKey: 'gloss-secret', baseURL: `${s.url}/v1`, maxRetries: 0 });
    const r = await member.chat.completions.create(msg);
    expect(r.choices[0].message.content).toBeTruthy();
    const models = await member.models.list();
    expect(models.data[0].id).toBe('fake-model');
    const ant = new Anthropic({ apiKey: null, authToken: 'gloss-secret', baseURL: s.url, maxRetries: 0 });
    await ant.messages.create({ model: 'fake-model', max_tokens: 8, messages: [{ role: 'user', content: HALF }] });
    expect(fake.requests.map((q) => [q.headers.authorization, q.headers['x-api-key']])).toEqual([
      ['Bearer sk-operator', undefined],
      [undefined, 'sk-ant-operator'],
    ]);
    expect(JSON.stringify(fake.requests.map((q) => q.headers))).not.toContain('gloss-secret');
    // A token bearerAuth could never match is refused up front, as is an injected key left open.
    const injected = { upstreams: { openai: { baseUrl: fake.baseUrl, apiKey: 'sk-operator' } } };
    const engine = async () => s.engine;
    expect(() => createApp({ engine, proxy: injected, auth: { bearerToken: 'has space' } })).toThrow(ConfigError);
    expect(() => createApp({ engine, proxy: injected })).toThrow(/no Gloss token is set/);
    expect(() => createApp({ engine, proxy: { ...injected, allowOpenProxy: true } })).not.toThrow();
  });

  it('`gloss serve` with an injected key and no token refuses to start (one line, exit 1) unless --allow-open-proxy', async () => {
    const BIN = resolve('bin/gloss.mjs');
    const env: NodeJS.ProcessEnv = { ...process.env, GLOSS_UPSTREAM_OPENAI_KEY: 'sk-operator' };
    delete env.GLOSS_BEARER_TOKEN;
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string; stdout: string }>((done) => {
        const p = spawn(process.execPath, [BIN, 'serve', '--bundle', bundle, '--port', '0', ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env,
        });
        let stderr = '';
        let stdout = '';
        p.stderr.on('data', (d) => (stderr += d));
        p.stdout.on('data', (d) => {
          stdout += d;
          if (stdout.includes('proxying')) p.kill('SIGTERM');
        });
        p.on('close', (code) => done({ code, stderr, stdout }));
      });
    const refused = await run([]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^gloss: an upstream key is injected \(openai\) but GLOSS_BEARER_TOKEN is not set/);
    expect(refused.stderr).not.toContain('sk-operator');
    const open = await run(['--allow-open-proxy', '--detect-threads', '0']);
    expect(open.stdout).toContain('(key injected)');
  });
});

describe('detection off the request thread', () => {
  it('a detector blocked on a long prompt holds neither /healthz nor another client’s stream', async () => {
    const g = gate(48);
    const s = await serve(
      { budgetMs: 60_000, cacheEntries: 0 },
      { detectThreads: 2, detectBackend: { backendModule: GATED, backendArg: g.arg } },
    );
    const slow = post(`${s.url}/v1/chat/completions`, chat(LONG));
    await g.reached(1); // the long prompt is inside the detector, and stays there

    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { runtime: { detect: string } }).runtime.detect).toMatch(/^worker-pool\(2\)/);
    const client = new OpenAI({ apiKey: 'sk-b', baseURL: `${s.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      stream: true,
      messages: [{ role: 'user', content: HALF }],
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    // Causality: the other client was served end to end while the long prompt had not yet left.
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].body.messages[0].content).toBe(HALF_GLOSSED);

    g.open();
    const res = await slow;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    expect(fake.requests).toHaveLength(2);
  });

  it('the budget abandons a detector that runs over it: the original bytes go out, counted in /metrics; fail-closed answers 503', async () => {
    const g = gate(48);
    const logs: string[] = [];
    const s = await serve(
      { budgetMs: 200, cacheEntries: 0 },
      {
        detectThreads: 1,
        detectBackend: { backendModule: GATED, backendArg: g.arg },
        logger: jsonLogger((l) => logs.push(l)),
      },
    );
    try {
      // The big integer goes in as text: a JS number literal would already have lost its last digit.
      const body = chat(LONG, { seed: 1234, temperature: 1 })
        .replace('"seed":1234', '"seed":9007199254740993')
        .replace('"temperature":1', '"temperature":1.0');
      const res = await post(`${s.url}/v1/chat/completions?flag`, body);
      await g.reached(1);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-gloss-status'), logs.join('\n')).toBe('skipped-timeout');
      expect(fake.requests[0].raw).toBe(body);
      expect(fake.requests[0].url).toBe('/v1/chat/completions?flag');
      // The only worker is still blocked: a short prompt now waits in the queue and is dropped
      // there at its budget, the request going on without it.
      const queued = await post(`${s.url}/v1/chat/completions`, chat(HALF));
      expect(queued.headers.get('x-gloss-status')).toBe('skipped-timeout');
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toContain('gloss_detection_abandoned_total{route="/v1/chat/completions"} 2');
    } finally {
      g.open();
    }
    const g2 = gate(48);
    const closed = await serve(
      { budgetMs: 200, failOpen: false },
      { detectThreads: 1, detectBackend: { backendModule: GATED, backendArg: g2.arg } },
    );
    try {
      fake.reset();
      const res = await post(`${closed.url}/v1/chat/completions`, chat(LONG));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('detector_timeout');
      expect(fake.count).toBe(0);
    } finally {
      g2.open();
    }
  });

  it('the scan limit: newest turns first, at most scanTokens tokens; older turns over it go out plain', async () => {
    const s = await serve({ scanTokens: 40, cacheEntries: 0 }, { detectThreads: 1 });
    const body = JSON.stringify({
      model: 'fake-model',
      messages: [
        { role: 'user', content: HALF },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: LONG },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: TWICE },
      ],
    });
    const res = await post(`${s.url}/v1/chat/completions`, body);
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    const sent = fake.requests[0].body.messages as { content: string }[];
    expect(sent[4].content).not.toBe(TWICE); // newest: scanned and glossed
    expect(sent[2].content).toBe(LONG); // over what the limit had left: not scanned
    expect(sent[0].content).toBe(HALF_GLOSSED); // older but short: fits in what was left
  });
});

describe('stable conversations', () => {
  it('turn 1 glossed, turn 2 over budget, turn 3: the earlier turns keep their bytes', async () => {
    const g = gate(48);
    // Turn 2 waits out the budget (its detector is held at the gate); turns 1 and 3 must fit in
    // it on any machine, hence seconds, not milliseconds.
    const s = await serve(
      { budgetMs: 3000 },
      { detectThreads: 2, detectBackend: { backendModule: GATED, backendArg: g.arg } },
    );
    const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${s.url}/v1`, maxRetries: 0 });
    const turns: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: HALF }];
    const say = async () => {
      const r = await client.chat.completions.create({ model: 'fake-model', messages: turns });
      turns.push({ role: 'assistant', content: r.choices[0].message.content ?? '' });
    };
    try {
      await say();
      turns.push({ role: 'user', content: LONG }); // a long pasted document: runs over the budget
      await say();
      await g.reached(1);
    } finally {
      g.open(); // from here on the detector would gloss the document
    }
    turns.push({ role: 'user', content: TWICE });
    await say();
    const sent = fake.requests.map((q) => q.body.messages as { content: string }[]);
    expect(sent).toHaveLength(3);
    expect(sent.map((m) => m[0].content)).toEqual([HALF_GLOSSED, HALF_GLOSSED, HALF_GLOSSED]);
    expect(sent[1][2].content).toBe(LONG);
    expect(sent[2][2].content).toBe(LONG); // went out plain once: plain for good
    expect(sent[2][4].content).toContain('⟦gloss:');
    // Every later request starts with the earlier request's bytes of those turns.
    const prefix = (raw: string, n: number) => JSON.stringify(JSON.parse(raw).messages.slice(0, n));
    expect(prefix(fake.requests[2].raw, 3)).toBe(prefix(fake.requests[1].raw, 3));
  });
});

/** An upstream that records everything and answers each API path with a plausible body. */
async function recorder() {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; sha: string; bytes: number; raw: string }[] =
    [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return;
    }
    const b = Buffer.concat(chunks);
    seen.push({
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      sha: createHash('sha256').update(b).digest('hex'),
      bytes: b.length,
      raw: b.length < 1 << 20 ? b.toString('utf8') : '',
    });
    const path = req.url!.split('?')[0];
    if (path === '/v1/redirect') {
      res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
      return res.end();
    }
    const json = (o: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-1' });
      res.end(JSON.stringify(o));
    };
    if (path === '/v1/models') return json({ object: 'list', data: [{ id: 'm1', object: 'model', owned_by: 'x' }] });
    if (path === '/v1/messages/count_tokens') return json({ input_tokens: 7 });
    if (path === '/v1/embeddings')
      return json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.25] }],
        model: 'e',
        usage: { prompt_tokens: 1, total_tokens: 1 },
      });
    return json({ ok: true });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { seen, base: `http://127.0.0.1:${port}/v1`, close: () => new Promise((r) => server.close(r)) };
}

describe('every route: passthrough, big bodies, CORS, bytes', () => {
  let rec: Awaited<ReturnType<typeof recorder>>;
  let s: RunningServer;
  beforeAll(async () => {
    rec = await recorder();
    s = await serve(
      {
        upstreams: { openai: rec.base, anthropic: rec.base },
        maxBodyBytes: 1024 * 1024,
        corsOrigins: ['https://app.example'],
      },
      { detectThreads: 1 },
    );
  });
  afterAll(() => rec.close());
  beforeEach(() => rec.seen.splice(0));

  it('GET /v1/models, embeddings and count_tokens reach the upstream through the SDKs, unglossed', async () => {
    const oa = new OpenAI({ apiKey: 'sk-x', baseURL: `${s.url}/v1`, maxRetries: 0 });
    expect((await oa.models.list()).data.map((m) => m.id)).toEqual(['m1']);
    const e = await oa.embeddings.create({ model: 'e', input: HALF, encoding_format: 'float' });
    expect(e.data[0].embedding).toEqual([0.5, 0.25]);
    const ant = new Anthropic({ apiKey: 'sk-ant-x', baseURL: s.url, maxRetries: 0 });
    const n = await ant.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: HALF }] });
    expect(n.input_tokens).toBe(7);
    expect(rec.seen.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'GET /v1/models',
      'POST /v1/embeddings',
      'POST /v1/messages/count_tokens',
    ]);
    expect(rec.seen[1].raw).toContain(JSON.stringify(HALF)); // passthrough never glosses
    expect(rec.seen[0].headers.authorization).toBe('Bearer sk-x');
    expect(rec.seen[2].headers['x-api-key'] ?? rec.seen[2].headers.authorization).toMatch(/sk-ant-x/);
  });

  it('passthrough keeps the query as sent, follows no redirect, and refuses encoded path tricks', async () => {
    const r = await fetch(`${s.url}/v1/models?flag&a=%20b&c=d=e`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gloss-status')).toBe('passthrough');
    expect(rec.seen[0].url).toBe('/v1/models?flag&a=%20b&c=d=e');
    const red = await fetch(`${s.url}/v1/redirect`, { redirect: 'manual' });
    expect(red.status).toBe(502);
    // Encoded separators: refused. Encoded dot segments: resolved by the URL parser, out of /v1.
    for (const p of ['/v1/a%2Fb', '/v1/a%5cb', '/v1/%2e%2e/admin'])
      expect([400, 404], p).toContain((await fetch(`${s.url}${p}`)).status);
    expect(rec.seen.map((x) => x.url)).toEqual(['/v1/models?flag&a=%20b&c=d=e', '/v1/redirect']);
  });

  it('a 9 MB vision request goes out unscanned and byte-identical (skipped-too-large), streamed', async () => {
    const image = Buffer.alloc(9 * 1024 * 1024, 7).toString('base64');
    const body = JSON.stringify({
      model: 'fake-model',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: HALF },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${image}` } },
          ],
        },
      ],
    });
    const res = await post(`${s.url}/v1/chat/completions`, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gloss-status')).toBe('skipped-too-large');
    expect(rec.seen[0].sha).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('CORS origins from GLOSS_CORS_ORIGINS and repeatable --cors-origin; none by default', async () => {
    expect(proxyConfigFromEnv({ GLOSS_CORS_ORIGINS: 'https://a.example, https://b.example:8443' }).corsOrigins).toEqual(
      ['https://a.example', 'https://b.example:8443'],
    );
    expect(() => proxyConfigFromEnv({ GLOSS_CORS_ORIGINS: 'https://a.example/path' })).toThrow(ConfigError);
    const cfg = await proxyConfigFor({ corsOrigin: ['https://c.example', 'https://d.example'] }, {});
    expect(resolveProxyConfig(cfg!).corsOrigins).toEqual(['https://c.example', 'https://d.example']);
    expect(resolveProxyConfig((await proxyConfigFor({}, {}))!).corsOrigins).toEqual([]);
  });

  it('CORS: preflights answered and headers added for configured origins only', async () => {
    const pre = (origin: string) =>
      fetch(`${s.url}/v1/chat/completions`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
    const ok = await pre('https://app.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    const evil = await pre('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const res = await post(`${s.url}/v1/chat/completions`, chat(HALF), { origin: 'https://app.example' });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-gloss-status');
    expect(rec.seen).toHaveLength(1); // preflights never reach the upstream
  });

  it('only the glossed string changes: duplicate keys, 9007199254740993, 1.0 and ?flag keep their bytes', async () => {
    const body =
      '{"model":"m","model":"fake-model","seed":9007199254740993,"temperature":1.0,' +
      `"messages":[{"role":"user","content":${JSON.stringify(HALF)}}],"n":1e0}`;
    const res = await post(`${s.url}/v1/chat/completions?flag`, body);
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    expect(rec.seen[0].url).toBe('/v1/chat/completions?flag');
    expect(rec.seen[0].raw).toBe(body.replace(JSON.stringify(HALF), JSON.stringify(HALF_GLOSSED)));
    // A compressed request body is passed on as sent, unscanned.
    const raw = await new Promise<{ status: number; gloss: string }>((done, fail) => {
      const req = httpRequest(
        `${s.url}/v1/chat/completions`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
        (r) => {
          r.resume();
          r.on('end', () => done({ status: r.statusCode!, gloss: String(r.headers['x-gloss-status']) }));
        },
      );
      req.on('error', fail);
      req.end(Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    });
    expect(raw).toEqual({ status: 200, gloss: 'skipped-encoded' });
    expect(rec.seen[1].headers['content-encoding']).toBe('gzip');
    expect(rec.seen[1].bytes).toBe(5);
  });
});

describe('the gloss() middleware shares the pass and its budget', () => {
  it('budgetMs: 1 with a detector held on purpose: the handler gets the original bytes, skipped-timeout', async () => {
    const engine = await loadEngine(bundle);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slowed = Object.create(engine) as GlossEngine;
    slowed.analyze = async (text, match) => {
      await held;
      return engine.analyze(text, match);
    };
    const app = new Hono<{ Variables: GlossVariables }>();
    app.use('/chat', gloss({ engine: async () => slowed, budgetMs: 1 }));
    app.post('/chat', async (c) => c.json({ got: await c.req.text(), report: c.get('gloss')?.status }));
    const srv = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => srv.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/chat`;
      const body = '{"messages":[{"role":"user","content":"she sold half as many clips"}],"seed":9007199254740993}';
      const res = await post(url, body);
      expect(res.headers.get('x-gloss-status')).toBe('skipped-timeout');
      expect(await res.json()).toEqual({ got: body, report: 'skipped-timeout' });
      release();
      const fast = gloss({ engine: async () => engine, budgetMs: 60_000 });
      const app2 = new Hono().use('*', fast).post('/chat', async (c) => c.text(await c.req.text()));
      const r2 = await app2.request('/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(await r2.text()).toBe(body.replace(JSON.stringify(HALF), JSON.stringify(HALF_GLOSSED)));
    } finally {
      release();
      srv.close();
      await engine.detector.release();
    }
  });
});
