// The detector core: window planning and windowed runs, on a per-token graph whose answer does
// not depend on context (so windowed and whole-sequence runs must agree exactly).
import { describe, it, expect } from 'vitest';
import * as ortWeb from 'onnxruntime-web';
import { GraphBuilder } from '../../offline-training/graph/builder.ts';
import { planWindows } from '../../src/core/detector/windows.ts';
import { Detector } from '../../src/core/detector/detector.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';
import { ortWebBackend } from '../../src/runtime/web/ort-web-backend.ts';

describe('planWindows', () => {
  it('covers every token exactly once with the given context', () => {
    for (const [len, size, overlap] of [
      [1, 8, 2],
      [8, 8, 2],
      [9, 8, 2],
      [100, 16, 4],
      [257, 64, 32],
      [1000, 256, 32],
      [5, 3, 100],
    ]) {
      const ws = planWindows(len, size, overlap);
      let next = 0;
      for (const w of ws) {
        expect(w.end - w.start).toBeLessThanOrEqual(size);
        expect(w.keepStart).toBe(next);
        expect(w.keepStart).toBeGreaterThanOrEqual(w.start);
        expect(w.keepEnd).toBeLessThanOrEqual(w.end);
        expect(w.keepEnd).toBeGreaterThan(w.keepStart);
        next = w.keepEnd;
      }
      expect(next).toBe(len);
    }
  });

  it('rejects a bad window size', () => {
    expect(() => planWindows(10, 0, 0)).toThrow(/window size/);
  });
});

/** features[t] = relu(E[id_t] @ W): depends on the token only. */
function perTokenGraph(): Uint8Array {
  const V = 40,
    d = 8,
    F = 5;
  const gb = new GraphBuilder('per-token');
  const ids = gb.input('input_ids', 'int64', [1, 'T']);
  const emb = Float32Array.from({ length: V * d }, (_, i) => Math.sin(i * 0.37));
  const w = Float32Array.from({ length: d * F }, (_, i) => Math.cos(i * 0.91));
  const x = gb.gather(gb.init('emb', emb, [V, d]), ids);
  gb.output(gb.relu(gb.linear(x, w, d, F, undefined, 'head')), 'features');
  gb.output(x, 'resid');
  return gb.toBytes();
}

describe('Detector', () => {
  const ids = Array.from({ length: 77 }, (_, i) => (i * 7 + 3) % 40);

  for (const [name, backend] of [
    ['onnxruntime-node', ortNodeBackend()],
    ['onnxruntime-web', ortWebBackend(ortWeb)],
  ] as const) {
    it(`windowed runs equal one whole run (${name})`, async () => {
      const whole = await Detector.create(backend, perTokenGraph(), { maxTokens: 512 });
      const windowed = await Detector.create(backend, perTokenGraph(), { maxTokens: 16, overlap: 4 });
      expect(whole.output).toBe('features');
      const a = await whole.run(ids);
      const b = await windowed.run(ids);
      expect(a.windows).toBe(1);
      expect(b.windows).toBeGreaterThan(4);
      expect(b.width).toBe(5);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expect((await whole.run([])).tokens).toBe(0);
    });
  }

  it('names a missing output', async () => {
    await expect(Detector.create(ortNodeBackend(), perTokenGraph(), { output: 'logits' })).rejects.toThrow(
      /no "logits" output \(outputs: features, resid\)/,
    );
  });
});
