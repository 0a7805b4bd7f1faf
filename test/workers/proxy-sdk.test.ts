// The proxy in workerd: the Gloss Worker (its real entry, the known-answer bundle, config from
// vars) in front of the fake LLM worker, called with the official `openai` and `@anthropic-ai/sdk`
// clients whose fetch goes to the Worker's service binding. Same answers, streams, tool calls and
// errors as the fake gives directly; the fake receives the glossed prompt with every other byte
// unchanged; only configured upstream URLs are ever fetched; faults end cleanly.
import { env } from 'cloudflare:workers';
import { describe, it, expect, beforeEach } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { FAKE_HOST, OTHER_HOST } from './proxy-vars.ts';
import { HALF, HALF_GLOSSED, collect, directThenGloss, halfWithImageTurns } from '../helpers/sdk-compare.ts';

const bindings = env as unknown as { APP: Fetcher; FAKE_LLM: Fetcher };
const GLOSS = 'http://gloss.test';
const DIRECT = `http://${FAKE_HOST}`;

interface Recorded {
  url: string;
  method: string;
  headers: Record<string, string>;
  raw: string;
}

const recorded = async () =>
  (await (await bindings.FAKE_LLM.fetch('http://fake.control/__requests')).json()) as Recorded[];

/** fetch for an SDK: to the Gloss Worker, or straight to the fake. */
function fetchVia(target: Fetcher): typeof fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) =>
    target.fetch(new Request(input as RequestInfo, init))) as typeof fetch;
}
const openai = (direct: boolean) =>
  new OpenAI({
    apiKey: 'sk-test',
    baseURL: `${direct ? DIRECT : GLOSS}/v1`,
    maxRetries: 0,
    fetch: fetchVia(direct ? bindings.FAKE_LLM : bindings.APP),
  });
const anthropic = (direct: boolean) =>
  new Anthropic({
    apiKey: 'sk-ant-test',
    baseURL: direct ? DIRECT : GLOSS,
    maxRetries: 0,
    fetch: fetchVia(direct ? bindings.FAKE_LLM : bindings.APP),
  });

/** Runs `call` directly against the fake, then through Gloss; returns both and what the fake got. */
const both = <T>(call: (direct: boolean) => Promise<T>) => directThenGloss(call, recorded);
const swap = (raw: string) => raw.replace(JSON.stringify(HALF), () => JSON.stringify(HALF_GLOSSED));

beforeEach(async () => {
  await bindings.FAKE_LLM.fetch('http://fake.control/__reset', { method: 'POST' });
});

describe('the Gloss Worker as an LLM proxy (workerd)', () => {
  const chat = (model = 'fake-model') => ({
    model,
    messages: halfWithImageTurns('Be brief about half.', 'data:image/png;base64,AAAA'),
    tools: [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } },
    ],
    temperature: 0.5,
  });

  it('OpenAI chat: same completion, glossed prompt, every other byte unchanged', async () => {
    const r = await both((d) => openai(d).chat.completions.create(chat()).withResponse());
    expect(r.gloss.error).toBeUndefined();
    expect(r.gloss.value!.response.headers.get('x-gloss-status')).toBe('rewritten');
    expect(r.gloss.value!.response.headers.get('x-gloss-rules')).toBe('half-as-much');
    expect(Number(r.gloss.value!.response.headers.get('x-gloss-ms'))).toBeGreaterThan(0);
    // The fake echoes the prompt, so the answers differ exactly by the gloss.
    expect(r.gloss.value!.data.choices[0].message.content).toBe(`echo: ${HALF_GLOSSED}`);
    expect({ ...r.gloss.value!.data, choices: [], usage: null }).toEqual({
      ...r.direct.value!.data,
      choices: [],
      usage: null,
    });
    expect(r.got.url).toBe(`http://${FAKE_HOST}/v1/chat/completions`);
    expect(r.got.raw).toBe(swap(r.sent.raw));
    expect(r.got.headers.authorization).toBe('Bearer sk-test');
  });

  it('OpenAI chat streaming and tool calls: the same chunks', async () => {
    const s = await both((d) =>
      openai(d)
        .chat.completions.create({ ...chat('fake-tools'), stream: true })
        .then(collect),
    );
    expect(s.gloss.value).toEqual(s.direct.value);
    expect(s.got.raw).toBe(swap(s.sent.raw));
    await bindings.FAKE_LLM.fetch('http://fake.control/__reset', { method: 'POST' });
    const t = await both((d) => openai(d).chat.completions.create(chat('fake-tools')));
    expect(t.gloss.value).toEqual(t.direct.value);
    expect(t.gloss.value!.choices[0].message.tool_calls![0]).toMatchObject({
      id: 'call_1',
      function: { name: 'get_weather' },
    });
  });

  it('OpenAI errors: the same SDK error class, status and message', async () => {
    for (const status of [400, 429, 500]) {
      await bindings.FAKE_LLM.fetch('http://fake.control/__reset', { method: 'POST' });
      const r = await both((d) => openai(d).chat.completions.create(chat(`fake-error-${status}`)));
      expect(r.gloss.error.constructor).toBe(r.direct.error.constructor);
      expect(r.gloss.error.status).toBe(status);
      expect(r.gloss.error.message).toBe(r.direct.error.message);
    }
  });

  it('OpenAI Responses: input_text glossed, streamed events identical', async () => {
    const body = {
      model: 'fake-tools',
      instructions: 'half',
      input: [{ role: 'user' as const, content: [{ type: 'input_text' as const, text: HALF }] }],
    };
    const r = await both((d) => openai(d).responses.create(body));
    expect(r.gloss.value).toEqual(r.direct.value);
    expect(r.got.raw).toBe(swap(r.sent.raw));
    await bindings.FAKE_LLM.fetch('http://fake.control/__reset', { method: 'POST' });
    const s = await both((d) =>
      openai(d)
        .responses.create({ ...body, stream: true })
        .then(collect),
    );
    expect(s.gloss.value).toEqual(s.direct.value);
  });

  it('Anthropic messages: glossed text block, same message, same stream, same errors', async () => {
    const body = (model = 'fake-tools') => ({
      model,
      max_tokens: 64,
      system: 'half',
      messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: HALF }] }],
    });
    const r = await both((d) => anthropic(d).messages.create(body()));
    expect(r.gloss.value).toEqual(r.direct.value);
    expect(r.got.raw).toBe(swap(r.sent.raw));
    expect(r.got.url).toBe(`http://${FAKE_HOST}/v1/messages`);
    await bindings.FAKE_LLM.fetch('http://fake.control/__reset', { method: 'POST' });
    const s = await both((d) => anthropic(d).messages.stream(body()).finalMessage());
    expect(s.gloss.value).toEqual(s.direct.value);
    await bindings.FAKE_LLM.fetch('http://fake.control/__reset', { method: 'POST' });
    const e = await both((d) => anthropic(d).messages.create(body('fake-error-529')));
    expect(e.gloss.error.constructor).toBe(e.direct.error.constructor);
    expect(e.gloss.error.status).toBe(529);
    expect(e.gloss.error.message).toBe(e.direct.error.message);
  });

  it('the allow-list: only configured base URLs are fetched; redirects are not followed', async () => {
    const post = (headers: Record<string, string>, model = 'fake-model', path = '/v1/chat/completions') =>
      bindings.APP.fetch(`${GLOSS}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
    for (const name of ['http://victim.test/v1', 'victim.test', 'openai@victim.test', '__proto__', '%6fpenai']) {
      const res = await post({ 'x-gloss-upstream': name });
      expect(res.status, name).toBe(400);
    }
    expect((await post({ host: 'victim.test', 'x-forwarded-host': 'victim.test' })).status).toBe(200);
    const redirected = await post({}, `fake-redirect-${encodeURIComponent('http://victim.test/steal')}`);
    expect(redirected.status).toBe(502);
    expect(redirected.headers.get('location')).toBeNull();
    const other = await post({ 'x-gloss-upstream': 'other', authorization: 'Bearer caller-key' });
    expect(other.status).toBe(200);
    const urls = (await recorded()).map((r) => r.url);
    expect(urls).toEqual([
      `http://${FAKE_HOST}/v1/chat/completions`,
      `http://${FAKE_HOST}/v1/chat/completions`,
      `http://${OTHER_HOST}/v1/chat/completions`,
    ]);
    // The injected key replaced the caller's on the way to `other`.
    expect((await recorded())[2].headers.authorization).toBe('Bearer sk-injected-secret');
  });

  it('faults: timeout 504, a stream cut mid-way ends with an error event; then a normal request works', async () => {
    const post = (model: string, stream = false) =>
      bindings.APP.fetch(`${GLOSS}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: HALF }] }),
      });
    const slow = await post('fake-slow-4000');
    expect(slow.status).toBe(504);
    expect(await slow.json()).toEqual({
      error: { type: 'upstream_timeout', message: 'the upstream openai did not answer within 1500 ms' },
    });
    const cut = await post('fake-cut-3', true);
    expect(cut.status).toBe(200);
    const events = (await cut.text()).split('\n\n').filter(Boolean);
    expect(events).toHaveLength(4);
    expect(events[3]).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"upstream_error"/);
    const bad = await bindings.APP.fetch(`${GLOSS}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_json' } });
    const ok = await post('fake-model');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-gloss-status')).toBe('rewritten');
    // The malformed body never reached the upstream.
    expect((await recorded()).map((r) => JSON.parse(r.raw).model)).toEqual([
      'fake-slow-4000',
      'fake-cut-3',
      'fake-model',
    ]);
  });

  it('metrics: the repeated prompt came from the detection cache', async () => {
    const text = await (await bindings.APP.fetch(`${GLOSS}/metrics`)).text();
    expect(text).toMatch(/^gloss_detection_cache_total\{result="hit"\} [1-9]\d*$/m);
    expect(text).toMatch(
      /^gloss_proxy_requests_total\{route="\/v1\/chat\/completions",upstream="openai",gloss_status="rewritten"\} [1-9]\d*$/m,
    );
    expect(text).toMatch(/^gloss_upstream_errors_total\{upstream="openai",kind="timeout"\} 1$/m);
  });
});
