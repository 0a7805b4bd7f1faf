// What an operator reads off the HTTP API: /v1/explain small by default (the whole matrix on
// request) and GET /openapi.json. The real Node server with the embedded default bundle, on
// loopback, through the package's public Node entry.
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBundleDir, startServer, type RunningServer } from '../../src/runtime/node/index.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await startServer({ bundle: defaultBundleDir, port: 0, host: '127.0.0.1', detectThreads: 0 });
}, 120_000);
afterAll(async () => {
  await srv?.close();
});

const PROMPT =
  'Weng earns $12 per hour for babysitting. Yesterday, she did 5 hours of babysitting. How much did she earn?';

function post(path: string, body: unknown) {
  return fetch(`${srv.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

interface Explain {
  full: boolean;
  tokens: { piece: string; active: { column: number; value: number }[] }[];
  features: { column: number; feature: number; threshold: number }[];
  rules: { id: string; feature: number; threshold: number }[];
  fired: { rule: string; column: number }[];
  activations?: number[][];
}

describe('POST /v1/explain', () => {
  it('is sparse and a few KB by default, with only features at/over a rule threshold or fired', async () => {
    const res = await post('/v1/explain', { prompt: PROMPT });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBeLessThan(8_000);
    const body = JSON.parse(text) as Explain;
    expect(body.full).toBe(false);
    expect(body.activations).toBeUndefined();
    expect(body.fired.length).toBeGreaterThan(0);
    const byColumn = new Map(body.features.map((f) => [f.column, f]));
    const firedCols = new Set(body.fired.map((f) => f.column));
    for (const tok of body.tokens)
      for (const a of tok.active) {
        const f = byColumn.get(a.column);
        expect(f, `column ${a.column} is listed in features`).toBeDefined();
        const floor = Math.min(...body.rules.filter((r) => r.feature === f!.feature).map((r) => r.threshold));
        expect(a.value >= floor || firedCols.has(a.column)).toBe(true);
      }
    // A latent rule's column shows on the tokens it fired on; a construction rule (models/default's
    // rules) fires from the grammar behind the task gate, so its feature is a reference only.
    const latentCols = new Set(body.fired.filter((f) => !f.rule.startsWith('construction-')).map((f) => f.column));
    for (const c of latentCols) expect(body.tokens.some((t) => t.active.some((a) => a.column === c))).toBe(true);
    expect(body.fired.map((f) => f.rule)).toContain('construction-rate');
  });

  it('answers the whole tokens x features matrix with full: true, matching the sparse values', async () => {
    const small = (await (await post('/v1/explain', { prompt: PROMPT })).json()) as Explain;
    const res = await post('/v1/explain', { prompt: PROMPT, full: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Explain;
    expect(body.full).toBe(true);
    const cols = body.features.length;
    expect(body.activations).toHaveLength(body.tokens.length);
    for (const row of body.activations!) expect(row).toHaveLength(cols);
    small.tokens.forEach((t, i) => {
      for (const a of t.active) expect(body.activations![i][a.column]).toBe(a.value);
    });
  });

  it('rejects an unknown field and a non-boolean full with a 400 naming it', async () => {
    for (const [body, re] of [
      [{ prompt: PROMPT, fulll: true }, /fulll/],
      [{ prompt: PROMPT, full: 'yes' }, /full/],
    ] as const) {
      const res = await post('/v1/explain', body);
      expect(res.status).toBe(400);
      const err = (await res.json()) as { error: { type: string; message: string } };
      expect(err.error.type).toBe('invalid_request');
      expect(err.error.message).toMatch(re);
    }
  });
});

describe('GET /', () => {
  it('names the README that ships with the package as its docs, not the unpublished npm page', async () => {
    const about = (await (await fetch(`${srv.url}/`)).json()) as { docs: string; routes: Record<string, string> };
    expect(about.docs).toMatch(/README\.md/);
    expect(about.docs).not.toMatch(/^https?:/);
    expect(about.docs).not.toContain('npmjs.com');
    expect(about.routes['GET /openapi.json']).toBeDefined();
  });
});

describe('GET /openapi.json', () => {
  it('is OpenAPI 3 with the four paths, and its /v1/rewrite body schema rejects what the route rejects', async () => {
    const res = await fetch(`${srv.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: object }> } }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/rewrite', '/v1/explain', '/v1/bundle', '/healthz']),
    );
    expect(doc.paths['/healthz'].get).toBeDefined();
    expect(doc.paths['/v1/bundle'].get).toBeDefined();
    // ajv (already in node_modules) compiles the document's JSON Schema; the route answers the same bodies.
    const ajv = new Ajv({ allErrors: true });
    for (const path of ['/v1/rewrite', '/v1/explain'] as const) {
      const validate = ajv.compile(doc.paths[path].post.requestBody!.content['application/json'].schema);
      const cases: [unknown, boolean][] = [
        [{ prompt: PROMPT }, true],
        [{ prompt: PROMPT, unknownField: 1 }, false],
        [{ prompt: PROMPT, maxGlosses: 'three' }, false],
        [{ prompt: 42 }, false],
      ];
      for (const [body, ok] of cases) {
        expect(validate(body), `${path} ${JSON.stringify(body)} by the document`).toBe(ok);
        const answer = await post(path, body);
        expect(answer.status, `${path} ${JSON.stringify(body)} by the route`).toBe(ok ? 200 : 400);
      }
    }
  });
});
