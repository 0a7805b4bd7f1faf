// The Gloss HTTP app through app.request(): known answers on the known-answer bundle (feature 101
// reads 2.0 on "half", 202 reads 1.5 on "twice", 303 reads 1.0 on "per"), messages mode, explain,
// bundle and health routes, and every error as JSON with its status.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openKnownFixture, type KnownFixture } from '../helpers/known-fixture.ts';
import { streamedPost } from '../helpers/streamed-post.ts';
import { createApp, type AppDeps } from '../../src/core/app.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import type { Logger } from '../../src/core/http/logger.ts';

let fx: KnownFixture;
let engine: GlossEngine;

beforeAll(async () => {
  fx = await openKnownFixture('gloss-app-', { engine: true });
  engine = fx.engine!;
});
afterAll(() => fx?.close());

const HALF = '"half" means one half of the amount mentioned before';
const TWICE = '"twice" means two times the other amount';
const PER = 'A quantity "per" unit is a rate: multiply it by the number of units.';

function app(extra: Partial<AppDeps> = {}) {
  return createApp({ engine: async () => engine, ...extra });
}

function post(
  a: ReturnType<typeof createApp>,
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  return a.request(path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** A Logger that appends each event as the JSON line [event, fields] to `lines`. */
function linesLogger(lines: string[]): Logger {
  const push = (e: string, f?: Record<string, unknown>) => lines.push(JSON.stringify([e, f]));
  return { info: push, warn: push, error: push };
}

// Response shapes the tests read.
interface Fired {
  rule: string;
  label: string;
  span: { start: number; end: number; text: string };
  peak: number;
  threshold: number;
  ratio: number;
  message?: number;
  part?: number | null;
}
interface RewriteBody {
  status: string;
  prompt?: string;
  messages?: Record<string, unknown>[];
  dryRun: boolean;
  rules: string[];
  fired: Fired[];
  inserted: { rule: string; at: number; gloss: string; message?: number; part?: number | null }[];
  timing: Record<string, number>;
  backend: string;
  bundle: string;
}
interface ErrorBody {
  error: { type: string; message: string };
}

async function expectError(res: Response, status: number, type: string, message: RegExp): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as ErrorBody;
  expect(body.error.type).toBe(type);
  expect(body.error.message).toMatch(message);
  expect(body.error.message).not.toMatch(/\n\s+at /); // no stack
}

describe('POST /v1/rewrite (prompt)', () => {
  it('glosses "half as many" inline with the exact text, spans, activations and headers', async () => {
    const res = await post(app(), '/v1/rewrite', { prompt: 'she sold half as many clips' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    expect(res.headers.get('x-gloss-rules')).toBe('half-as-much');
    expect(Number(res.headers.get('x-gloss-ms'))).toBeGreaterThan(0);
    const body = (await res.json()) as RewriteBody;
    expect(body.status).toBe('rewritten');
    expect(body.prompt).toBe(`she sold half ⟦gloss: ${HALF}⟧ as many clips`);
    expect(body.rules).toEqual(['half-as-much']);
    expect(body.fired).toHaveLength(1);
    expect(body.fired[0]).toMatchObject({
      rule: 'half-as-much',
      label: 'half as many / much',
      feature: 101,
      column: 0,
      span: { start: 9, end: 13, text: 'half' },
      peak: 2,
      threshold: 0.5,
      ratio: 4,
    });
    expect(body.inserted).toEqual([{ rule: 'half-as-much', at: 13, gloss: HALF }]);
    expect(body.backend).toBe('onnxruntime-node');
    expect(body.bundle).toBe('known-answer');
    expect(body.dryRun).toBe(false);
    for (const k of ['tokenize', 'detect', 'match', 'total']) expect(body.timing[k]).toBeGreaterThanOrEqual(0);
    expect(body.timing.total).toBeGreaterThanOrEqual(body.timing.detect);
  });

  it('puts prompt-scope rules in the note block, after the inline glosses', async () => {
    const prompt = 'then she sold half as many clips in may . he earns $ 12 per hour .';
    const body = (await (await post(app(), '/v1/rewrite', { prompt })).json()) as RewriteBody;
    expect(body.rules).toEqual(['half-as-much', 'rate-per']);
    expect(body.prompt).toBe(
      `then she sold half ⟦gloss: ${HALF}⟧ as many clips in may . he earns $ 12 per hour .\n\n⟦gloss-notes: how to read the text above\n- ${PER}\n⟧`,
    );
    expect(body.inserted.map((i) => [i.rule, i.at])).toEqual([
      ['half-as-much', 18],
      ['rate-per', prompt.length],
    ]);
  });

  it('leaves a prompt alone when nothing fires, and when Gloss already annotated it', async () => {
    const a = app();
    const res = await post(a, '/v1/rewrite', { prompt: 'How many apples did Tom sell?' });
    expect(res.headers.get('x-gloss-status')).toBe('unchanged');
    expect(res.headers.get('x-gloss-rules')).toBe('');
    const body = (await res.json()) as RewriteBody;
    expect(body).toMatchObject({
      status: 'unchanged',
      prompt: 'How many apples did Tom sell?',
      fired: [],
      inserted: [],
    });

    const once = (
      (await (await post(a, '/v1/rewrite', { prompt: 'she sold half as many clips' })).json()) as RewriteBody
    ).prompt!;
    const again = await post(a, '/v1/rewrite', { prompt: once });
    expect(again.headers.get('x-gloss-status')).toBe('unchanged'); // already-annotated reads as unchanged
    const b2 = (await again.json()) as RewriteBody;
    expect(b2.status).toBe('already-annotated');
    expect(b2.prompt).toBe(once);
  });

  it('caps glosses with options.maxGlosses (highest priority first) and reports without rewriting on dryRun', async () => {
    const a = app();
    const prompt = 'she sold half as many clips and twice as many apples';
    const capped = (await (await post(a, '/v1/rewrite', { prompt, options: { maxGlosses: 1 } })).json()) as RewriteBody;
    expect(capped.rules).toEqual(['half-as-much']);
    const both = (await (await post(a, '/v1/rewrite', { prompt })).json()) as RewriteBody;
    expect(both.rules).toEqual(['half-as-much', 'twice-as']);
    expect(both.prompt).toBe(`she sold half ⟦gloss: ${HALF}⟧ as many clips and twice ⟦gloss: ${TWICE}⟧ as many apples`);

    const dry = await post(a, '/v1/rewrite', { prompt, options: { dryRun: true } });
    expect(dry.headers.get('x-gloss-status')).toBe('dry-run');
    expect(dry.headers.get('x-gloss-dry-run')).toBe('true');
    const d = (await dry.json()) as RewriteBody;
    expect(d.prompt).toBe(prompt);
    expect(d.dryRun).toBe(true);
    expect(d.inserted.map((i) => i.rule)).toEqual(['half-as-much', 'twice-as']);
  });

  it('takes the options at the top level too, and honours x-gloss: dry-run and off', async () => {
    const a = app();
    const prompt = 'she sold half as many clips and twice as many apples';
    const capped = (await (await post(a, '/v1/rewrite', { prompt, maxGlosses: 1 })).json()) as RewriteBody;
    expect(capped.rules).toEqual(['half-as-much']);
    const dry = await post(a, '/v1/rewrite', { prompt, dryRun: true });
    expect(dry.headers.get('x-gloss-dry-run')).toBe('true');
    expect(((await dry.json()) as RewriteBody).prompt).toBe(prompt);

    const json = { 'content-type': 'application/json' };
    const byHeader = await post(a, '/v1/rewrite', { prompt }, { ...json, 'x-gloss': 'dry-run' });
    expect(byHeader.headers.get('x-gloss-status')).toBe('dry-run');
    expect(byHeader.headers.get('x-gloss-dry-run')).toBe('true');
    const h = (await byHeader.json()) as RewriteBody;
    expect([h.prompt, h.dryRun, h.rules]).toEqual([prompt, true, ['half-as-much', 'twice-as']]);

    const off = await post(a, '/v1/rewrite', { prompt }, { ...json, 'x-gloss': 'off' });
    expect(off.status).toBe(200);
    expect(off.headers.get('x-gloss-status')).toBe('disabled');
    expect(await off.json()).toMatchObject({ status: 'disabled', prompt, rules: [], fired: [], inserted: [] });

    const explainOff = await post(a, '/v1/explain', { prompt }, { ...json, 'x-gloss': 'off' });
    expect(explainOff.headers.get('x-gloss-status')).toBe('disabled');
    expect(await explainOff.json()).toMatchObject({ status: 'disabled', tokens: [], fired: [] });

    for (const path of ['/v1/rewrite', '/v1/explain'])
      await expectError(
        await post(a, path, { prompt }, { ...json, 'x-gloss': 'maybe' }),
        400,
        'invalid_request',
        /x-gloss must be on, off or dry-run, got "maybe"/,
      );
  });
});

describe('POST /v1/rewrite (messages)', () => {
  const messages = [
    { role: 'system', content: 'half' },
    { role: 'user', content: 'she sold half as many clips', name: 'natalia', vendor_field: { keep: [1, 2] } },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"twice":1}' } }],
    },
    {
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'https://x/y.png' } },
        { type: 'text', text: 'tom has twice as many apples', cache_control: { type: 'ephemeral' } },
      ],
    },
  ];

  it('glosses user turns only, keeping every other field, message and part as sent', async () => {
    const res = await post(app(), '/v1/rewrite', { messages });
    expect(res.headers.get('x-gloss-rules')).toBe('half-as-much,twice-as');
    const body = (await res.json()) as RewriteBody;
    expect(body.status).toBe('rewritten');
    expect(body.prompt).toBeUndefined();
    expect(body.messages).toEqual([
      messages[0],
      { ...messages[1], content: `she sold half ⟦gloss: ${HALF}⟧ as many clips` },
      messages[2],
      {
        role: 'user',
        content: [
          (messages[3].content as object[])[0],
          {
            type: 'text',
            text: `tom has twice ⟦gloss: ${TWICE}⟧ as many apples`,
            cache_control: { type: 'ephemeral' },
          },
        ],
      },
    ]);
    expect(body.fired.map((f) => [f.rule, f.message, f.part, f.span.text])).toEqual([
      ['half-as-much', 1, null, 'half'],
      ['twice-as', 3, 1, 'twice'],
    ]);
    expect(body.inserted.map((i) => [i.rule, i.message, i.part, i.at])).toEqual([
      ['half-as-much', 1, null, 13],
      ['twice-as', 3, 1, 13],
    ]);
  });

  it('follows options.scan', async () => {
    const a = app();
    const all = (await (await post(a, '/v1/rewrite', { messages, options: { scan: 'all' } })).json()) as RewriteBody;
    expect(all.messages![0].content).toBe(`half ⟦gloss: ${HALF}⟧`);
    const last = (await (
      await post(a, '/v1/rewrite', { messages, options: { scan: 'last-user' } })
    ).json()) as RewriteBody;
    expect(last.rules).toEqual(['twice-as']);
    expect(last.messages![1]).toEqual(messages[1]);
    const system = (await (
      await post(a, '/v1/rewrite', { messages, options: { scan: 'system' } })
    ).json()) as RewriteBody;
    expect(system.rules).toEqual(['half-as-much']);
    expect(system.fired[0].message).toBe(0);
  });
});

describe('POST /v1/explain', () => {
  it('returns per-token rows of every feature with the known activations (full: true)', async () => {
    const res = await post(app(), '/v1/explain', { prompt: 'she sold half as many clips per day', full: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      tokens: { id: number; piece: string; start: number; end: number }[];
      features: { column: number; feature: number; label: string; threshold: number }[];
      activations: number[][];
      fired: Fired[];
      rules: { id: string }[];
    };
    expect(body.tokens.map((t) => t.piece)).toEqual(['she', 'sold', 'half', 'as', 'many', 'clips', 'per', 'day']);
    expect(body.tokens[2]).toEqual({ id: 16, piece: 'half', start: 9, end: 13, active: [{ column: 0, value: 2 }] });
    expect(body.features).toEqual([
      { column: 0, feature: 101, label: 'half as (fraction of an earlier amount)', threshold: 0.5 },
      { column: 1, feature: 202, label: 'twice (multiplicative comparison)', threshold: 0.5 },
      { column: 2, feature: 303, label: 'per (rate)', threshold: 0.5 },
    ]);
    expect(body.activations).toHaveLength(8);
    for (const row of body.activations) expect(row).toHaveLength(3);
    expect(body.activations[2]).toEqual([2, 0, 0]);
    expect(body.activations[6]).toEqual([0, 0, 1]);
    expect(body.activations[0]).toEqual([0, 0, 0]);
    expect(body.fired.map((f) => f.rule)).toEqual(['half-as-much', 'rate-per']);
    expect(body.rules.map((r) => r.id)).toEqual(['half-as-much', 'twice-as', 'rate-per']);
  });

  it('rejects what /v1/rewrite rejects', async () => {
    await expectError(
      await post(app(), '/v1/explain', {}),
      400,
      'invalid_request',
      /^invalid request body: prompt: is required$/,
    );
    await expectError(
      await post(app(), '/v1/explain', { prompt: 'half', options: { scan: 'all' } }),
      400,
      'invalid_request',
      /options\.scan: unknown key/,
    );
    await expectError(
      await post(app(), '/v1/explain', { prompt: 'half', scan: 'all' }),
      400,
      'invalid_request',
      /^invalid request body: scan: unknown key$/,
    );
    const capped = await post(app(), '/v1/explain', { prompt: 'half as much, twice as many', maxGlosses: 1 });
    expect(capped.status).toBe(200);
  });
});

describe('GET /healthz and /v1/bundle', () => {
  it('healthz answers 503 until the engine is loaded (and starts loading it), then 200', async () => {
    const a = app();
    const before = await a.request('/healthz');
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ ok: true, bundle: null, backend: null, ready: false });
    await post(a, '/v1/rewrite', { prompt: 'half' });
    expect(await (await a.request('/healthz')).json()).toEqual({
      ok: true,
      bundle: 'known-answer',
      backend: 'onnxruntime-node',
      ready: true,
    });
    const withInfo = app({ runtimeInfo: () => ({ wasmBytes: 42 }) });
    expect(await (await withInfo.request('/healthz')).json()).toMatchObject({ runtime: { wasmBytes: 42 } });
  });

  it('bundle describes manifest, rules, features with top contexts, and the card', async () => {
    const body = (await (await app().request('/v1/bundle')).json()) as {
      manifest: { name: string; files: Record<string, unknown> };
      rules: { id: string; gloss: string }[];
      features: { feature: number; label: string; top_contexts: { text: string }[] }[];
      card: string;
    };
    expect(body.manifest.name).toBe('known-answer');
    expect(Object.keys(body.manifest.files)).toContain('detector.onnx');
    expect(body.rules.map((r) => r.id)).toEqual(['half-as-much', 'twice-as', 'rate-per']);
    expect(body.features[0]).toMatchObject({
      feature: 101,
      label: 'half as (fraction of an earlier amount)',
      top_contexts: [{ text: 'half' }],
    });
    expect(body.card).toMatch(/^# known-answer bundle/);
  });
});

describe('errors', () => {
  it('malformed JSON, wrong content type, non-object bodies', async () => {
    const a = app();
    await expectError(
      await post(a, '/v1/rewrite', '{"prompt": "half'),
      400,
      'invalid_json',
      /^request body is not valid JSON: /,
    );
    await expectError(await post(a, '/v1/rewrite', ''), 400, 'invalid_json', /request body is empty/);
    await expectError(
      await post(a, '/v1/rewrite', '{"prompt":"half"}', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
      /content-type must be application\/json, got text\/plain/,
    );
    // A byte body comes with no content-type at all.
    const bare = await a.request('/v1/rewrite', {
      method: 'POST',
      body: new TextEncoder().encode('{"prompt":"half"}'),
    });
    await expectError(bare, 415, 'unsupported_media_type', /content-type must be application\/json \(none sent\)/);
    await expectError(
      await post(a, '/v1/rewrite', '[{"prompt":"half"}]'),
      400,
      'invalid_request',
      /expected a JSON object, got an array/,
    );
    await expectError(await post(a, '/v1/rewrite', 'null'), 400, 'invalid_request', /got null/);
    // The vendor +json form is JSON too.
    expect(
      (await post(a, '/v1/rewrite', '{"prompt":"half"}', { 'content-type': 'application/vnd.api+json; charset=utf-8' }))
        .status,
    ).toBe(200);
  });

  it('wrong types and missing or empty prompts name the path', async () => {
    const a = app();
    const cases: [unknown, RegExp][] = [
      [{ prompt: 3 }, /^invalid request body: prompt: Invalid input: expected string, received number$/],
      [{}, /^invalid request body: prompt: is required \(or send messages\)$/],
      [{ prompt: '' }, /prompt: must not be empty/],
      [{ prompt: ' \n\t ' }, /prompt: must not be empty/],
      [{ promt: 'half' }, /^invalid request body: promt: unknown key/],
      [{ model: 'gpt-x', messages: [{ role: 'user', content: 'x' }] }, /^invalid request body: model: unknown key$/],
      [{ prompt: 'half', dryrun: true }, /dryrun: unknown key/],
      [{ prompt: 'half', dryRun: 'yes' }, /dryRun: Invalid input: expected boolean/],
      [
        { prompt: 'half', dryRun: true, options: { dryRun: true } },
        /options\.dryRun: give dryRun at the top level or in options, not both/,
      ],
      [
        { prompt: 'half', messages: [{ role: 'user', content: 'x' }] },
        /messages: send either prompt or messages, not both/,
      ],
      [{ messages: [] }, /messages: must hold at least one message/],
      [{ messages: [{ content: 'half' }] }, /messages\[0\]\.role: is required/],
      [{ messages: [{ role: 'user', content: 7 }] }, /messages\[0\]\.content: /],
      [{ messages: 'half' }, /messages: Invalid input: expected array, received string/],
      [{ prompt: 'half', options: { scan: 'everything' } }, /options\.scan: Invalid option/],
      [{ prompt: 'half', options: { maxGlosses: 1.5 } }, /options\.maxGlosses: /],
      [{ prompt: 'half', options: { dryRun: 'yes' } }, /options\.dryRun: Invalid input: expected boolean/],
      [{ prompt: 'half', options: { dry_run: true } }, /options\.dry_run: unknown key/],
    ];
    for (const [body, message] of cases)
      await expectError(await post(a, '/v1/rewrite', body), 400, 'invalid_request', message);
  });

  it('oversized bodies get 413, from content-length and while reading', async () => {
    const a = app({ limits: { maxBodyBytes: 1000, maxPromptChars: 100 } });
    const big = JSON.stringify({ prompt: 'half '.repeat(400) });
    await expectError(await post(a, '/v1/rewrite', big), 413, 'payload_too_large', /larger than 1000 bytes/);
    // No content-length: a stream, counted while it is read.
    const chunks = Array.from({ length: 5 }, (_, i) => new TextEncoder().encode(big.slice(i * 500, (i + 1) * 500)));
    const streamed = await streamedPost(a, '/v1/rewrite', chunks);
    await expectError(streamed, 413, 'payload_too_large', /larger than 1000 bytes/);
    // A content-length that understates the body does not get past the limit either.
    const lying = await a.request('/v1/rewrite', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '20' },
      body: big,
    });
    await expectError(lying, 413, 'payload_too_large', /larger than 1000 bytes/);
    // Within the byte limit but over the character limit: 400 with the path.
    await expectError(
      await post(a, '/v1/rewrite', { prompt: 'half '.repeat(21) }),
      400,
      'invalid_request',
      /prompt: must be at most 100 characters/,
    );
    await expectError(
      await post(a, '/v1/rewrite', {
        messages: [
          { role: 'user', content: 'half '.repeat(15) },
          { role: 'user', content: 'half '.repeat(15) },
        ],
      }),
      400,
      'invalid_request',
      /messages: hold 150 characters of text, more than 100/,
    );
    expect((await post(a, '/v1/rewrite', { prompt: 'half '.repeat(20) })).status).toBe(200);
  });

  it('unknown routes 404, wrong methods 405 with Allow', async () => {
    const a = app();
    await expectError(await a.request('/v1/nothing'), 404, 'not_found', /no route for GET \/v1\/nothing/);
    const r = await a.request('/v1/rewrite');
    expect(r.headers.get('allow')).toBe('POST');
    await expectError(r, 405, 'method_not_allowed', /GET is not allowed on \/v1\/rewrite; use POST/);
    await expectError(await a.request('/v1/explain', { method: 'PUT' }), 405, 'method_not_allowed', /use POST/);
    await expectError(await post(a, '/healthz', {}), 405, 'method_not_allowed', /use GET/);
    await expectError(await post(a, '/v1/bundle', {}), 405, 'method_not_allowed', /use GET/);
  });

  it('an engine that cannot load gives 503 without details, and is retried on the next request', async () => {
    const lines: string[] = [];
    const logger = linesLogger(lines);
    let calls = 0;
    const a = createApp({
      engine: async () => {
        calls++;
        if (calls === 1) throw new Error('secret-path/models/x: no manifest.json');
        return engine;
      },
      logger,
    });
    const res = await post(a, '/v1/rewrite', { prompt: 'half' });
    expect(res.headers.get('retry-after')).toBe('5');
    await expectError(res, 503, 'engine_unavailable', /^the detector engine could not be loaded; see the server log$/);
    const health = await a.request('/healthz');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, ready: false });
    expect(lines.join('\n')).toContain('no manifest.json'); // the operator sees why
    expect((await post(a, '/v1/rewrite', { prompt: 'half' })).status).toBe(200);
    expect(calls).toBe(2);
  });

  it('a detector failure gives 500 without a stack; prompt text never reaches the log', async () => {
    const lines: string[] = [];
    const logger = linesLogger(lines);
    const broken = Object.create(engine) as GlossEngine;
    broken.analyze = async (text) => {
      // An error that quotes the prompt must not carry it into the log.
      throw new Error(`onnxruntime: invalid input near "${text}"`);
    };
    const a = createApp({ engine: async () => broken, logger });
    await expectError(
      await post(a, '/v1/rewrite', { prompt: 'babysitting altogether half' }),
      500,
      'detector_error',
      /^the detector failed on this request; see the server log$/,
    );
    await expectError(
      await post(a, '/v1/explain', { prompt: 'babysitting altogether half' }),
      500,
      'detector_error',
      /detector failed/,
    );
    const ok = createApp({ engine: async () => engine, logger });
    await post(ok, '/v1/rewrite', { prompt: 'babysitting altogether she sold half as many' });
    await post(ok, '/v1/rewrite', { prompt: 42, note: 'babysitting altogether' });
    const log = lines.join('\n');
    expect(log).toContain('onnxruntime: invalid input');
    expect(log).toContain('"rules":"half-as-much"');
    expect(log).not.toContain('babysitting altogether');
  });

  it('creates the engine once for concurrent first requests', async () => {
    let calls = 0;
    const a = createApp({
      engine: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 20));
        return engine;
      },
    });
    const statuses = await Promise.all(
      [1, 2, 3, 4].map(async () => (await post(a, '/v1/rewrite', { prompt: 'half' })).status),
    );
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(calls).toBe(1);
  });
});

describe('bearer auth', () => {
  it('guards /v1/* and leaves /healthz open', async () => {
    const a = app({ auth: { bearerToken: 's3cret' } });
    const none = await post(a, '/v1/rewrite', { prompt: 'half' });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectError(none, 401, 'unauthorized', /missing Authorization/);
    await expectError(
      await post(
        a,
        '/v1/rewrite',
        { prompt: 'half' },
        { 'content-type': 'application/json', authorization: 'Bearer s3cre' },
      ),
      401,
      'unauthorized',
      /invalid bearer token/,
    );
    expect(
      (
        await post(
          a,
          '/v1/rewrite',
          { prompt: 'half' },
          { 'content-type': 'application/json', authorization: 'Bearer s3cret' },
        )
      ).status,
    ).toBe(200);
    expect((await a.request('/v1/bundle', { headers: { authorization: 'bearer s3cret' } })).status).toBe(200);
    expect((await a.request('/healthz')).status).toBe(200);
  });
});
