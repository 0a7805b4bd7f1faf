// The allow-list: whatever a caller sends, Gloss only ever fetches a configured base URL plus the
// route's fixed path. A "victim" server on loopback records every request that reaches it and must
// stay at zero through header routing tricks, Host and X-Forwarded-Host spoofing, absolute-form
// request targets, encoded path segments, userinfo, backslashes, and redirects from the upstream.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { connect } from 'node:net';
import OpenAI from 'openai';
import { openKnownFixture, type KnownFixture } from '../helpers/known-fixture.ts';
import { scriptedReply, startFakeLlm, type FakeLlm } from '../helpers/fake-llm.ts';
import { startServer, type RunningServer } from '../../src/runtime/node/server.ts';
import { ConfigError, parseBaseUrl, resolveProxyConfig } from '../../src/core/proxy/config.ts';

let fx: KnownFixture;
let fake: FakeLlm;
let victim: FakeLlm;
let server: RunningServer;

beforeAll(async () => {
  fx = await openKnownFixture('gloss-proxy-ssrf-', { fake: scriptedReply });
  fake = fx.fake!;
  victim = await startFakeLlm(() => 'you reached the victim');
  server = await startServer({
    bundle: fx.bundle,
    port: 0,
    proxy: {
      upstreams: { openai: fake.baseUrl, anthropic: fake.baseUrl, local: `${fake.origin}/v1` },
      budgetMs: 60_000,
    },
  });
});
afterAll(async () => {
  await server?.close();
  await victim?.close();
  await fx?.close();
});
beforeEach(() => {
  fake.reset();
  victim.reset();
});

const CHAT = JSON.stringify({
  model: 'fake-model',
  messages: [{ role: 'user', content: 'she sold half as many clips' }],
});

/** Sends bytes as they are (no client-side URL normalization) and returns the status line's code. */
function raw(request: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => s.write(request));
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d) => {
      buf += d;
      // One response is enough: the status line and a complete body (content-length or chunked end).
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = /content-length: (\d+)/i.exec(buf.slice(0, head));
      if ((len && buf.length >= head + 4 + Number(len[1])) || buf.endsWith('0\r\n\r\n')) s.end();
    });
    s.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] ?? 0), text: buf }));
    s.on('error', reject);
    s.setTimeout(10_000, () => {
      s.destroy();
      reject(new Error(`no answer to ${request.split('\r\n', 1)[0]}`));
    });
  });
}

function post(target: string, extra: Record<string, string> = {}, body = CHAT): string {
  const headers = {
    host: `127.0.0.1:${server.port}`,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...extra,
  };
  return `POST ${target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${body}`;
}

function expectOnlyConfiguredTargets() {
  expect(victim.hits, 'requests that reached the victim').toBe(0);
  for (const r of fake.requests) expect(['/v1/chat/completions', '/v1/responses', '/v1/messages']).toContain(r.path);
}

describe('the allow-list', () => {
  it('x-gloss-upstream accepts configured names only', async () => {
    const v = `127.0.0.1:${victim.port}`;
    const tries = [
      `http://${v}/v1`,
      `https://${v}/v1`,
      v,
      `//${v}`,
      'victim',
      `openai@${v}`,
      `openai:${victim.port}`,
      'openai/../victim',
      '%6fpenai',
      'openai%00',
      '__proto__',
      'constructor',
      'toString',
      'file:///etc/passwd',
      '',
    ];
    for (const name of tries) {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gloss-upstream': name },
        body: CHAT,
      });
      expect(res.status, name).toBe(400);
      const body = (await res.json()) as { error: { type: string; message: string } };
      expect(body.error.message, name).toMatch(/x-gloss-upstream names no configured upstream/);
    }
    expect(fake.count).toBe(0);
    expectOnlyConfiguredTargets();
    // A configured name works, case-insensitively.
    const ok = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gloss-upstream': ' LOCAL ' },
      body: CHAT,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-gloss-upstream')).toBe('local');
  });

  it('Host, X-Forwarded-Host and Forwarded headers do not choose the target', async () => {
    const v = `127.0.0.1:${victim.port}`;
    const spoofs: Record<string, string>[] = [
      { host: v },
      { 'x-forwarded-host': v, 'x-forwarded-proto': 'http' },
      { forwarded: `host=${v};proto=http` },
      { 'x-original-url': `http://${v}/v1/chat/completions` },
    ];
    for (const h of spoofs) {
      const r = await raw(post('/v1/chat/completions', h));
      expect(r.status, JSON.stringify(h)).toBe(200);
    }
    expect(fake.count).toBe(4);
    expectOnlyConfiguredTargets();
  });

  it('absolute-form request targets and path tricks never reach another host', async () => {
    const v = `127.0.0.1:${victim.port}`;
    const targets = [
      `http://${v}/v1/chat/completions`,
      `http://${v}/v1/messages`,
      `//${v}/v1/chat/completions`,
      `/v1/chat/completions@${v}`,
      `/v1/chat/completions/..%2F..%2F${v}%2Fv1%2Fchat%2Fcompletions`,
      `/v1/chat/completions/%2e%2e/%2e%2e/${v}/v1/chat/completions`,
      `/v1/%2e%2e/v1/chat/completions`,
      `/v1/chat%2Fcompletions`,
      `/v1/chat/completions%23@${v}`,
      `/v1/chat/completions%3f@${v}`,
      `/\\\\${v}/v1/chat/completions`,
      `/v1/chat/completions?u=http://${v}/&x=@${v}`,
      `/v1/chat/completions#@${v}`,
      `http://user:pw@${v}/v1/chat/completions`,
    ];
    for (const t of targets) {
      const r = await raw(post(t));
      // Either Gloss has no such route (404), or it is the route and goes to the configured upstream.
      expect([200, 400, 404], t).toContain(r.status);
    }
    expectOnlyConfiguredTargets();
    // The query string is passed on as sent, as a query: it never changes the path or host.
    const withQuery = fake.requests.find((r) => r.url.includes('?'));
    expect(withQuery?.url).toBe(`/v1/chat/completions?u=http://127.0.0.1:${victim.port}/&x=@127.0.0.1:${victim.port}`);
  });

  it('redirects from the upstream are not followed, and not passed on', async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      fake.setHandler(() => ({
        status,
        headers: { location: `http://127.0.0.1:${victim.port}/v1/chat/completions` },
        rawBody: '',
      }));
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: CHAT,
        redirect: 'manual',
      });
      expect(res.status, String(status)).toBe(502);
      expect(res.headers.get('location')).toBeNull();
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        new RegExp(`redirect \\(${status}\\), which Gloss does not follow`),
      );
    }
    // A client that follows redirects itself (the SDK) gets the 502 as an error, nothing to follow.
    fake.setHandler(() => ({
      status: 307,
      headers: { location: `http://127.0.0.1:${victim.port}/v1/chat/completions` },
      rawBody: '',
    }));
    const sdk = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(
      sdk.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    fake.setHandler(scriptedReply);
    expect(fake.count).toBe(6);
    expectOnlyConfiguredTargets();
  });
});

describe('base URLs in the configuration', () => {
  it("refuses userinfo, fragments, other schemes, encoded or dot segments (a query such as Azure's api-version is kept)", () => {
    const bad = [
      'http://user:pw@api.example.com/v1',
      'http://user@api.example.com/v1',
      'http://@api.example.com/v1',
      'http://api.example.com/v1#x',
      'ftp://api.example.com/v1',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://api.example.com/v1/%2e%2e/admin',
      'http://api.example.com/v1%2fadmin',
      'http://api.example.com/v1/../admin',
      'http://api.example.com\\@victim/v1',
      'http://api.example.com /v1',
      'not a url',
      'http://[::1',
    ];
    for (const b of bad) expect(() => parseBaseUrl(b, 'x'), b).toThrow(ConfigError);
    expect(parseBaseUrl('https://api.openai.com/v1/', 'openai').href).toBe('https://api.openai.com/v1');
    expect(parseBaseUrl('http://127.0.0.1:11434/v1', 'ollama').href).toBe('http://127.0.0.1:11434/v1');
  });

  it('refuses bad names and routes to unknown upstreams', () => {
    expect(() => resolveProxyConfig({ upstreams: { 'Bad Name': 'http://a/v1' } })).toThrow(/upstream name "Bad Name"/);
    expect(() => resolveProxyConfig({ upstreams: { __proto__x: 'http://a/v1' } })).toThrow(/upstream name/);
    expect(() => resolveProxyConfig({ upstreams: { a: 'http://a/v1' }, routes: { openai: 'b' } })).toThrow(
      /routes.openai: no upstream named "b"/,
    );
    expect(() =>
      resolveProxyConfig({ upstreams: { a: { baseUrl: 'http://a/v1', headers: { host: 'victim' } } } }),
    ).toThrow(/header host cannot be set/);
  });
});
