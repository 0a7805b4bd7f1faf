// The detector graphs give the same outputs inside workerd (onnxruntime-web WASM, one thread) as
// onnxruntime-node computed for them in global-setup, within what the arithmetic guarantees
// (test/helpers/parity-graphs.ts, test/helpers/parity-check.ts); and models/default fires the same
// rules in workerd as on onnxruntime-node over a few hundred real prompts.
import { env } from 'cloudflare:workers';
import { describe, it, expect, inject } from 'vitest';
import { compareActivations, firedFrom, unexplainedRuleDifferences } from '../helpers/parity-check.ts';

interface Expected {
  graph: string;
  inputIds: number[];
  outputs: Record<string, { dims: number[]; data: number[] }>;
  tolerance: number;
  jumpThresholds?: number[];
  prompts: { text: string; inputIds: number[]; offsets: [number, number][]; features: number[] }[];
}

async function runInWorkerd(graph: string, inputIds: number[]) {
  const res = await env.DETECTOR.fetch('http://detector/run', {
    method: 'POST',
    body: JSON.stringify({ graph, inputIds }),
  });
  return (await res.json()) as { outputs?: Expected['outputs']; error?: string; ms?: number };
}

describe('detector graphs in workerd', () => {
  it('match onnxruntime-node within tolerance', async () => {
    const expected = (await (await env.DETECTOR.fetch('http://detector/expected')).json()) as Expected[];
    expect(expected.length).toBeGreaterThan(0);
    for (const e of expected) {
      const body = await runInWorkerd(e.graph, e.inputIds);
      expect(body.error, `${e.graph}: ${body.error}`).toBeUndefined();
      for (const [name, want] of Object.entries(e.outputs)) {
        const got = body.outputs![name];
        expect(got.dims, `${e.graph}.${name} dims`).toEqual(want.dims);
        if (e.jumpThresholds && name === 'features') {
          const d = compareActivations(got.data, want.data, e.jumpThresholds, e.tolerance);
          console.log(`${e.graph}.${name}: max |workerd - node| = ${d.maxDiff.toExponential(2)}, ${d.jumps} jumps`);
          expect(d.violations, `${e.graph}.${name}`).toBe(0);
          continue;
        }
        let maxDiff = 0;
        for (let i = 0; i < want.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.data[i] - want.data[i]));
        console.log(
          `${e.graph}.${name}: max |workerd - node| = ${maxDiff.toExponential(2)} (${body.ms} ms in workerd)`,
        );
        expect(maxDiff, `${e.graph}.${name}`).toBeLessThan(e.tolerance);
      }
    }
  });

  it('models/default fires the same rules in workerd as on onnxruntime-node over real prompts', async (ctx) => {
    const dflt = inject('defaultRules');
    const expected = (await (await env.DETECTOR.fetch('http://detector/expected')).json()) as Expected[];
    const e = expected.find((x) => x.graph === 'models-default');
    if (!dflt || !e || e.prompts.length === 0) {
      ctx.skip(); // needs models/default (npm test builds it) and ../shared's GSM8K and VUA files
      return;
    }
    const columns = new Map(dflt.columns);
    const F = e.jumpThresholds!.length;
    // Task-gate latents (read by no rule, only through a prompt mean) get twice the tolerance.
    const ruleColumns = new Set(dflt.rules.map((r) => columns.get(r.feature)));
    const tolerances = Array.from({ length: F }, (_, c) => (ruleColumns.has(c) ? e.tolerance : 2 * e.tolerance));
    let maxDiff = 0;
    let differing = 0;
    for (const p of e.prompts) {
      const body = await runInWorkerd(e.graph, p.inputIds);
      expect(body.error).toBeUndefined();
      const got = Float32Array.from(body.outputs!.features.data);
      const want = Float32Array.from(p.features);
      const d = compareActivations(got, want, e.jumpThresholds!, tolerances);
      expect(d.violations, p.text.slice(0, 80)).toBe(0);
      maxDiff = Math.max(maxDiff, d.maxDiff);
      const tokens = p.offsets.map(([start, end]) => ({ start, end }));
      const a = { activations: got, fired: firedFrom(p.text, tokens, got, F, dflt.rules, columns) };
      const b = { activations: want, fired: firedFrom(p.text, tokens, want, F, dflt.rules, columns) };
      expect(unexplainedRuleDifferences(a, b, dflt.rules, columns, F, e.tolerance), p.text.slice(0, 80)).toEqual([]);
      const key = (f: typeof a.fired) => f.map((x) => `${x.ruleId}@${x.span.start}-${x.span.end}`).join();
      if (key(a.fired) !== key(b.fired)) differing++;
    }
    console.log(
      `models/default in workerd, ${e.prompts.length} real prompts: max |workerd - node| ${maxDiff.toExponential(2)}; fired rules differ on ${differing}`,
    );
    expect(differing).toBeLessThanOrEqual(Math.ceil(e.prompts.length * 0.01));
  });
});
