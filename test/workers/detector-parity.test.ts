// The detector graphs give the same outputs inside workerd (onnxruntime-web WASM, one thread) as
// onnxruntime-node computed for them in global-setup.
import { env } from 'cloudflare:workers';
import { describe, it, expect } from 'vitest';

interface Expected {
  graph: string;
  inputIds: number[];
  outputs: Record<string, { dims: number[]; data: number[] }>;
  tolerance: number;
}

describe('detector graphs in workerd', () => {
  it('match onnxruntime-node within tolerance', async () => {
    const expected = (await (await env.DETECTOR.fetch('http://detector/expected')).json()) as Expected[];
    expect(expected.length).toBeGreaterThan(0);
    for (const e of expected) {
      const res = await env.DETECTOR.fetch('http://detector/run', {
        method: 'POST',
        body: JSON.stringify({ graph: e.graph, inputIds: e.inputIds }),
      });
      const body = (await res.json()) as { outputs?: Expected['outputs']; error?: string; ms?: number };
      expect(body.error, `${e.graph}: ${body.error}`).toBeUndefined();
      for (const [name, want] of Object.entries(e.outputs)) {
        const got = body.outputs![name];
        expect(got.dims, `${e.graph}.${name} dims`).toEqual(want.dims);
        let maxDiff = 0;
        for (let i = 0; i < want.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.data[i] - want.data[i]));
        console.log(
          `${e.graph}.${name}: max |workerd - node| = ${maxDiff.toExponential(2)} (${body.ms} ms in workerd)`,
        );
        expect(maxDiff, `${e.graph}.${name}`).toBeLessThan(e.tolerance);
      }
    }
  });
});
