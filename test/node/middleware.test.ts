// gloss() mounted in another Hono app whose handler echoes the body it received: texts glossed in
// place, every other byte kept, headers set; fail-open on detector errors and over-budget
// detectors; fail-closed answers 503. Runs the real engine on the known-answer bundle.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { openKnownFixture, type KnownFixture } from '../helpers/known-fixture.ts';
import { streamedPost } from '../helpers/streamed-post.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import fc from 'fast-check';
import { gloss, type GlossOptions, type GlossVariables } from '../../src/core/middleware.ts';
import { spliceStrings } from '../../src/core/http/json-splice.ts';
import { gloss as nodeGloss, sharedEngine } from '../../src/runtime/node/gloss.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { defaultBundleDir } from '../../src/runtime/node/embedded.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';

let fx: KnownFixture;
let dir: string;
let engine: GlossEngine;

beforeAll(async () => {
  fx = await openKnownFixture('gloss-mw-', { engine: true });
  dir = fx.dir;
  engine = fx.engine!;
});
afterAll(() => fx?.close());

const HALF = '"half" means one half of the amount mentioned before';
const TWICE = '"twice" means two times the other amount';

/** The upstream stand-in: answers with exactly the body it was handed, and what it saw. */
function echoApp(
  opts: Partial<GlossOptions> = {},
  before?: (c: { req: { json(): Promise<unknown> } }) => Promise<void>,
) {
  const app = new Hono<{ Variables: GlossVariables }>();
  if (before)
    app.use('/v1/*', async (c, next) => {
      await before(c);
      await next();
    });
  app.use('/v1/*', gloss({ engine: async () => engine, budgetMs: 60_000, ...opts }));
  app.post('/v1/chat/completions', async (c) => {
    const text = await c.req.text();
    return new Response(text, {
      headers: {
        'content-type': 'application/json',
        'x-seen-length': c.req.header('content-length') ?? '',
        'x-seen-report': JSON.stringify(c.get('gloss') ?? null),
      },
    });
  });
  app.post('/v1/parsed', async (c) => c.json(await c.req.json()));
  return app;
}

function send(
  app: ReturnType<typeof echoApp>,
  body: string,
  path = '/v1/chat/completions',
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  return app.request(path, { method: 'POST', headers, body });
}

describe('gloss() middleware', () => {
  it('rewrites the prompt in place and keeps every other byte of the body', async () => {
    const before =
      '{\n  "model": "m",  "big": 12345678901234567890, "x": 1.0e0,\n  "prompt": "she sold half as many clips", "u": "\\u00e9\\n", "extra": {"k": [1, "half"]}\n}';
    const res = await send(echoApp(), before);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    expect(res.headers.get('x-gloss-rules')).toBe('half-as-much');
    expect(Number(res.headers.get('x-gloss-ms'))).toBeGreaterThan(0);
    const got = await res.text();
    const glossed = `she sold half ⟦gloss: ${HALF.replaceAll('"', '\\"')}⟧ as many clips`;
    expect(got).toBe(before.replace('she sold half as many clips', glossed));
    expect(res.headers.get('x-seen-length')).toBe(String(new TextEncoder().encode(got).byteLength));
    const report = JSON.parse(res.headers.get('x-seen-report')!);
    expect(report).toMatchObject({ status: 'rewritten', rules: ['half-as-much'], dryRun: false });
    expect(report.fired[0]).toMatchObject({ rule: 'half-as-much', span: { text: 'half' }, peak: 2 });
  });

  it('rewrites user messages only; tool calls, parts and unknown fields pass through', async () => {
    const body = {
      model: 'gpt',
      stream: true,
      messages: [
        { role: 'system', content: 'half' },
        { role: 'user', content: 'she sold half as many clips', name: 'n' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'u' } },
            { type: 'text', text: 'tom has twice as many apples' },
          ],
        },
      ],
      vendor: { anything: [1, 2, 3] },
    };
    const res = await send(echoApp(), JSON.stringify(body), '/v1/parsed');
    expect(res.headers.get('x-gloss-rules')).toBe('half-as-much,twice-as');
    // The handler's c.req.json() reads the rewritten body (hono's body cache was reset).
    expect(await res.json()).toEqual({
      ...body,
      messages: [
        body.messages[0],
        { ...body.messages[1], content: `she sold half ⟦gloss: ${HALF}⟧ as many clips` },
        body.messages[2],
        {
          role: 'user',
          content: [
            body.messages[3].content![0],
            { type: 'text', text: `tom has twice ⟦gloss: ${TWICE}⟧ as many apples` },
          ],
        },
      ],
    });
  });

  it('follows scan and maxGlosses options', async () => {
    const body = JSON.stringify({
      messages: [
        { role: 'system', content: 'half' },
        { role: 'user', content: 'half as many and twice as many' },
      ],
    });
    const res = await send(echoApp({ scan: 'all', maxGlosses: 1 }), body);
    expect(res.headers.get('x-gloss-rules')).toBe('half-as-much'); // distinct rule ids
    const got = JSON.parse(await res.text());
    expect(got.messages[0].content).toBe(`half ⟦gloss: ${HALF}⟧`);
    expect(got.messages[1].content).toBe(`half ⟦gloss: ${HALF}⟧ as many and twice as many`);
  });

  it('leaves bodies alone when nothing fires, when dryRun, and when there is nothing to gloss', async () => {
    const app = echoApp();
    const plain = '{"prompt":  "How many apples did Tom sell?" }';
    const r1 = await send(app, plain);
    expect(r1.headers.get('x-gloss-status')).toBe('unchanged');
    expect(r1.headers.get('x-gloss-rules')).toBe('');
    expect(await r1.text()).toBe(plain);

    const half = '{"prompt":"she sold half as many clips"}';
    const r2 = await send(echoApp({ dryRun: true }), half);
    expect(r2.headers.get('x-gloss-status')).toBe('dry-run');
    expect(r2.headers.get('x-gloss-dry-run')).toBe('true');
    expect(await r2.text()).toBe(half);

    for (const other of ['{"input": "half as many"}', '{"prompt": 3}', '{not json', '[1,2]']) {
      const r = await send(app, other);
      expect(r.headers.get('x-gloss-status')).toBeNull();
      expect(await r.text()).toBe(other);
    }
    const text = await send(app, 'half as many', '/v1/chat/completions', { 'content-type': 'text/plain' });
    expect(text.headers.get('x-gloss-status')).toBeNull();
    expect(await text.text()).toBe('half as many');
  });

  it('re-serializes when duplicate keys make positions ambiguous', async () => {
    const res = await send(echoApp(), '{"prompt":"nothing","prompt":"she sold half as many"}');
    expect(JSON.parse(await res.text())).toEqual({ prompt: `she sold half ⟦gloss: ${HALF}⟧ as many` });
  });

  it('sees the body when an earlier middleware already read it', async () => {
    const res = await send(
      echoApp({}, async (c) => {
        await c.req.json();
      }),
      '{"prompt":"she sold half as many"}',
    );
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    expect(JSON.parse(await res.text()).prompt).toContain('⟦gloss:');
  });

  it('fails open on a detector error: the original body goes through with skipped-error', async () => {
    const body = '{"prompt": "she sold half as many", "keep": 1.50}';
    const failing = echoApp({ engine: () => Promise.reject(new Error('bundle missing')) });
    const res = await send(failing, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gloss-status')).toBe('skipped-error');
    expect(res.headers.get('x-gloss-rules')).toBe('');
    expect(await res.text()).toBe(body);

    const broken = Object.create(engine) as GlossEngine;
    broken.analyze = () => Promise.reject(new Error('onnxruntime failed'));
    const r2 = await send(echoApp({ engine: async () => broken }), body);
    expect(r2.headers.get('x-gloss-status')).toBe('skipped-error');
    expect(await r2.text()).toBe(body);
  });

  it('fails closed with 503 when asked to', async () => {
    const res = await send(
      echoApp({ engine: () => Promise.reject(new Error('x')), failOpen: false }),
      '{"prompt":"half"}',
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('x-gloss-status')).toBe('skipped-error');
    expect(await res.json()).toEqual({
      error: { type: 'detector_error', message: 'the detector failed on this request' },
    });
  });

  it('passes the original body on when the detector is over its time budget', async () => {
    // A detector made slow on purpose: it finishes only after `delayMs`, and says when it did.
    let finished = 0;
    const slowBy = (delayMs: number) => {
      const e = Object.create(engine) as GlossEngine;
      e.analyze = async (text, match) => {
        await new Promise((r) => setTimeout(r, delayMs));
        finished++;
        return engine.analyze(text, match);
      };
      return e;
    };
    const slow = slowBy(3000);
    const body = '{"prompt":"she sold half as many clips"}';
    const res = await send(echoApp({ engine: async () => slow, budgetMs: 30 }), body);
    expect(res.headers.get('x-gloss-status')).toBe('skipped-timeout');
    expect(await res.text()).toBe(body);
    expect(finished).toBe(0); // answered at the budget, not after the slow detector
    expect(Number(res.headers.get('x-gloss-ms'))).toBeGreaterThanOrEqual(25);

    // A slow engine within a generous budget glosses.
    const ok = await send(echoApp({ engine: async () => slowBy(200), budgetMs: 60_000 }), body);
    expect(ok.headers.get('x-gloss-status')).toBe('rewritten');

    const closed = await send(echoApp({ engine: async () => slow, budgetMs: 30, failOpen: false }), body);
    expect(closed.status).toBe(503);
    expect(closed.headers.get('x-gloss-status')).toBe('skipped-timeout');
    expect(await closed.json()).toEqual({
      error: { type: 'detector_timeout', message: 'the detector took longer than its 30 ms budget' },
    });
  });

  it('passes bodies over its size limit through unread and untouched', async () => {
    const app = echoApp({ maxBodyBytes: 100 });
    const big = JSON.stringify({ prompt: 'she sold half as many clips '.repeat(10) });
    const r1 = await send(app, big);
    expect(r1.headers.get('x-gloss-status')).toBe('skipped-too-large');
    expect(await r1.text()).toBe(big);
    // Streamed without content-length: read up to the limit, then replayed with the rest.
    const bytes = new TextEncoder().encode(big);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 40) }, (_, i) => bytes.slice(i * 40, i * 40 + 40));
    const r2 = await streamedPost(app, '/v1/chat/completions', chunks);
    expect(r2.headers.get('x-gloss-status')).toBe('skipped-too-large');
    expect(await r2.text()).toBe(big);
  });

  it('works behind @hono/node-server on a real socket', async () => {
    const app = echoApp();
    const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((done) => {
      const srv = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        done({ server: srv, port: info.port }),
      );
    });
    try {
      const body = '{"stream":false,"prompt":"she sold half as many clips"}';
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.headers.get('x-gloss-status')).toBe('rewritten');
      const got = await res.text();
      expect(got).toBe(
        `{"stream":false,"prompt":"she sold half ⟦gloss: ${HALF.replaceAll('"', '\\"')}⟧ as many clips"}`,
      );
      expect(res.headers.get('x-seen-length')).toBe(String(new TextEncoder().encode(got).byteLength));
    } finally {
      await new Promise((done) => server.close(done));
    }
  });
});

describe('gloss(options) as Hono middleware factories are used', () => {
  const prompt = JSON.stringify({ prompt: 'she sold half as many clips' });

  /** A Hono app with the given middleware on /ask, echoing the body its handler received. */
  function askApp(mw: ReturnType<typeof gloss>) {
    const app = new Hono<{ Variables: GlossVariables }>();
    app.use('/ask', mw);
    app.post('/ask', async (c) => c.json({ body: await c.req.json(), gloss: c.get('gloss') ?? null }));
    return app;
  }
  const ask = (app: Hono<{ Variables: GlossVariables }>, headers: Record<string, string> = {}) =>
    app.request('/ask', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: prompt });

  it('throws at creation on an unknown or ill-typed option, naming it', () => {
    expect(() => nodeGloss({ bundel: dir } as never)).toThrow(/gloss\(\): invalid options: bundel: unknown key/);
    expect(() => gloss({ bundel: dir } as never)).toThrow(/bundel: unknown key/);
    expect(() => nodeGloss({ budgetMs: '50' } as never)).toThrow(/budgetMs: Invalid input: expected number/);
    expect(() => nodeGloss({ scan: 'everything' } as never)).toThrow(/scan: Invalid option/);
    expect(() => nodeGloss({ bundle: 42 } as never)).toThrow(/bundle: /);
    expect(() => nodeGloss({ engine: 'x' } as never)).toThrow(/engine: must be a function/);
    expect(() => nodeGloss({ bundle: dir, engine: async () => engine })).toThrow(/either bundle or engine/);
    expect(() => nodeGloss('models/default' as never)).toThrow(/options must be an object/);
  });

  it('core gloss() refuses what it cannot load instead of passing every request through', () => {
    expect(() => gloss({ bundle: join(dir, 'b') })).toThrow(/folder path.*@gloss-lens\/gloss\/node/);
    expect(() => gloss({ bundle: folderSource(join(dir, 'b')) })).toThrow(/needs a backend/);
    expect(() => gloss()).toThrow(/no bundle/);
  });

  it('core gloss() runs a BundleSource with a backend', async () => {
    const app = askApp(gloss({ bundle: folderSource(join(dir, 'b')), backend: ortNodeBackend(), budgetMs: 60_000 }));
    const res = await ask(app);
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    expect(((await res.json()) as { body: { prompt: string } }).body.prompt).toBe(
      `she sold half ⟦gloss: ${HALF}⟧ as many clips`,
    );
  });

  it('Node gloss({ bundle: dir }) glosses, and every gloss() naming one bundle shares one engine', async () => {
    const b = join(dir, 'b');
    const one = askApp(nodeGloss({ bundle: b, budgetMs: 60_000 }));
    const two = askApp(nodeGloss({ bundle: `${b}/./`, budgetMs: 60_000, dryRun: true }));
    const r1 = await ask(one);
    expect(r1.headers.get('x-gloss-status')).toBe('rewritten');
    expect(((await r1.json()) as { body: { prompt: string } }).body.prompt).toContain('⟦gloss: ');
    const r2 = await ask(two);
    expect(r2.headers.get('x-gloss-dry-run')).toBe('true');
    expect(((await r2.json()) as { body: { prompt: string } }).body.prompt).toBe('she sold half as many clips');
    expect(sharedEngine(b)).toBe(sharedEngine(`${b}/./`));
    expect(await sharedEngine(b)).toBe(await sharedEngine(`${b}/./`));
  });

  it('Node gloss() with no options uses the embedded default bundle', async () => {
    const res = await ask(askApp(nodeGloss({ budgetMs: 60_000 })));
    expect(['rewritten', 'unchanged']).toContain(res.headers.get('x-gloss-status'));
    const e = await sharedEngine();
    expect(e.bundle.manifest.name).toBe('default');
    expect(e).toBe(await sharedEngine(defaultBundleDir));
  });

  it('a bundle folder without manifest.json throws at creation', () => {
    expect(() => nodeGloss({ bundle: join(dir, 'missing') })).toThrow(
      /gloss\(\): bundle folder .*missing has no manifest\.json/,
    );
  });

  it('honours x-gloss: off and dry-run per request; another value is a 400', async () => {
    const app = askApp(nodeGloss({ bundle: join(dir, 'b'), budgetMs: 60_000 }));
    const off = await ask(app, { 'x-gloss': 'off' });
    expect(off.headers.get('x-gloss-status')).toBe('disabled');
    expect(await off.json()).toMatchObject({
      body: { prompt: 'she sold half as many clips' },
      gloss: { status: 'disabled' },
    });
    const dry = await ask(app, { 'x-gloss': 'dry-run' });
    expect(dry.headers.get('x-gloss-status')).toBe('dry-run');
    expect(dry.headers.get('x-gloss-dry-run')).toBe('true');
    expect(((await dry.json()) as { body: { prompt: string } }).body.prompt).toBe('she sold half as many clips');
    const bad = await ask(app, { 'x-gloss': 'maybe' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { type: 'invalid_request', message: expect.stringMatching(/x-gloss must be on, off or dry-run/) },
    });
  });
});

describe('spliceStrings (byte-preserving JSON edits)', () => {
  it('changes exactly the edited strings, whatever surrounds them', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
        fc.array(
          fc.record({
            role: fc.constantFrom('user', 'system'),
            content: fc.string({ unit: 'grapheme' }),
            extra: fc.jsonValue({ maxDepth: 2 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.string({ unit: 'grapheme' }),
        fc.constantFrom(0, 1, '\t'),
        (extra, messages, replacement, indent) => {
          const rest = Object.fromEntries(
            Object.entries(extra).filter(([k]) => k !== 'messages' && k !== 'prompt' && k !== '__proto__'),
          );
          const body = { ...rest, messages };
          const text = JSON.stringify(body, null, indent);
          const i = messages.length - 1;
          const out = spliceStrings(text, [{ path: ['messages', i, 'content'], value: replacement }]);
          expect(out).toBeDefined();
          const want = structuredClone(body);
          want.messages[i].content = replacement;
          expect(JSON.parse(out!)).toEqual(JSON.parse(JSON.stringify(want)));
          // Putting the old text back gives the original bytes: nothing else moved.
          expect(spliceStrings(out!, [{ path: ['messages', i, 'content'], value: messages[i].content }])).toBe(text);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses what it cannot place exactly', () => {
    // Duplicate keys: the last one is JSON.parse's reading, and the one spliced.
    expect(spliceStrings('{"a":"x","a":"y"}', [{ path: ['a'], value: 'z' }])).toBe('{"a":"x","a":"z"}');
    expect(spliceStrings('{"a":"x","a":1}', [{ path: ['a'], value: 'z' }])).toBeUndefined();
    expect(spliceStrings('{"a":1}', [{ path: ['a'], value: 'z' }])).toBeUndefined(); // not a string there
    expect(spliceStrings('{"a":"x"}', [{ path: ['b'], value: 'z' }])).toBeUndefined();
    expect(spliceStrings(' {"a" : "x\\\\", "b": "\\"a\\":"} ', [{ path: ['a'], value: 'q"' }])).toBe(
      ' {"a" : "q\\"", "b": "\\"a\\":"} ',
    );
  });
});
