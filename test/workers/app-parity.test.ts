// The Gloss Worker (built from src/runtime/worker/index.ts, onnxruntime-web WASM in workerd) gives
// the same answers as the Node app (onnxruntime-node) on the known-answer bundle: same fired rules
// and spans, same rewritten text and messages, same activations, same errors and headers.
import { env } from 'cloudflare:workers';
import { describe, it, expect, inject } from 'vitest';
import { APP_CASES, answer, request } from './app-cases.ts';

const app = (env as unknown as { APP: Fetcher }).APP;

describe('Gloss Worker in workerd vs the Node app', () => {
  const expected = inject('appAnswers');

  it('has the Node answers to compare with', () => {
    expect(expected.map((e) => e.name)).toEqual(APP_CASES.map((c) => c.name));
    // The Node answers are the known ones, so agreeing with them means something.
    expect(expected.map((e) => e.status)).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 400, 400, 400, 415, 405, 404, 200,
    ]);
    const byName = Object.fromEntries(expected.map((e) => [e.name, e]));
    expect(byName['half as many'].headers['x-gloss-rules']).toBe('half-as-much');
    expect(byName['half + per (note block)'].headers['x-gloss-rules']).toBe('half-as-much,rate-per');
    expect(byName['messages'].headers['x-gloss-rules']).toBe('half-as-much,rate-per');
    expect(byName['nothing fires'].headers['x-gloss-status']).toBe('unchanged');
    expect((byName['half as many'].body as { prompt: string }).prompt).toContain(
      'half ⟦gloss: "half" means one half of the amount mentioned before⟧ as many',
    );
    expect((byName['explain'].body as { activations: number[][] }).activations[2]).toEqual([2, 0, 0]);
  });

  for (const c of APP_CASES) {
    it(`${c.name}: ${c.method} ${c.path}`, async () => {
      const want = expected.find((e) => e.name === c.name)!;
      const got = await answer(c, await app.fetch(request(c)));
      expect(got).toEqual(want);
    });
  }

  it('reports the wasm backend and reuses one engine across requests', async () => {
    const h1 = (await (await app.fetch('http://gloss.test/healthz')).json()) as {
      ready: boolean;
      backend: string;
      bundle: string;
      runtime: { ortWasmMemoryBytes: number };
    };
    expect(h1).toMatchObject({ ok: true, ready: true, backend: 'onnxruntime-web/wasm', bundle: 'known-answer' });
    // The isolate can see onnxruntime's wasm memory (the bench reads it as the Worker's memory).
    expect(h1.runtime.ortWasmMemoryBytes).toBeGreaterThan(1 << 20);
    // Concurrent requests on the one session all get their own right answer.
    const prompts = [
      'she sold half as many clips',
      'tom has twice as many apples',
      'he earns $ 12 per hour',
      'how many apples',
    ];
    const outs = await Promise.all(
      prompts.map(async (p) => {
        const r = await app.fetch('http://gloss.test/v1/rewrite', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: p }),
        });
        return r.headers.get('x-gloss-rules');
      }),
    );
    expect(outs).toEqual(['half-as-much', 'twice-as', 'rate-per', '']);
  });
});
