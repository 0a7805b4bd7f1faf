// The official `openai` and `@anthropic-ai/sdk` clients, with only their base URL pointed at Gloss
// (the real Node server on loopback) in front of the fake upstream, against the same clients
// talking to the fake directly: every answer, stream, tool call and error comes back exactly as
// the upstream sent it, and the upstream receives the glossed prompt with every other byte of the
// request unchanged.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { openKnownFixture, type KnownFixture } from '../helpers/known-fixture.ts';
import { scriptedReply, type FakeLlm } from '../helpers/fake-llm.ts';
import { HALF, HALF_GLOSSED, collect, directThenGloss, halfWithImageTurns } from '../helpers/sdk-compare.ts';
import { startServer, type RunningServer } from '../../src/runtime/node/server.ts';

const TWICE = 'tom has twice as many apples';

let fx: KnownFixture;
let fake: FakeLlm;
let server: RunningServer;

beforeAll(async () => {
  // Answers depend on the model only (never on the prompt), so the direct and the proxied call
  // get byte-identical answers and can be compared whole.
  fx = await openKnownFixture('gloss-proxy-sdk-', {
    fake: (r) => {
      const s = scriptedReply(r);
      return s.content?.startsWith('echo:') ? { ...s, content: 'She sold 24 clips in May.' } : s;
    },
  });
  fake = fx.fake!;
  server = await startServer({
    bundle: fx.bundle,
    port: 0,
    proxy: { upstreams: { openai: fake.baseUrl, anthropic: fake.baseUrl }, retries: 0, budgetMs: 60_000 },
  });
});
afterAll(async () => {
  await server?.close();
  await fx?.close();
});
beforeEach(() => fake.reset());

const openai = (baseURL: string) => new OpenAI({ apiKey: 'sk-test-key', baseURL, maxRetries: 0 });
const anthropic = (baseURL: string) => new Anthropic({ apiKey: 'sk-ant-test-key', baseURL, maxRetries: 0 });

/** Runs `call` directly against the fake, then through Gloss; returns both and what the fake got. */
const both = <T>(call: (direct: boolean) => Promise<T>) => directThenGloss(call, () => fake.requests);

/** The direct request's raw body with only the given strings replaced (as JSON string literals). */
function withTexts(raw: string, pairs: [string, string][]): string {
  let out = raw;
  for (const [from, to] of pairs) {
    const lit = JSON.stringify(from);
    expect(out.split(lit)).toHaveLength(2); // the text occurs exactly once
    out = out.replace(lit, () => JSON.stringify(to));
  }
  return out;
}

const TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
        required: ['city'],
      },
    },
  },
];

describe('OpenAI Chat Completions through Gloss', () => {
  const body = (model = 'fake-model') => ({
    model,
    messages: [
      ...halfWithImageTurns('Answer in one line. Do not say half.', 'data:image/png;base64,iVBORw0KGgo='),
      { role: 'assistant' as const, content: 'Noted.' },
      { role: 'user' as const, content: 'How many apples? tom has twice as many apples' },
    ],
    temperature: 0.25,
    max_tokens: 64,
    tools: TOOLS,
    tool_choice: 'auto' as const,
    user: 'u-123',
  });

  it('non-streaming: same completion, glossed user turns, all else byte-identical', async () => {
    const r = await both((d) =>
      openai(d ? fake.baseUrl : `${server.url}/v1`)
        .chat.completions.create(body())
        .withResponse(),
    );
    expect(r.gloss.error).toBeUndefined();
    expect(r.gloss.value!.data).toEqual(r.direct.value!.data);
    const h = r.gloss.value!.response.headers;
    expect(h.get('x-gloss-status')).toBe('rewritten');
    expect(h.get('x-gloss-rules')).toBe('half-as-much,twice-as');
    expect(Number(h.get('x-gloss-ms'))).toBeGreaterThan(0);
    expect(h.get('x-request-id')).toBe('req_fake_1');
    // The upstream got the glossed texts in place and every other byte as the SDK sent it.
    expect(r.got.raw).toContain('⟦gloss');
    expect(r.got.raw).toBe(
      withTexts(r.sent.raw, [
        [HALF, HALF_GLOSSED],
        [
          'How many apples? tom has twice as many apples',
          'How many apples? tom has twice ⟦gloss: "twice" means two times the other amount⟧ as many apples',
        ],
      ]),
    );
    // The system prompt is not scanned by default; the key and SDK headers pass through.
    expect(r.got.body.messages[0].content).toBe('Answer in one line. Do not say half.');
    expect(r.got.headers.authorization).toBe('Bearer sk-test-key');
    expect(r.got.headers['x-stainless-lang']).toBe(r.sent.headers['x-stainless-lang']);
    expect(r.got.headers['x-gloss-upstream']).toBeUndefined();
  });

  it('streaming: the same chunks, and the same SSE bytes', async () => {
    const r = await both((d) =>
      openai(d ? fake.baseUrl : `${server.url}/v1`)
        .chat.completions.create({ ...body(), stream: true })
        .then(collect),
    );
    expect(r.gloss.error).toBeUndefined();
    expect(r.gloss.value).toEqual(r.direct.value);
    expect(r.gloss.value!.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('She sold 24 clips in May.');
    expect(r.got.raw).toBe(
      withTexts(r.sent.raw, [
        [HALF, HALF_GLOSSED],
        [
          'How many apples? tom has twice as many apples',
          'How many apples? tom has twice ⟦gloss: "twice" means two times the other amount⟧ as many apples',
        ],
      ]),
    );

    fake.reset();
    const raw = await both(async (d) => {
      const res = await openai(d ? fake.baseUrl : `${server.url}/v1`)
        .chat.completions.create({ ...body(), stream: true })
        .asResponse();
      return { type: res.headers.get('content-type'), text: await res.text() };
    });
    expect(raw.gloss.value).toEqual(raw.direct.value);
    expect(raw.gloss.value!.type).toBe('text/event-stream');
    expect(raw.gloss.value!.text).toMatch(/data: \[DONE\]\n\n$/);
  });

  it('tool calls, streamed and not, come back as the upstream sent them', async () => {
    const r = await both((d) =>
      openai(d ? fake.baseUrl : `${server.url}/v1`).chat.completions.create(body('fake-tools')),
    );
    expect(r.gloss.value).toEqual(r.direct.value);
    expect(r.gloss.value!.choices[0].message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } },
    ]);
    expect(r.gloss.value!.choices[0].finish_reason).toBe('tool_calls');
    fake.reset();
    const s = await both((d) =>
      openai(d ? fake.baseUrl : `${server.url}/v1`)
        .chat.completions.create({ ...body('fake-tools'), stream: true })
        .then(collect),
    );
    expect(s.gloss.value).toEqual(s.direct.value);
    expect(s.gloss.value!.some((c) => c.choices[0]?.delta?.tool_calls?.[0]?.function?.name === 'get_weather')).toBe(
      true,
    );
  });

  it('assistant tool-call turns and tool results pass through untouched', async () => {
    const req = {
      model: 'fake-model',
      messages: [
        { role: 'user' as const, content: HALF },
        {
          role: 'assistant' as const,
          content: null,
          tool_calls: [
            {
              id: 'call_9',
              type: 'function' as const,
              function: { name: 'get_weather', arguments: '{"city":"half"}' },
            },
          ],
        },
        { role: 'tool' as const, tool_call_id: 'call_9', content: 'half as many clouds' },
      ],
      tools: TOOLS,
    };
    const r = await both((d) => openai(d ? fake.baseUrl : `${server.url}/v1`).chat.completions.create(req));
    expect(r.gloss.value).toEqual(r.direct.value);
    expect(r.got.raw).toBe(withTexts(r.sent.raw, [[HALF, HALF_GLOSSED]]));
  });

  for (const status of [400, 401, 404, 429, 500, 503]) {
    it(`a ${status} from the upstream surfaces as the same SDK error`, async () => {
      const r = await both((d) =>
        openai(d ? fake.baseUrl : `${server.url}/v1`).chat.completions.create(body(`fake-error-${status}`)),
      );
      expect(r.direct.error).toBeInstanceOf(OpenAI.APIError);
      expect(r.gloss.error.constructor).toBe(r.direct.error.constructor);
      expect(r.gloss.error.status).toBe(status);
      expect(r.gloss.error.message).toBe(r.direct.error.message);
      expect(r.gloss.error.error).toEqual(r.direct.error.error);
      expect(r.gloss.error.requestID).toBe('req_fake_1');
      expect(r.gloss.error.headers.get('x-gloss-status')).toBe('rewritten');
    });
  }
});

describe('OpenAI Responses through Gloss', () => {
  const body = (model = 'fake-model') => ({
    model,
    instructions: 'Be exact. twice as careful.',
    input: [
      {
        role: 'user' as const,
        content: [
          { type: 'input_text' as const, text: HALF },
          { type: 'input_image' as const, image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' as const },
        ],
      },
      { type: 'function_call_output' as const, call_id: 'call_0', output: 'half of it' },
    ],
    tools: [
      {
        type: 'function' as const,
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
        strict: false,
      },
    ],
    temperature: 0,
    metadata: { trace: 'half' },
  });

  it('non-streaming, with input items: same response, glossed input_text only', async () => {
    const r = await both((d) =>
      openai(d ? fake.baseUrl : `${server.url}/v1`)
        .responses.create(body())
        .withResponse(),
    );
    expect(r.gloss.error).toBeUndefined();
    expect(r.gloss.value!.data).toEqual(r.direct.value!.data);
    expect(r.gloss.value!.data.output_text).toBe('She sold 24 clips in May.');
    expect(r.gloss.value!.response.headers.get('x-gloss-rules')).toBe('half-as-much');
    // instructions (the system prompt) and the tool output are not user text: untouched.
    expect(r.got.raw).toBe(withTexts(r.sent.raw, [[HALF, HALF_GLOSSED]]));
  });

  it('a string input is the user turn', async () => {
    const r = await both((d) =>
      openai(d ? fake.baseUrl : `${server.url}/v1`).responses.create({ model: 'fake-model', input: TWICE }),
    );
    expect(r.gloss.value).toEqual(r.direct.value);
    expect(r.got.body.input).toBe('tom has twice ⟦gloss: "twice" means two times the other amount⟧ as many apples');
  });

  it('streaming and tool calls: the same events', async () => {
    const r = await both((d) =>
      openai(d ? fake.baseUrl : `${server.url}/v1`)
        .responses.create({ ...body(), stream: true })
        .then(collect),
    );
    expect(r.gloss.value).toEqual(r.direct.value);
    expect(r.gloss.value!.at(-1)!.type).toBe('response.completed');
    fake.reset();
    const t = await both((d) => openai(d ? fake.baseUrl : `${server.url}/v1`).responses.create(body('fake-tools')));
    expect(t.gloss.value).toEqual(t.direct.value);
    expect(t.gloss.value!.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather', call_id: 'call_1' });
  });

  it('errors surface as the same SDK error', async () => {
    const r = await both((d) => openai(d ? fake.baseUrl : `${server.url}/v1`).responses.create(body('fake-error-422')));
    expect(r.gloss.error.constructor).toBe(r.direct.error.constructor);
    expect(r.gloss.error.constructor).toBe(OpenAI.UnprocessableEntityError);
    expect(r.gloss.error.message).toBe(r.direct.error.message);
  });
});

describe('Anthropic Messages through Gloss', () => {
  const body = (model = 'fake-model') => ({
    model,
    max_tokens: 256,
    system: [
      {
        type: 'text' as const,
        text: 'You are exact about half and twice.',
        cache_control: { type: 'ephemeral' as const },
      },
    ],
    messages: [
      {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: HALF },
          {
            type: 'image' as const,
            source: { type: 'base64' as const, media_type: 'image/png' as const, data: 'iVBORw0KGgo=' },
          },
        ],
      },
      {
        role: 'assistant' as const,
        content: [{ type: 'tool_use' as const, id: 'toolu_1', name: 'get_weather', input: { city: 'half' } }],
      },
      {
        role: 'user' as const,
        content: [
          {
            type: 'tool_result' as const,
            tool_use_id: 'toolu_1',
            content: [{ type: 'text' as const, text: 'half as many clouds' }],
          },
          { type: 'text' as const, text: TWICE },
        ],
      },
    ],
    tools: [
      {
        name: 'get_weather',
        description: 'Weather',
        input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
      },
    ],
    temperature: 0.5,
  });
  const TWICE_GLOSSED = 'tom has twice ⟦gloss: "twice" means two times the other amount⟧ as many apples';

  it('non-streaming: same message; text blocks glossed, tool_result and system untouched', async () => {
    const r = await both((d) =>
      anthropic(d ? fake.origin : server.url)
        .messages.create(body())
        .withResponse(),
    );
    expect(r.gloss.error).toBeUndefined();
    expect(r.gloss.value!.data).toEqual(r.direct.value!.data);
    expect(r.gloss.value!.response.headers.get('x-gloss-rules')).toBe('half-as-much,twice-as');
    expect(r.got.raw).toBe(
      withTexts(r.sent.raw, [
        [HALF, HALF_GLOSSED],
        [TWICE, TWICE_GLOSSED],
      ]),
    );
    // The caller's key passes through (this SDK version sends it as a bearer token).
    expect(r.got.headers['x-api-key'] ?? r.got.headers.authorization).toMatch(/sk-ant-test-key$/);
    for (const h of ['x-api-key', 'authorization', 'anthropic-version', 'user-agent', 'x-stainless-package-version'])
      expect(r.got.headers[h], h).toBe(r.sent.headers[h]);
  });

  it('streaming: the same events (message_start ... message_stop)', async () => {
    const r = await both((d) =>
      anthropic(d ? fake.origin : server.url)
        .messages.create({ ...body(), stream: true })
        .then(collect),
    );
    expect(r.gloss.value).toEqual(r.direct.value);
    expect(r.gloss.value!.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    fake.reset();
    const f = await both((d) =>
      anthropic(d ? fake.origin : server.url)
        .messages.stream(body())
        .finalMessage(),
    );
    expect(f.gloss.value).toEqual(f.direct.value);
  });

  it('tool use, streamed and not', async () => {
    const r = await both((d) => anthropic(d ? fake.origin : server.url).messages.create(body('fake-tools')));
    expect(r.gloss.value).toEqual(r.direct.value);
    expect(r.gloss.value!.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
    ]);
    fake.reset();
    const s = await both((d) =>
      anthropic(d ? fake.origin : server.url)
        .messages.stream(body('fake-tools'))
        .finalMessage(),
    );
    expect(s.gloss.value).toEqual(s.direct.value);
    expect(s.gloss.value!.stop_reason).toBe('tool_use');
  });

  for (const status of [400, 401, 429, 500, 529]) {
    it(`a ${status} from the upstream surfaces as the same SDK error`, async () => {
      const r = await both((d) =>
        anthropic(d ? fake.origin : server.url).messages.create(body(`fake-error-${status}`)),
      );
      expect(r.direct.error).toBeInstanceOf(Anthropic.APIError);
      expect(r.gloss.error.constructor).toBe(r.direct.error.constructor);
      expect(r.gloss.error.status).toBe(status);
      expect(r.gloss.error.message).toBe(r.direct.error.message);
      expect(r.gloss.error.error).toEqual(r.direct.error.error);
    });
  }
});
