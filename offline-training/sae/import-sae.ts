// An SAE a library trained (EleutherAI sparsify's SparseCoder.save_to_disk, or SAELens's
// save_model / save_inference_model) made into the folder `gloss-train sae` writes, so mine and
// export take it: the SAE in SAELens layout and, under jumprelu/, the per-latent-threshold version
// the bundle head runs (a TopK SAE's thresholds calibrated on the cache as the trainer calibrates
// its own; a JumpReLU SAE keeps its thresholds; a ReLU SAE is JumpReLU at threshold 0). import.json
// records where it came from and its held-out figures on the cache.
import { join } from 'node:path';
import { CacheError, openCache } from '../activations/cache-reader.ts';
import { SaeError } from './errors.ts';
import { atomicWrite, loadSae, saveSae } from './format.ts';
import { calibrateJumpRelu, jumpReluAgreement, toJumpRelu, type JumpReluAgreement } from './jumprelu.ts';
import { evaluateSae, saeRunner, type EvalResult } from './metrics.ts';
import type { Sae } from './model.ts';

/** What to import, the cache it is checked and calibrated on, and where it goes. */
export interface ImportSaeOptions {
  /** The library's SAE folder (cfg.json + sae_weights.safetensors, or sparsify's cfg.json + sae.safetensors). */
  sae: string;
  /** Activation cache of the same hook (d must match the SAE's d_in). */
  cache: string;
  out: string;
  /** Training rows for the TopK SAE's JumpReLU calibration (default 16384). */
  calibrationRows?: number;
  /** Held-out rows for the figures (default 32768). */
  evalRows?: number;
  log?: (msg: string) => void;
}

/** import.json: the source, the architecture, and the figures on the cache's held-out rows. */
export interface ImportReport {
  version: 1;
  source: { dir: string; library: 'sparsify' | 'sae_lens' | 'gloss'; architecture: Sae['architecture'] };
  sae: { d_in: number; d_sae: number; k: number | null };
  /** TopK SAEs only (the held-out FVU of the SAE as the library encodes it). */
  held_out: Omit<EvalResult, 'fireCounts'> | null;
  jumprelu: (JumpReluAgreement & { calibration_rows: number }) | { thresholds: 'from the library' | 'zero (ReLU)' };
}

/** Which library wrote the folder, from the cfg it left. */
function libraryOf(sae: Sae): ImportReport['source']['library'] {
  const meta = (sae.cfg?.metadata ?? {}) as Record<string, unknown>;
  if (meta.imported_from === 'sparsify') return 'sparsify';
  if (sae.cfg?.gloss) return 'gloss';
  return 'sae_lens';
}

/** Imports the folder into `out` (SAE + jumprelu/ + import.json); throws SaeError on a mismatch. */
export async function importSae(o: ImportSaeOptions): Promise<ImportReport> {
  const log = o.log ?? (() => undefined);
  const cache = await openCache(o.cache).catch((e: unknown) => {
    throw e instanceof CacheError ? new SaeError(e.message) : e;
  });
  const sae = await loadSae(o.sae, { dIn: cache.d });
  const library = libraryOf(sae);
  log(`${o.sae}: ${library} ${sae.architecture} SAE, d_in=${sae.d_in}, d_sae=${sae.d_sae}`);
  const heldOut = cache.heldOutRows > 0;
  const evalRows = await cache.sample(o.evalRows ?? 32768, { heldOut });
  let jumprelu: Sae;
  let report: ImportReport['jumprelu'];
  let held: ImportReport['held_out'] = null;
  if (sae.architecture === 'topk') {
    const runner = await saeRunner(sae, { log });
    try {
      const { fireCounts: _f, ...ev } = await evaluateSae(sae, evalRows, { runner });
      held = ev;
      const cal = await cache.sample(o.calibrationRows ?? 16384);
      log(`calibrating JumpReLU thresholds on ${cal.length / sae.d_in} training rows`);
      jumprelu = toJumpRelu(sae, await calibrateJumpRelu(sae, cal, { runner }));
      report = {
        ...(await jumpReluAgreement(sae, jumprelu, evalRows, { runner })),
        calibration_rows: cal.length / sae.d_in,
      };
    } finally {
      await runner.release();
    }
  } else if (sae.architecture === 'jumprelu') {
    jumprelu = sae;
    report = { thresholds: 'from the library' };
  } else {
    jumprelu = toJumpRelu(sae, new Float32Array(sae.d_sae));
    report = { thresholds: 'zero (ReLU)' };
  }
  const cfg = { ...sae.cfg, gloss: { version: 1, imported_from: { dir: o.sae, library } } };
  await saveSae(o.out, { ...sae, cfg });
  await saveSae(join(o.out, 'jumprelu'), { ...jumprelu, cfg });
  const out: ImportReport = {
    version: 1,
    source: { dir: o.sae, library, architecture: sae.architecture },
    sae: { d_in: sae.d_in, d_sae: sae.d_sae, k: sae.k ?? null },
    held_out: held,
    jumprelu: report,
  };
  // JSON has no Infinity: a never-on latent's figures are written as null.
  const json = JSON.stringify(out, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  await atomicWrite(join(o.out, 'import.json'), json + '\n');
  return out;
}
