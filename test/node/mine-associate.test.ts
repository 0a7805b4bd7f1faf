// Known-answer mining: a planted latent that causes failures comes out on top with a small
// q-value; a latent that only tracks prompt length is not promoted once length is controlled.
import { describe, it, expect } from 'vitest';
import { associate, type PromptSummary } from '../../offline-training/mine/associate.ts';
import { isHeldOut } from '../../offline-training/data/splits.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('associate', () => {
  it('finds the planted cause and does not promote a length-only latent', () => {
    const r = rng(7);
    const m = 40;
    const n = 600;
    const prompts: PromptSummary[] = [];
    const failed: boolean[] = [];
    for (let i = 0; i < n; i++) {
      const length = 20 + Math.floor(r() * 100);
      const max = new Float32Array(m);
      const count = new Uint16Array(m);
      for (let j = 0; j < m; j++)
        if (r() < 0.2) {
          max[j] = 0.5 + r();
          count[j] = 1;
        }
      // Latent 7 fires on long prompts only (a length tracker).
      max[7] = length > 70 ? 1 : 0;
      // Latent 13 is the planted cause: when it fires, failure is far more likely.
      const cause = r() < 0.25;
      max[13] = cause ? 1.2 : 0;
      // Failure depends on length (strongly) and on the cause; nothing else.
      const pFail = 0.15 + 0.5 * ((length - 20) / 100) + (cause ? 0.3 : 0);
      failed.push(r() < Math.min(0.95, pFail));
      prompts.push({ id: `p${i}`, length, max, count });
    }
    const res = associate(prompts, failed);
    expect(res[0].feature).toBe(13);
    expect(res[0].mhQ).toBeLessThan(1e-3);
    expect(res[0].lift).toBeGreaterThan(1.2);
    expect(res[0].aucGainOverLength).toBeGreaterThan(0.02);
    const len = res.find((f) => f.feature === 7)!;
    // Raw association is strong (long prompts fail more) ...
    expect(len.q).toBeLessThan(1e-3);
    // ... but within length strata it is not promoted.
    expect(len.mhQ).toBeGreaterThan(0.05);
    expect(res.findIndex((f) => f.feature === 7)).toBeGreaterThan(0);
    const noise = res.filter((f) => f.feature !== 13 && f.feature !== 7);
    expect(noise.every((f) => f.mhQ > 0.01)).toBe(true);
  });

  it('splits prompts deterministically by id', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `gsm8k-test:${i}`);
    const held = ids.filter((id) => isHeldOut(id, 0.3));
    expect(held.length / ids.length).toBeGreaterThan(0.26);
    expect(held.length / ids.length).toBeLessThan(0.34);
    expect(ids.filter((id) => isHeldOut(id, 0.3))).toEqual(held);
    expect(ids.filter((id) => isHeldOut(id, 0.3, 1))).not.toEqual(held);
  });

  it('refuses mismatched inputs', () => {
    expect(() => associate([], [])).toThrow(/no prompts/);
    expect(() => associate([{ id: 'a', length: 1, max: new Float32Array(1), count: new Uint16Array(1) }], [])).toThrow(
      /1 prompts but 0 labels/,
    );
  });
});
