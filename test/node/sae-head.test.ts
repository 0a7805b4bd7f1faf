// The SAE head added to a detector graph computes JumpReLU((resid*scale - b_dec) @ W_enc + b_enc)
// over the detector's own resid: checked against the formula on the graph's resid output.
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { appendSaeHead } from '../../offline-training/graph/sae-head.ts';
import { miniTransformer } from '../helpers/parity-graphs.ts';
import { decodeFloat16, encodeFloat16 } from '../../offline-training/util/float16.ts';

describe('appendSaeHead', () => {
  it('adds a features output with known answers and keeps resid', async () => {
    const d = 32,
      F = 3;
    // Latent 0 reads direction e_5, latent 1 reads -e_7 + 0.5 e_2, latent 2 reads e_0 with a high threshold.
    const wEnc = new Float32Array(d * F);
    wEnc[5 * F + 0] = 1;
    wEnc[7 * F + 1] = -1;
    wEnc[2 * F + 1] = 0.5;
    wEnc[0 * F + 2] = 1;
    const bEnc = Float32Array.of(0.1, 0, -0.2);
    const bDec = Float32Array.from({ length: d }, (_, i) => (i % 3) * 0.01);
    const threshold = Float32Array.of(0.05, 0.2, 1e6);
    const scale = 0.5;
    const model = appendSaeHead(miniTransformer(), { dIn: d, wEnc, bEnc, bDec, threshold, inputScale: scale });
    const s = await ort.InferenceSession.create(model);
    expect([...s.outputNames].sort()).toEqual(['features', 'resid']);
    const ids = [3, 14, 15, 9, 26, 5, 35, 8];
    const out = await s.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    });
    const resid = out.resid.data as Float32Array;
    const feats = out.features.data as Float32Array;
    expect(out.features.dims).toEqual([1, ids.length, F]);
    let fired = 0;
    for (let t = 0; t < ids.length; t++) {
      const x = (i: number) => resid[t * d + i] * scale - bDec[i];
      const pre = [x(5) + bEnc[0], -x(7) + 0.5 * x(2) + bEnc[1], x(0) + bEnc[2]];
      for (let f = 0; f < F; f++) {
        const want = pre[f] > threshold[f] ? pre[f] : 0;
        if (want !== 0) fired++;
        expect(feats[t * F + f]).toBeCloseTo(want, 5);
      }
    }
    expect(fired).toBeGreaterThan(0); // the known answer is not all zeros
  });

  it('stores W_enc as float16 with f16 and computes in fp32 from the rounded weights', async () => {
    const d = 32,
      F = 4;
    // Weights that float16 cannot hold exactly (1/3, 0.1): the head must use their float16 values.
    const wEnc = Float32Array.from({ length: d * F }, (_, i) => ((i % 7) - 3) / 3 + 0.1);
    const head = {
      dIn: d,
      wEnc,
      bEnc: new Float32Array(F),
      bDec: new Float32Array(d),
      threshold: new Float32Array(F).fill(-1e6), // every pre-activation passes
    };
    const ids = [3, 14, 15, 9];
    const feed = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) };
    const f32 = appendSaeHead(miniTransformer(), head);
    const f16 = appendSaeHead(miniTransformer(), { ...head, f16: true });
    expect(f16.byteLength).toBeLessThan(f32.byteLength - d * F * 2 + 256); // W_enc at 2 bytes a value
    const [a, b] = await Promise.all(
      [f32, f16].map(async (m) => {
        const s = await ort.InferenceSession.create(m);
        const out = await s.run(feed);
        return { resid: out.resid.data as Float32Array, feats: out.features.data as Float32Array };
      }),
    );
    const rounded = decodeFloat16(encodeFloat16(wEnc));
    let maxDiff = 0;
    for (let t = 0; t < ids.length; t++)
      for (let f = 0; f < F; f++) {
        let want = 0;
        for (let i = 0; i < d; i++) want += a.resid[t * d + i] * rounded[i * F + f];
        expect(b.feats[t * F + f]).toBeCloseTo(want, 4);
        maxDiff = Math.max(maxDiff, Math.abs(b.feats[t * F + f] - a.feats[t * F + f]));
      }
    expect(maxDiff).toBeGreaterThan(0); // it really is the float16 weights
  });

  it('refuses a head whose width does not match resid', () => {
    expect(() =>
      appendSaeHead(miniTransformer(), {
        dIn: 16,
        wEnc: new Float32Array(16),
        bEnc: new Float32Array(1),
        bDec: new Float32Array(16),
        threshold: new Float32Array(1),
      }),
    ).toThrow(/d_in 16 .* 32 wide/);
  });
});
