// SAE files: SAELens layout round trips (F32 exactly, F16/BF16 within their precision), import of
// EleutherAI sparsify's layout (checked against sparsify's own encode/decode written out here),
// and the safetensors reader's checks.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decode,
  encode,
  encodeSafetensors,
  importSparsify,
  loadSae,
  parseSafetensors,
  saveSae,
  SaeError,
  tensorToF32,
  type Sae,
} from '../../offline-training/sae/index.ts';
import { testRand } from '../helpers/make-cache.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-sae-fmt-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const d = 24;
const m = 96;

function randomSae(arch: 'topk' | 'jumprelu', seed = 3): Sae {
  const r = testRand(seed);
  const f = (n: number, s: number) => Float32Array.from({ length: n }, () => r.normal() * s);
  const sae: Sae = {
    architecture: arch,
    d_in: d,
    d_sae: m,
    k: arch === 'topk' ? 8 : undefined,
    applyBDecToInput: true,
    W_enc: f(d * m, 0.3),
    W_dec: f(m * d, 0.3),
    b_enc: f(m, 0.1),
    b_dec: f(d, 0.5),
    cfg: { metadata: { model_name: 'test', hook_name: 'blocks.1.hook_resid_pre' } },
  };
  if (arch === 'jumprelu')
    sae.threshold = Float32Array.from({ length: m }, (_, j) => (j % 7 === 0 ? Infinity : 0.2 + 0.01 * j));
  return sae;
}

const X = (() => {
  const r = testRand(11);
  return Float32Array.from({ length: 50 * d }, () => r.normal());
})();

describe('SAELens layout', () => {
  for (const arch of ['topk', 'jumprelu'] as const) {
    it(`${arch}: save then load gives identical encode/decode`, async () => {
      const sae = randomSae(arch);
      const out = join(dir, `saelens-${arch}`);
      await saveSae(out, sae);
      const back = await loadSae(out);
      expect(back.architecture).toBe(arch);
      expect(back.W_enc).toEqual(sae.W_enc);
      expect(back.W_dec).toEqual(sae.W_dec);
      const a = encode(sae, X);
      const b = encode(back, X);
      expect(b).toEqual(a);
      expect(a.idx.length).toBeGreaterThan(50); // the codes are not trivially empty
      expect(decode(back, b)).toEqual(decode(sae, a));
      const cfg = JSON.parse(await readFile(join(out, 'cfg.json'), 'utf8'));
      expect(cfg).toMatchObject({
        architecture: arch,
        d_in: d,
        d_sae: m,
        apply_b_dec_to_input: true,
        normalize_activations: 'none',
      });
      // SAELens key names and shapes in the safetensors file.
      const st = parseSafetensors(new Uint8Array(await readFile(join(out, 'sae_weights.safetensors'))));
      const shapes = Object.fromEntries([...st.tensors].map(([k, t]) => [k, t.shape]));
      expect(shapes).toEqual({
        W_enc: [d, m],
        W_dec: [m, d],
        b_enc: [m],
        b_dec: [d],
        ...(arch === 'jumprelu' ? { threshold: [m] } : {}),
      });
    });
  }

  it('F16 and BF16 files load within their precision', async () => {
    const sae = randomSae('topk');
    for (const [dtype, tol] of [
      ['F16', 1e-3],
      ['BF16', 8e-3],
    ] as const) {
      const out = join(dir, `half-${dtype}`);
      await saveSae(out, sae, { dtype });
      const back = await loadSae(out);
      let maxRel = 0;
      for (let i = 0; i < sae.W_enc.length; i++)
        maxRel = Math.max(maxRel, Math.abs(back.W_enc[i] - sae.W_enc[i]) / Math.max(1e-3, Math.abs(sae.W_enc[i])));
      expect(maxRel).toBeLessThan(tol);
      expect(maxRel).toBeGreaterThan(0);
      expect(JSON.parse(await readFile(join(out, 'cfg.json'), 'utf8')).dtype).toBe(
        dtype === 'F16' ? 'float16' : 'bfloat16',
      );
    }
  });

  it('reads a legacy SAELens TopK config (architecture standard + activation_fn_str topk)', async () => {
    const sae = randomSae('topk');
    const out = join(dir, 'legacy');
    await saveSae(out, sae);
    await writeFile(
      join(out, 'cfg.json'),
      JSON.stringify({
        architecture: 'standard',
        d_in: d,
        d_sae: m,
        activation_fn_str: 'topk',
        activation_fn_kwargs: { k: 8 },
        apply_b_dec_to_input: true,
        normalize_activations: 'none',
        model_name: 'gpt2',
        hook_name: 'blocks.8.hook_resid_pre',
        hook_layer: 8,
        dtype: 'float32',
        device: 'cpu',
        prepend_bos: true,
        context_size: 128,
      }),
    );
    const back = await loadSae(out);
    expect(back.architecture).toBe('topk');
    expect(back.k).toBe(8);
    expect(encode(back, X)).toEqual(encode(sae, X));
  });
});

describe('sparsify import', () => {
  it('loads encoder.weight/encoder.bias/W_dec/b_dec and matches sparsify encode/decode', async () => {
    const r = testRand(5);
    const k = 6;
    const encW = Float32Array.from({ length: m * d }, () => r.normal() * 0.3); // [num_latents, d_in]
    const encB = Float32Array.from({ length: m }, () => r.normal() * 0.1);
    const Wdec = Float32Array.from({ length: m * d }, () => r.normal() * 0.3);
    const bdec = Float32Array.from({ length: d }, () => r.normal() * 0.5);
    const out = join(dir, 'sparsify', 'layers.3');
    await mkdir(out, { recursive: true });
    await writeFile(
      join(out, 'sae.safetensors'),
      encodeSafetensors({
        'encoder.weight': { dtype: 'F32', shape: [m, d], data: encW },
        'encoder.bias': { dtype: 'F32', shape: [m], data: encB },
        W_dec: { dtype: 'F32', shape: [m, d], data: Wdec },
        b_dec: { dtype: 'F32', shape: [d], data: bdec },
      }),
    );
    await writeFile(
      join(out, 'cfg.json'),
      JSON.stringify({
        expansion_factor: 4,
        normalize_decoder: true,
        num_latents: 0,
        k,
        multi_topk: false,
        skip_connection: false,
        d_in: d,
      }),
    );
    const sae = await importSparsify(out);
    expect(sae).toMatchObject({ architecture: 'topk', d_in: d, d_sae: m, k });

    // sparsify: pre = relu((x - b_dec) @ encoder.weight.T + encoder.bias); top-k; decode + b_dec.
    const codes = encode(sae, X);
    const xh = decode(sae, codes);
    for (let row = 0; row < 50; row++) {
      const pre = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        let a = encB[j];
        for (let i = 0; i < d; i++) a += (X[row * d + i] - bdec[i]) * encW[j * d + i];
        pre[j] = Math.max(0, a);
      }
      const top = Array.from(pre.keys())
        .sort((p, q) => pre[q] - pre[p] || p - q)
        .slice(0, k)
        .filter((j) => pre[j] > 0)
        .sort((p, q) => p - q);
      expect(Array.from(codes.idx.subarray(codes.ptr[row], codes.ptr[row + 1]))).toEqual(top);
      for (let i = 0; i < d; i++) {
        let want = bdec[i];
        for (const j of top) want += pre[j] * Wdec[j * d + i];
        expect(xh[row * d + i]).toBeCloseTo(want, 4);
      }
    }
    // A folder of several hookpoints says which to pick.
    await expect(importSparsify(join(dir, 'sparsify'))).rejects.toThrow(/layers\.3/);
    // After import it saves as SAELens and loads back identically.
    await saveSae(join(dir, 'sparsify-as-saelens'), sae);
    expect(encode(await loadSae(join(dir, 'sparsify-as-saelens')), X)).toEqual(codes);
  });

  it('refuses transcoders and unknown sparsify keys', async () => {
    const sae = randomSae('topk');
    const out = join(dir, 'sparsify-bad');
    await mkdir(out, { recursive: true });
    const encW = new Float32Array(m * d);
    await writeFile(
      join(out, 'sae.safetensors'),
      encodeSafetensors({
        'encoder.weight': { dtype: 'F32', shape: [m, d], data: encW },
        'encoder.bias': { dtype: 'F32', shape: [m], data: sae.b_enc },
        W_dec: { dtype: 'F32', shape: [m, d], data: sae.W_dec },
        b_dec: { dtype: 'F32', shape: [d], data: sae.b_dec },
      }),
    );
    await writeFile(join(out, 'cfg.json'), JSON.stringify({ k: 4, d_in: d, transcode: true }));
    await expect(importSparsify(out)).rejects.toThrow(/transcoders are not supported/);
    await writeFile(join(out, 'cfg.json'), JSON.stringify({ k: 4, d_in: d, mystery_option: 1 }));
    await expect(importSparsify(out)).rejects.toThrow(SaeError);
    await expect(importSparsify(out)).rejects.toThrow(/unknown sparsify config key "mystery_option"/);
  });
});

describe('safetensors reader', () => {
  it('round-trips tensors and metadata with an 8-byte-aligned header', () => {
    const a = Float32Array.of(1, -2.5, 3e-8, Infinity);
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [2, 2], data: a } }, { format: 'pt' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const st = parseSafetensors(bytes);
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(tensorToF32(st.tensors.get('a')!, 'a')).toEqual(a);
  });

  it('rejects truncated files, bad headers and overlapping tensors with SaeError', () => {
    const bytes = encodeSafetensors({
      a: { dtype: 'F32', shape: [4], data: new Float32Array(4) },
      b: { dtype: 'F32', shape: [2], data: new Float32Array(2) },
    });
    expect(() => parseSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(/past the end|trailing|truncated/);
    expect(() => parseSafetensors(bytes.subarray(0, 5))).toThrow(SaeError);
    const bad = bytes.slice();
    new DataView(bad.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => parseSafetensors(bad)).toThrow(/header length/);
    const header = JSON.stringify({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    });
    const overlap = new Uint8Array(8 + header.length + 12);
    new DataView(overlap.buffer).setBigUint64(0, BigInt(header.length), true);
    overlap.set(new TextEncoder().encode(header), 8);
    expect(() => parseSafetensors(overlap)).toThrow(/overlapping|non-contiguous/);
  });
});
