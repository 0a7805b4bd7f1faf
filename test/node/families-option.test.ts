// The `families` run option end to end on the shipped default bundle (real detector, real grammar,
// real task gate): /v1/rewrite's body option and x-gloss-families header, and the proxy's header,
// over loopback HTTP to a fake upstream. Multiplicative is off by default; asking for it turns it on.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { startServer, type RunningServer } from '../../src/runtime/node/server.ts';
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.ts';
import { parseFamiliesList, RunOptionsSchema } from '../../src/core/engine/run-options.ts';

const DIR = 'models/default';
const TRAP = 'Jason has three times as many toys as Mandy. Mandy has 4 toys. How many toys does Jason have?';

describe.skipIf(!existsSync(`${DIR}/manifest.json`))('families through /v1/rewrite and the proxy', () => {
  let server: RunningServer;
  let fake: FakeLlm;
  beforeAll(async () => {
    fake = await startFakeLlm(() => 'ok');
    server = await startServer({
      bundle: DIR,
      port: 0,
      detectThreads: 1,
      proxy: { upstreams: { openai: fake.baseUrl }, retries: 0, budgetMs: 30_000 },
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const rewrite = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/v1/rewrite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('default: the bundle on families, no multiplicative gloss, echoed in x-gloss-families', async () => {
    const r = await rewrite({ prompt: TRAP });
    expect(r.status).toBe(200);
    const b = (await r.json()) as { prompt: string; families: string[]; rules: string[] };
    expect(b.families).toEqual(['percent', 'rate']);
    expect(r.headers.get('x-gloss-families')).toBe('percent,rate');
    expect(b.rules).not.toContain('construction-multiplicative');
    expect(b.prompt).toBe(TRAP);
  });

  it('families: ["multiplicative"] (body) and x-gloss-families: all (header) gloss the multiple after its phrase', async () => {
    for (const [body, headers] of [
      [{ prompt: TRAP, families: ['multiplicative'] }, {}],
      [{ prompt: TRAP }, { 'x-gloss-families': 'all' }],
    ] as const) {
      const r = await rewrite(body, headers);
      expect(r.status).toBe(200);
      const b = (await r.json()) as { prompt: string; rules: string[] };
      expect(b.rules).toEqual(['construction-multiplicative']);
      expect(b.prompt).toMatch(/three times as many toys as Mandy ⟦[^⟧]*Mandy[^⟧]*⟧\./);
    }
    const one = await rewrite({ prompt: TRAP, families: ['multiplicative'] });
    expect(one.headers.get('x-gloss-families')).toBe('multiplicative');
  });

  it('an unknown family is a 400 naming the allowed ones (body and header)', async () => {
    const a = await rewrite({ prompt: TRAP, families: ['multiplicatve'] });
    expect(a.status).toBe(400);
    const ea = (await a.json()) as { error: { message: string } };
    expect(ea.error.message).toContain('"multiplicatve"');
    expect(ea.error.message).toContain('allowed: all, multiplicative');
    const b = await rewrite({ prompt: TRAP }, { 'x-gloss-families': 'rate, bogus' });
    expect(b.status).toBe(400);
    expect(((await b.json()) as { error: { message: string } }).error.message).toMatch(
      /x-gloss-families: .*"bogus".*allowed/,
    );
  });

  it('the proxy honours x-gloss-families per request and echoes it; a bad one is a 400 in the API shape', async () => {
    const send = (headers: Record<string, string>) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
        body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: TRAP }] }),
      });
    fake.reset();
    const plain = await send({});
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-gloss-families')).toBe('percent,rate');
    const on = await send({ 'x-gloss-families': 'multiplicative,rate' });
    expect(on.status).toBe(200);
    expect(on.headers.get('x-gloss-families')).toBe('multiplicative,rate');
    expect(on.headers.get('x-gloss-rules')).toBe('construction-multiplicative');
    const sent = fake.requests.map((q) => JSON.stringify(q.body));
    expect(sent[0]).not.toContain('⟦');
    expect(sent[1]).toContain('⟦');
    const bad = await send({ 'x-gloss-families': 'nope' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('allowed: all');
    expect(fake.count).toBe(2);
  });
});

describe('families option parsing', () => {
  it('takes all, lists, headers; refuses unknown names', () => {
    expect(RunOptionsSchema.parse({ families: 'all' }).families).toBe('all');
    expect(RunOptionsSchema.parse({ families: ['rate', 'percent'] }).families).toEqual(['rate', 'percent']);
    expect(RunOptionsSchema.safeParse({ families: ['rates'] }).success).toBe(false);
    expect(RunOptionsSchema.safeParse({ families: 'rate' }).success).toBe(false);
    expect(parseFamiliesList(' Rate , percent ')).toEqual(['rate', 'percent']);
    expect(parseFamiliesList('ALL')).toBe('all');
    expect(parseFamiliesList('')).toBeUndefined();
    expect(() => parseFamiliesList('rate,x')).toThrow(/"x".*allowed: all/);
  });
});
