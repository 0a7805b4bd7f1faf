// The SAE head added to a detector graph computes JumpReLU((resid*scale - b_dec) @ W_enc + b_enc)
// over the detector's own resid: checked against the formula on the graph's resid output.
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { appendSaeHead } from '../../offline-training/graph/sae-head.ts';
import { miniTransformer } from '../helpers/parity-graphs.ts';

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
