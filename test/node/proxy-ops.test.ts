// Operating the proxy: per-request modes (x-gloss: off / dry-run), fail-open and fail-closed on
// detector errors and timeouts, Gloss's token on proxy routes, injected keys, which headers cross,
// compressed upstream answers, /metrics, the request log, the detection cache, and configuration
// from the environment, a JSON file and `gloss serve --upstream`.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openKnownFixture, type KnownFixture } from '../helpers/known-fixture.ts';
import { scriptedReply, type FakeLlm } from '../helpers/fake-llm.ts';
import { createApp, type AppDeps } from '../../src/core/app.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import { jsonLogger } from '../../src/core/http/logger.ts';
import {
  ConfigError,
  mergeProxyConfig,
  parseUpstreamFlag,
  proxyConfigFromEnv,
  resolveProxyConfig,
  type ProxyConfig,
} from '../../src/core/proxy/config.ts';
import { Registry } from '../../src/core/metrics/metrics.ts';
import { lastEventEnd } from '../../src/core/proxy/stream.ts';
import { neverSent } from '../../src/core/proxy/forward.ts';
import { proxyConfigFor } from '../../src/runtime/node/cli.ts';
import { startServer } from '../../src/runtime/node/server.ts';

const HALF = 'she sold half as many clips';
const HALF_GLOSSED = 'she sold half ⟦gloss: "half" means one half of the amount mentioned before⟧ as many clips';

let fx: KnownFixture;
let dir: string;
let engine: GlossEngine;
let fake: FakeLlm;

beforeAll(async () => {
  fx = await openKnownFixture('gloss-proxy-ops-', { engine: true, fake: scriptedReply });
  ({ dir, engine, fake } = fx as Required<KnownFixture>);
});
afterAll(() => fx?.close());
beforeEach(() => {
  fake.setHandler(scriptedReply);
  fake.reset();
});

function app(proxy: ProxyConfig = {}, extra: Partial<AppDeps> = {}) {
  return createApp({
    engine: async () => engine,
    proxy: { upstreams: { openai: fake.baseUrl, anthropic: fake.baseUrl }, budgetMs: 60_000, ...proxy },
    ...extra,
  });
}

const CHAT = JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: HALF }] });

function post(
  a: ReturnType<typeof createApp>,
  headers: Record<string, string> = {},
  body = CHAT,
  path = '/v1/chat/completions',
) {
  return a.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('per-request modes', () => {
  it('x-gloss: off forwards the body untouched and says disabled', async () => {
    const res = await post(app(), { 'x-gloss': 'off' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gloss-status')).toBe('disabled');
    expect(res.headers.get('x-gloss-rules')).toBe('');
    expect(fake.requests[0].raw).toBe(CHAT);
  });

  it('x-gloss: dry-run (or dryRun in the config) reports what it would do and forwards the original', async () => {
    for (const [a, h] of [
      [app(), { 'x-gloss': 'dry-run' }],
      [app({ dryRun: true }), {}],
    ] as const) {
      fake.reset();
      const res = await post(a, h);
      expect(res.headers.get('x-gloss-status')).toBe('dry-run');
      expect(res.headers.get('x-gloss-rules')).toBe('half-as-much');
      expect(res.headers.get('x-gloss-dry-run')).toBe('true');
      expect(fake.requests[0].raw).toBe(CHAT);
    }
    // And x-gloss: off wins over a configured dry run.
    expect((await post(app({ dryRun: true }), { 'x-gloss': 'off' })).headers.get('x-gloss-status')).toBe('disabled');
  });

  it('unchanged when nothing fires; the scan mode from the config', async () => {
    const body = JSON.stringify({
      model: 'm',
      messages: [
        { role: 'system', content: HALF },
        { role: 'user', content: 'how many apples' },
      ],
    });
    const res = await post(app(), {}, body);
    expect(res.headers.get('x-gloss-status')).toBe('unchanged');
    expect(fake.requests[0].raw).toBe(body);
    const sys = await post(app({ scan: 'system' }), {}, body);
    expect(sys.headers.get('x-gloss-status')).toBe('rewritten');
    expect(fake.requests[1].body.messages[0].content).toBe(HALF_GLOSSED);
  });
});

describe('failure policy', () => {
  const broken = () => {
    const e = Object.create(engine) as GlossEngine;
    e.analyze = async () => {
      throw new Error('detector exploded on "secret prompt"');
    };
    return e;
  };
  const slow = () => {
    const e = Object.create(engine) as GlossEngine;
    e.analyze = async (text, match) => {
      await new Promise((r) => setTimeout(r, 3000)); // 150x the 20 ms budget: load cannot blur it
      return engine.analyze(text, match);
    };
    return e;
  };

  it('fail-open (default): a detector error or timeout forwards the original body', async () => {
    const lines: string[] = [];
    const a = createApp({
      engine: async () => broken(),
      proxy: { upstreams: { openai: fake.baseUrl }, budgetMs: 60_000 },
      logger: jsonLogger((l) => lines.push(l)),
    });
    const r1 = await post(a);
    expect(r1.status).toBe(200);
    expect(r1.headers.get('x-gloss-status')).toBe('skipped-error');
    expect(fake.requests[0].raw).toBe(CHAT);
    expect(lines.join('\n')).not.toContain('secret prompt');
    const r2 = await post(
      createApp({ engine: async () => slow(), proxy: { upstreams: { openai: fake.baseUrl }, budgetMs: 20 } }),
    );
    expect(r2.headers.get('x-gloss-status')).toBe('skipped-timeout');
    expect(fake.requests[1].raw).toBe(CHAT);
    // An engine that cannot load is a detector error too: the proxy keeps working.
    const r3 = await post(
      createApp({
        engine: () => Promise.reject(new Error('no bundle')),
        proxy: { upstreams: { openai: fake.baseUrl }, budgetMs: 60_000 },
      }),
    );
    expect(r3.status).toBe(200);
    expect(r3.headers.get('x-gloss-status')).toBe('skipped-error');
  });

  it('fail-closed: 503 JSON, nothing forwarded', async () => {
    const r1 = await post(
      createApp({ engine: async () => broken(), proxy: { upstreams: { openai: fake.baseUrl }, failOpen: false } }),
    );
    expect(r1.status).toBe(503);
    expect(r1.headers.get('x-gloss-status')).toBe('skipped-error');
    expect(((await r1.json()) as { error: { type: string } }).error.type).toBe('detector_error');
    const r2 = await post(
      createApp({
        engine: async () => slow(),
        proxy: { upstreams: { anthropic: fake.baseUrl }, budgetMs: 20, failOpen: false },
      }),
      {},
      JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'half' }] }),
      '/v1/messages',
    );
    expect(r2.status).toBe(503);
    expect(await r2.json()).toEqual({
      type: 'error',
      error: {
        type: 'detector_timeout',
        message: 'the detector took longer than its 20 ms budget, and this proxy is configured to fail closed',
      },
    });
    expect(fake.count).toBe(0);
  });
});

describe('keys and tokens', () => {
  it("proxy routes use the caller's key; Gloss's token guards only its own endpoints", async () => {
    const a = app({}, { auth: { bearerToken: 'gloss-token' } });
    const res = await post(a, { authorization: 'Bearer sk-caller' });
    expect(res.status).toBe(200);
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-caller');
    expect((await a.request('/metrics')).status).toBe(401);
    expect((await a.request('/metrics', { headers: { authorization: 'Bearer gloss-token' } })).status).toBe(200);
    expect((await post(a, {}, '{"prompt":"half"}', '/v1/rewrite')).status).toBe(401);
  });

  it('requireToken without injected keys: x-gloss-token, and the caller keeps its own key', async () => {
    const a = app({ requireToken: true }, { auth: { bearerToken: 'gloss-token' } });
    const denied = await post(a, { authorization: 'Bearer sk-caller' });
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { type: string } }).error.type).toBe('unauthorized');
    const anth = await post(a, { 'anthropic-version': '2023-06-01' }, JSON.stringify({ messages: [] }), '/v1/messages');
    expect(await anth.json()).toMatchObject({ type: 'error', error: { type: 'unauthorized' } });
    expect(fake.count).toBe(0);
    expect((await post(a, { 'x-gloss-token': 'gloss-token', authorization: 'Bearer sk-caller' })).status).toBe(200);
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-caller');
    expect(fake.requests[0].headers['x-gloss-token']).toBeUndefined();
  });

  it('injects keys per upstream: x-api-key for Anthropic, or the configured header', async () => {
    const a = app({
      allowOpenProxy: true,
      upstreams: {
        openai: fake.baseUrl,
        anthropic: { baseUrl: fake.baseUrl, apiKey: 'sk-ant-secret' },
        azure: { baseUrl: fake.baseUrl, apiKey: 'az', apiKeyHeader: 'api-key', headers: { 'x-extra': 'yes' } },
      },
    });
    await post(
      a,
      { 'x-api-key': 'caller', authorization: 'Bearer caller' },
      JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }),
      '/v1/messages',
    );
    expect(fake.requests[0].headers['x-api-key']).toBe('sk-ant-secret');
    expect(fake.requests[0].headers.authorization).toBeUndefined();
    await post(a, { 'x-gloss-upstream': 'azure' });
    expect(fake.requests[1].headers['api-key']).toBe('az');
    expect(fake.requests[1].headers['x-extra']).toBe('yes');
  });
});

describe('headers across the proxy', () => {
  it('drops hop-by-hop and x-gloss-* request headers, recomputes content-length, passes the rest', async () => {
    const server = await startServer({
      bundle: join(dir, 'b'),
      port: 0,
      proxy: { upstreams: { openai: fake.baseUrl }, budgetMs: 60_000 },
    });
    try {
      const status = await new Promise<number>((done, fail) => {
        const req = httpRequest(`${server.url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            connection: 'keep-alive, x-hop-named',
            'x-hop-named': 'must go',
            'keep-alive': 'timeout=5',
            te: 'trailers',
            'proxy-authorization': 'Basic eDp5',
            trailer: 'x-t',
            'x-gloss': 'on',
            'x-gloss-upstream': 'openai',
            'x-custom': 'kept',
            'openai-organization': 'org-1',
            'idempotency-key': 'abc',
          },
        });
        req.on('response', (r) => {
          r.resume();
          r.on('end', () => done(r.statusCode!));
        });
        req.on('error', fail);
        req.end(CHAT);
      });
      expect(status).toBe(200);
      const h = fake.requests[0].headers;
      for (const gone of [
        'x-hop-named',
        'keep-alive',
        'te',
        'proxy-authorization',
        'trailer',
        'x-gloss',
        'x-gloss-upstream',
      ])
        expect(h[gone], gone).toBeUndefined();
      expect(h['x-custom']).toBe('kept');
      expect(h['openai-organization']).toBe('org-1');
      expect(h['idempotency-key']).toBe('abc');
      expect(h.host).toBe(`127.0.0.1:${fake.port}`);
      expect(Number(h['content-length'])).toBe(Buffer.byteLength(fake.requests[0].raw));
      expect(fake.requests[0].raw).toContain('⟦gloss');
    } finally {
      await server.close();
    }
  });

  it('a compressed upstream answer reaches the client decoded, without a stale content-encoding', async () => {
    const json = JSON.stringify({
      id: 'x',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'zipped' }, finish_reason: 'stop' }],
    });
    const gz: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const body = gzipSync(json);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': body.length,
          connection: 'close, x-private',
          'x-private': 'hop',
        });
        res.end(body);
      });
    });
    await new Promise<void>((r) => gz.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(gz.address() as AddressInfo).port}/v1`;
    const server = await startServer({
      bundle: join(dir, 'b'),
      port: 0,
      proxy: { upstreams: { openai: base }, budgetMs: 60_000 },
    });
    try {
      // In-process with the global fetch, and over HTTP with the Node server's own upstream client.
      const viaApp = await post(app({ upstreams: { openai: base } }));
      const viaServer = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: CHAT,
      });
      for (const res of [viaApp, viaServer]) {
        expect(res.headers.get('content-encoding')).toBeNull();
        expect(res.headers.get('x-private')).toBeNull();
        expect(res.headers.get('connection') ?? '').not.toMatch(/x-private/);
        expect(await res.text()).toBe(json);
      }
    } finally {
      await server.close();
      gz.closeAllConnections();
      await new Promise((r) => gz.close(r));
    }
  });
});

describe('metrics, logs, cache', () => {
  it('/metrics: Prometheus text with requests, gloss statuses, rules, latency histograms, cache', async () => {
    const a = app();
    await post(a);
    await post(a);
    await post(a, { 'x-gloss': 'off' });
    await post(a, {}, CHAT.replace('fake-model', 'fake-error-500'));
    await post(a, {}, '{bad');
    const res = await a.request('/metrics');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    // Every line is a comment or `name{labels} value`.
    for (const l of text.trim().split('\n'))
      expect(l).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{(\w+="(?:[^"\\]|\\.)*",?)*\})? [0-9.e+-]+|\w+(\{.*\})? \+Inf)$/);
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(series + ' '))
          ?.split(' ')[1],
      );
    expect(value('gloss_http_requests_total{route="/v1/chat/completions",status="200"}')).toBe(3);
    expect(value('gloss_http_requests_total{route="/v1/chat/completions",status="500"}')).toBe(1);
    expect(value('gloss_http_requests_total{route="/v1/chat/completions",status="400"}')).toBe(1);
    expect(
      value('gloss_proxy_requests_total{route="/v1/chat/completions",upstream="openai",gloss_status="rewritten"}'),
    ).toBe(3);
    expect(
      value('gloss_proxy_requests_total{route="/v1/chat/completions",upstream="openai",gloss_status="disabled"}'),
    ).toBe(1);
    expect(value('gloss_rules_fired_total{rule="half-as-much"}')).toBe(3);
    expect(value('gloss_detection_seconds_count{route="/v1/chat/completions"}')).toBe(3);
    expect(value('gloss_detection_seconds_bucket{route="/v1/chat/completions",le="+Inf"}')).toBe(3);
    expect(value('gloss_upstream_seconds_count{upstream="openai"}')).toBe(4);
    // The same text three times: detected once, then served from the cache.
    expect(value('gloss_detection_cache_total{result="miss"}')).toBe(1);
    expect(value('gloss_detection_cache_total{result="hit"}')).toBe(2);
  });

  it('the registry escapes label values and keeps histogram buckets cumulative', () => {
    const r = new Registry();
    r.counter('t_total', 'help with \\ and\nnewline', ['l']).inc({ l: 'a"b\\c\nd' }, 2);
    const h = r.histogram('h_seconds', 'h', [], [0.1, 1]);
    h.observe({}, 0.05);
    h.observe({}, 0.5);
    h.observe({}, 5);
    expect(r.render()).toBe(
      [
        '# HELP t_total help with \\\\ and\\nnewline',
        '# TYPE t_total counter',
        't_total{l="a\\"b\\\\c\\nd"} 2',
        '# HELP h_seconds h',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{le="0.1"} 1',
        'h_seconds_bucket{le="1"} 2',
        'h_seconds_bucket{le="+Inf"} 3',
        'h_seconds_sum 5.55',
        'h_seconds_count 3',
        '',
      ].join('\n'),
    );
  });

  it('one JSON log line per request, without prompt text or keys unless prompts are opted in', async () => {
    const lines: string[] = [];
    const a = app({}, { logger: jsonLogger((l) => lines.push(l)) });
    await post(a, { authorization: 'Bearer sk-very-secret' });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({
      event: 'request',
      method: 'POST',
      path: '/v1/chat/completions',
      route: '/v1/chat/completions',
      format: 'openai-chat',
      upstream: 'openai',
      status: 200,
      upstream_status: 200,
      gloss: 'rewritten',
      rules: ['half-as-much'],
    });
    expect(typeof line.ms).toBe('number');
    expect(typeof line.upstream_ms).toBe('number');
    expect(lines[0]).not.toMatch(/half as many|sk-very-secret/);

    const opted: string[] = [];
    await post(app({ logPrompts: true }, { logger: jsonLogger((l) => opted.push(l)) }), {
      authorization: 'Bearer sk-very-secret',
    });
    expect(JSON.parse(opted[0]).prompts).toEqual([HALF]);
    expect(opted[0]).not.toContain('sk-very-secret');
  });

  it('the cache holds detections by text: earlier turns of a conversation are not detected again', async () => {
    let calls = 0;
    const counting = Object.create(engine) as GlossEngine;
    counting.analyze = (t, m) => {
      calls++;
      return engine.analyze(t, m);
    };
    const a = createApp({
      engine: async () => counting,
      proxy: { upstreams: { openai: fake.baseUrl }, budgetMs: 60_000 },
    });
    const turn1 = { model: 'm', messages: [{ role: 'user', content: HALF }] };
    const turn2 = {
      model: 'm',
      messages: [
        ...turn1.messages,
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'tom has twice as many apples' },
      ],
    };
    await post(a, {}, JSON.stringify(turn1));
    await post(a, {}, JSON.stringify(turn2));
    expect(calls).toBe(2);
    // Both turns were glossed identically on the second request.
    expect(fake.requests[1].body.messages[0].content).toBe(HALF_GLOSSED);
    const off = createApp({
      engine: async () => counting,
      proxy: { upstreams: { openai: fake.baseUrl }, cacheEntries: 0, budgetMs: 60_000 },
    });
    calls = 0;
    await post(off, {}, JSON.stringify(turn2));
    await post(off, {}, JSON.stringify(turn2));
    expect(calls).toBe(4);
  });
});

describe('configuration', () => {
  it('from the environment: upstreams, keys, policies, and the JSON config', () => {
    const cfg = proxyConfigFromEnv({
      GLOSS_UPSTREAMS: 'local=http://127.0.0.1:11434/v1, groq=https://api.groq.com/openai/v1',
      GLOSS_UPSTREAM_OPENAI_URL: 'https://proxy.example/v1',
      GLOSS_UPSTREAM_OPENAI_KEY: 'sk-env',
      GLOSS_UPSTREAM_MY_LLM_URL: 'https://my.example/v1',
      GLOSS_UPSTREAM_MY_LLM_KEY_HEADER: 'x-api-key',
      GLOSS_ROUTE_OPENAI: 'local',
      GLOSS_SCAN: 'last-user',
      GLOSS_FAIL_MODE: 'closed',
      GLOSS_BUDGET_MS: '80',
      GLOSS_DRY_RUN: 'true',
      GLOSS_PROXY_CONFIG: JSON.stringify({ upstreams: { anthropic: 'https://a.example/v1' }, retries: 0 }),
      UNRELATED: 'x',
    });
    const r = resolveProxyConfig(cfg);
    expect([...r.upstreams.keys()].sort()).toEqual(['anthropic', 'groq', 'local', 'my_llm', 'openai']);
    expect(r.upstreams.get('openai')).toMatchObject({ apiKey: 'sk-env' });
    expect(r.upstreams.get('openai')!.base.href).toBe('https://proxy.example/v1');
    expect(r.upstreams.get('my_llm')!.apiKeyHeader).toBe('x-api-key');
    expect(r).toMatchObject({
      routes: { openai: 'local', anthropic: 'anthropic' },
      scan: 'last-user',
      failOpen: false,
      budgetMs: 80,
      dryRun: true,
      retries: 0,
    });
    expect(() => proxyConfigFromEnv({ GLOSS_SCAN: 'everything' })).toThrow(ConfigError);
    expect(() => proxyConfigFromEnv({ GLOSS_BUDGET_MS: 'fast' })).toThrow(
      /GLOSS_BUDGET_MS="fast": expected a whole number/,
    );
    expect(() => proxyConfigFromEnv({ GLOSS_PROXY_CONFIG: '{"upstream": {}}' })).toThrow(/GLOSS_PROXY_CONFIG/);
    expect(() => resolveProxyConfig(proxyConfigFromEnv({ GLOSS_UPSTREAM_X_KEY: 'k' }))).toThrow(
      /upstream x: no base URL/,
    );
  });

  it('layers: defaults < config file < environment < --upstream flags', async () => {
    const file = join(dir, 'gloss.json');
    await writeFile(
      file,
      JSON.stringify({
        upstreams: { openai: 'https://file.example/v1', local: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k' } },
        scan: 'all',
      }),
    );
    const cfg = await proxyConfigFor(
      { config: file, upstream: ['local=http://127.0.0.1:2/v1'] },
      { GLOSS_UPSTREAM_OPENAI_URL: 'https://env.example/v1', GLOSS_SCAN: 'system', GLOSS_BEARER_TOKEN: 't' },
    );
    const r = resolveProxyConfig(cfg!);
    expect(r.upstreams.get('openai')!.base.href).toBe('https://env.example/v1');
    expect(r.upstreams.get('anthropic')!.base.href).toBe('https://api.anthropic.com/v1');
    expect(r.upstreams.get('local')).toMatchObject({ apiKey: 'k' });
    expect(r.upstreams.get('local')!.base.href).toBe('http://127.0.0.1:2/v1');
    expect(r.scan).toBe('system');
    expect(await proxyConfigFor({ proxy: false }, {})).toBeUndefined();
    await expect(proxyConfigFor({ upstream: ['x=ftp://a'] }, {})).rejects.toThrow(/must use http or https/);
    expect(() => parseUpstreamFlag('nourl')).toThrow(/expected NAME=BASE_URL/);
    expect(
      mergeProxyConfig({ upstreams: { a: 'http://a/v1' } }, { upstreams: { a: { baseUrl: '', apiKey: 'k' } } })
        .upstreams,
    ).toEqual({ a: { baseUrl: 'http://a/v1', apiKey: 'k' } });
  });

  it('`gloss serve --upstream` proxies; a bad --upstream is one line on stderr and exit 1', async () => {
    const BIN = resolve('bin/gloss.mjs');
    const bad = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const p = spawn(
        process.execPath,
        [BIN, 'serve', '--bundle', join(dir, 'b'), '--port', '0', '--upstream', 'openai=http://u:p@evil/v1'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => done({ code, stderr }));
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trimEnd().split('\n')).toEqual([
      'gloss: upstream openai: base URL "http://u:p@evil/v1" must not hold a user name or password (use apiKey)',
    ]);

    const p = spawn(
      process.execPath,
      // A generous budget: this checks proxying, not the detection deadline (which load could miss).
      [
        BIN,
        'serve',
        '--bundle',
        join(dir, 'b'),
        '--port',
        '0',
        '--budget-ms',
        '30000',
        '--upstream',
        `openai=${fake.baseUrl}`,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, GLOSS_UPSTREAM_OPENAI_KEY: 'sk-from-env', GLOSS_BEARER_TOKEN: 'gloss-token' },
      },
    );
    try {
      let stdout = '';
      const url = await new Promise<string>((done, fail) => {
        const t = setTimeout(() => fail(new Error(`no listening line: ${stdout}`)), 60_000);
        p.stdout.on('data', (d) => {
          stdout += d;
          const m = /on (http:\/\/127\.0\.0\.1:\d+)\n[^]*proxying/.exec(stdout);
          if (m) {
            clearTimeout(t);
            done(m[1]);
          }
        });
      });
      expect(stdout).toContain(`openai=http://127.0.0.1:${fake.port}/v1 (key injected)`);
      expect(stdout).not.toContain('sk-from-env');
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer gloss-token' },
        body: CHAT,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-gloss-status')).toBe('rewritten');
      expect(fake.requests[0].headers.authorization).toBe('Bearer sk-from-env');
      // The request log line went to stdout, without the key.
      await expect.poll(() => stdout.includes('"path":"/v1/chat/completions"')).toBe(true);
      expect(stdout).not.toContain('sk-from-env');
    } finally {
      p.kill('SIGTERM');
      await new Promise((r) => p.on('close', r));
    }
  });
});

describe('small parts', () => {
  it('finds SSE event boundaries (LF, CRLF, CR)', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(lastEventEnd(enc('data: a\n\ndata: b'))).toBe(9);
    expect(lastEventEnd(enc('data: a\r\n\r\n'))).toBe(11);
    expect(lastEventEnd(enc('data: a\r\rdata'))).toBe(9);
    expect(lastEventEnd(enc('data: a\ndata: b\n'))).toBe(-1);
  });

  it('retries only errors that prove nothing was sent', () => {
    const err = (code: string) =>
      Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
    expect(neverSent(err('ECONNREFUSED'))).toBe(true);
    expect(neverSent(err('ENOTFOUND'))).toBe(true);
    expect(neverSent(err('UND_ERR_CONNECT_TIMEOUT'))).toBe(true);
    expect(neverSent(err('ECONNRESET'))).toBe(false);
    expect(neverSent(err('UND_ERR_SOCKET'))).toBe(false);
    expect(neverSent(new TypeError('Network connection lost.'))).toBe(false);
    const agg = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new AggregateError([err('ECONNREFUSED').cause, err('ECONNREFUSED').cause]), {}),
    });
    expect(neverSent(agg)).toBe(true);
  });
});
