// Gloss and the field's libraries read each other's SAEs, checked with the real libraries in the
// venv (`gloss-train setup-torch`), on real activations (stories260K after block 3, GSM8K questions):
// - SAELens's SAE.load_from_disk loads the folder `gloss-train sae` writes (TopK and jumprelu/),
//   picks TopKSAE / JumpReLUSAE, and encodes as Gloss encodes;
// - an SAE SAELens trained (its own SAETrainer, saved with save_inference_model) and the folder
//   sparsify saved (SparseCoder.save_to_disk, from `--engine torch`) import with
//   `gloss-train import-sae`, encode as the library does, and `gloss-train export` puts the
//   imported SAE's latents into a bundle's head.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../offline-training/cli.ts';
import { openCache } from '../../offline-training/activations/cache-reader.ts';
import { encode, loadSae, type Sae } from '../../offline-training/sae/index.ts';
import { encodeSafetensors, parseSafetensors, tensorToF32 } from '../../offline-training/sae/safetensors.ts';
import { haveStories, storiesCache } from '../helpers/stories-cache.ts';
import { haveTorch, runPython } from '../helpers/torch-env.ts';

const ok = haveTorch('torch-saelens');
const haveShared = haveStories;
if (!haveShared) console.warn('torch-saelens: ../shared absent, skipping');
const HELPER = join(import.meta.dirname, '..', 'helpers', 'library_saes.py');

let dir: string;
let det: string;
let cache: string;
let X: Float32Array;
let d: number;
beforeAll(async () => {
  if (!ok || !haveShared) return;
  dir = await mkdtemp(join(tmpdir(), 'gloss-torch-saelens-'));
  ({ det, cache } = await storiesCache(dir, 40));
  const c = await openCache(cache);
  d = c.d;
  X = await c.sample(512, { heldOut: true });
});

/** Runs gloss-train quietly; returns the exit code and what it printed on stderr. */
async function cli(argv: string[]): Promise<{ code: number; errors: string[] }> {
  const errors: string[] = [];
  const [err, log] = [console.error, console.log];
  console.error = (m: unknown) => errors.push(String(m));
  console.log = () => {};
  try {
    return { code: await main(argv), errors };
  } finally {
    [console.error, console.log] = [err, log];
  }
}

/** SAELens's encode of X with the SAE in `sae` (SAE.load_from_disk): dense codes [n, d_sae] and its class. */
async function saelensEncode(sae: string): Promise<{ codes: Float32Array; cls: string; architecture: string }> {
  const xPath = join(dir, 'x.safetensors');
  const out = join(dir, 'codes.safetensors');
  await writeFile(xPath, encodeSafetensors({ x: { dtype: 'F32', shape: [X.length / d, d], data: X } }));
  const info = JSON.parse(
    (await runPython([HELPER, 'saelens-encode', '--sae', sae, '--x', xPath, '--out', out])).trim().split('\n').pop()!,
  ) as { class: string; architecture: string };
  const file = parseSafetensors(new Uint8Array(await readFile(out)));
  return { codes: tensorToF32(file.tensors.get('codes')!, 'codes'), cls: info.class, architecture: info.architecture };
}

/** Rows whose Gloss codes differ from the library's dense codes by more than 1e-3 of the row's largest code. */
function mismatchedRows(sae: Sae, lib: Float32Array): number {
  const g = encode(sae, X);
  const m = sae.d_sae;
  let bad = 0;
  for (let r = 0; r < g.rows; r++) {
    const dense = new Float32Array(m);
    for (let p = g.ptr[r]; p < g.ptr[r + 1]; p++) dense[g.idx[p]] = g.val[p];
    let big = 1e-6;
    let diff = 0;
    for (let j = 0; j < m; j++) {
      big = Math.max(big, Math.abs(lib[r * m + j]));
      diff = Math.max(diff, Math.abs(dense[j] - lib[r * m + j]));
    }
    if (diff > 1e-3 * big) bad++;
  }
  return bad;
}

describe.skipIf(!ok || !haveShared)('SAELens and sparsify interoperability (real libraries)', () => {
  it("SAELens's SAE.load_from_disk loads gloss-train sae's folder (TopK and JumpReLU) and encodes as Gloss does", async () => {
    const out = join(dir, 'gloss-sae');
    const args = ['--cache', cache, '--out', out, '--width', '256', '--k', '8', '--batch', '128', '--steps', '60'];
    expect((await cli(['sae', ...args, '--engine', 'ts', '--threads', '1'])).code).toBe(0);
    for (const [folder, cls] of [
      [out, 'TopKSAE'],
      [join(out, 'jumprelu'), 'JumpReLUSAE'],
    ] as const) {
      const lib = await saelensEncode(folder);
      expect(lib.cls).toBe(cls);
      const sae = await loadSae(folder);
      expect(mismatchedRows(sae, lib.codes)).toBeLessThanOrEqual(2); // of 512: a near-tie may flip
    }
  }, 600_000); // real training in Python: generous under a loaded CI machine

  it('an SAE SAELens trained imports with import-sae, encodes as SAELens does, and exports into a bundle', async () => {
    const lib = join(dir, 'saelens-trained');
    await runPython(
      [
        HELPER,
        'saelens-train',
        '--cache',
        cache,
        '--out',
        lib,
        '--d-sae',
        '128',
        '--k',
        '8',
        '--steps',
        '150',
        '--batch',
        '128',
        '--lr',
        '3e-3',
      ],
      {
        TQDM_DISABLE: '1',
      },
    );
    const cfg = JSON.parse(await readFile(join(lib, 'cfg.json'), 'utf8')) as Record<string, unknown>;
    expect(cfg.rescale_acts_by_decoder_norm).toBe(true); // SAELens's TopK default, folded on load
    const theirs = await saelensEncode(lib);
    expect(theirs.cls).toBe('TopKSAE');
    expect(mismatchedRows(await loadSae(lib), theirs.codes)).toBeLessThanOrEqual(2);

    const imported = join(dir, 'imported');
    const r = await cli(['import-sae', '--sae', lib, '--cache', cache, '--out', imported]);
    expect(r.code, r.errors.join('\n')).toBe(0);
    const report = JSON.parse(await readFile(join(imported, 'import.json'), 'utf8')) as {
      source: { library: string };
      held_out: { fvu: number };
      jumprelu: { f1: number };
    };
    expect(report.source.library).toBe('sae_lens');
    expect(report.held_out.fvu).toBeLessThan(0.6); // SAELens itself measures about 0.26 here
    expect(report.jumprelu.f1).toBeGreaterThan(0.8);
    // The imported folder is the library's SAE, SAELens still loads it, and the codes agree.
    expect(mismatchedRows(await loadSae(imported), theirs.codes)).toBeLessThanOrEqual(2);
    expect((await saelensEncode(join(imported, 'jumprelu'))).cls).toBe('JumpReLUSAE');

    // The latent that fires most often drives a reviewed rule; export writes it into the head.
    const g = encode(await loadSae(imported), X);
    const counts = new Map<number, number>();
    for (const j of g.idx) counts.set(j, (counts.get(j) ?? 0) + 1);
    const feature = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const rules = join(dir, 'rules.json');
    const evidence = { support: 40, lift: 2.5, q_value: 0.01, heldout_auc: 0.71, datasets: ['gsm8k'] };
    const rule = { id: 'lib-latent', feature, threshold: 0.5, scope: 'span', placement: 'after-span', priority: 0 };
    await writeFile(
      rules,
      JSON.stringify({ version: 1, rules: [{ ...rule, gloss: 'about {span}', label: 'library latent', evidence }] }),
    );
    const bundle = join(dir, 'bundle');
    const parts = join(dir, 'parts');
    const e = await cli([
      'export',
      '--detector',
      det,
      '--sae',
      join(imported, 'jumprelu'),
      '--rules',
      rules,
      '--out',
      bundle,
      '--trained-out',
      parts,
    ]);
    expect(e.code, e.errors.join('\n')).toBe(0);
    const head = parseSafetensors(new Uint8Array(await readFile(join(parts, 'head.safetensors'))));
    const wEnc = tensorToF32(head.tensors.get('W_enc')!, 'W_enc');
    const sae = await loadSae(join(imported, 'jumprelu'));
    const F = wEnc.length / d;
    const col = JSON.parse(head.metadata!.features) as number[];
    const c = col.indexOf(feature);
    expect(c).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < d; i++) expect(wEnc[i * F + c]).toBeCloseTo(sae.W_enc[i * sae.d_sae + feature], 6);
  }, 600_000); // real training in Python: generous under a loaded CI machine

  it("the folder sparsify saved (SparseCoder.save_to_disk, --engine torch) imports and encodes as Gloss's own", async () => {
    const out = join(dir, 'torch-sae');
    const args = ['--cache', cache, '--out', out, '--width', '256', '--k', '8', '--batch', '128', '--steps', '40'];
    const t = await cli(['sae', ...args, '--engine', 'torch', '--threads', '1', '--calibration-rows', '0']);
    expect(t.code, t.errors.join('\n')).toBe(0);
    const imported = join(dir, 'imported-sparsify');
    const r = await cli(['import-sae', '--sae', join(out, 'torch', 'sparsify'), '--cache', cache, '--out', imported]);
    expect(r.code, r.errors.join('\n')).toBe(0);
    const report = JSON.parse(await readFile(join(imported, 'import.json'), 'utf8')) as { source: { library: string } };
    expect(report.source.library).toBe('sparsify');
    const gloss = await loadSae(out);
    const dense = (s: Sae) => {
      const c = encode(s, X);
      const a = new Float32Array(c.rows * s.d_sae);
      for (let row = 0; row < c.rows; row++)
        for (let p = c.ptr[row]; p < c.ptr[row + 1]; p++) a[row * s.d_sae + c.idx[p]] = c.val[p];
      return a;
    };
    expect(mismatchedRows(await loadSae(imported), dense(gloss))).toBeLessThanOrEqual(2);
  }, 600_000); // real training in Python: generous under a loaded CI machine
});
