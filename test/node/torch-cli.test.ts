// `gloss-train sae --engine torch` through the real command line: without the venv it exits 1 with
// one line naming `gloss-train setup-torch`; with it, on a planted-dictionary cache, it writes the
// folder the TypeScript engines write (cfg.json, sae_weights.safetensors, jumprelu/, metrics.json naming
// engine torch and its ranks), with held-out FVU within 0.02 of `--engine ts` on the same settings.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../offline-training/cli.ts';
import type { SaeMetricsReport } from '../../offline-training/sae/index.ts';
import { plantedDictionary, writeCache } from '../helpers/make-cache.ts';
import { haveTorch, oneMultiRankJobAtATime } from '../helpers/torch-env.ts';

const ok = haveTorch('torch-cli');

let dir: string;
let cache: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-torch-cli-'));
  cache = join(dir, 'cache');
  const p = plantedDictionary({ d: 32, atoms: 96, k: 4, n: 8192, seed: 3 });
  await writeCache(cache, [p.x], p.d);
});

/** Runs gloss-train with console.error captured; returns the exit code and the lines. */
async function cli(argv: string[]): Promise<{ code: number; errors: string[] }> {
  const errors: string[] = [];
  const orig = console.error;
  console.error = (m: unknown) => errors.push(String(m));
  try {
    return { code: await main(argv), errors };
  } finally {
    console.error = orig;
  }
}

const savedVenv = process.env.GLOSS_TORCH_VENV;
afterEach(() => {
  if (savedVenv === undefined) delete process.env.GLOSS_TORCH_VENV;
  else process.env.GLOSS_TORCH_VENV = savedVenv;
});

describe('gloss-train sae --engine torch: bad set-ups', () => {
  it('without the venv: exit 1 and one line naming gloss-train setup-torch', async () => {
    process.env.GLOSS_TORCH_VENV = join(dir, 'no-venv');
    const r = await cli(['sae', '--cache', cache, '--out', join(dir, 'x'), '--engine', 'torch', '--steps', '5']);
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain('gloss-train setup-torch');
    expect(existsSync(join(dir, 'x', 'metrics.json'))).toBe(false);
  });

  it('a device the torch engine does not run on: exit 1, one line', async () => {
    const r = await cli(['sae', '--cache', cache, '--out', join(dir, 'z'), '--engine', 'torch', '--device', 'tpu']);
    expect(r.code).toBe(1);
    expect(r.errors).toEqual(['gloss-train: device "tpu": the torch engine runs on cpu or cuda (rank r takes GPU r)']);
  });

  it('--nproc above 1 on a TypeScript engine: exit 1, one line', async () => {
    const r = await cli(['sae', '--cache', cache, '--out', join(dir, 'y'), '--engine', 'ts', '--nproc', '2']);
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/nproc 2 needs engine torch/);
  });
});

describe('gloss-train setup-torch', () => {
  it('a Python that does not run: exit 1 and one line', async () => {
    const r = await cli(['setup-torch', '--venv', join(dir, 'venv-x'), '--python', join(dir, 'no-such-python')]);
    expect(r.code).toBe(1);
    expect(r.errors.filter((l) => l.startsWith('gloss-train:'))).toHaveLength(1);
    expect(r.errors.at(-1)).toMatch(/cannot run .*no-such-python/);
  });

  it.skipIf(!ok)('on the set-up venv: keeps it and says where, and what it cost on disk', async () => {
    const lines: string[] = [];
    const orig = console.log;
    console.log = (m: unknown) => lines.push(String(m));
    try {
      expect(await main(['setup-torch'])).toBe(0);
    } finally {
      console.log = orig;
    }
    expect(lines.join('\n')).toMatch(
      /PyTorch environment in .*: already up to date \([\d.]+ [GM]B on disk\); torch 2\./,
    );
  });
});

describe.skipIf(!ok)('gloss-train sae --engine torch: the same folder as the TypeScript engines', () => {
  it('2 gloo ranks on cpu: cfg.json, sae_weights.safetensors, jumprelu/, metrics.json; FVU within 0.02 of ts', async () => {
    const common = ['--cache', cache, '--width', '256', '--k', '8', '--batch', '256', '--steps', '120', '--seed', '1'];
    const outTs = join(dir, 'ts');
    const outTorch = join(dir, 'torch');
    expect((await cli(['sae', ...common, '--engine', 'ts', '--threads', '1', '--out', outTs])).code).toBe(0);
    const r = await oneMultiRankJobAtATime(() =>
      cli([
        'sae',
        ...common,
        '--engine',
        'torch',
        '--device',
        'cpu',
        '--nproc',
        '2',
        '--threads',
        '1',
        '--out',
        outTorch,
      ]),
    );
    expect(r.code, r.errors.join('\n')).toBe(0);
    for (const f of [
      'cfg.json',
      'sae_weights.safetensors',
      'jumprelu/cfg.json',
      'jumprelu/sae_weights.safetensors',
      'summary.txt',
    ])
      expect(existsSync(join(outTorch, f)), f).toBe(true);
    const read = async (d: string) => JSON.parse(await readFile(join(d, 'metrics.json'), 'utf8')) as SaeMetricsReport;
    const [ts, torch] = [await read(outTs), await read(outTorch)];
    expect(torch.training.engine).toBe('torch');
    expect(torch.training.ranks).toBe(2);
    expect(torch.training.device).toBe('cpu');
    expect(torch.training.tokens).toBe(ts.training.tokens);
    expect(torch.split).toEqual(ts.split);
    console.log(
      `torch-cli: held-out FVU torch (2 ranks) ${torch.held_out.fvu.toFixed(4)} vs ts ${ts.held_out.fvu.toFixed(4)} (mean-only ${ts.baselines.mean_fvu.toFixed(3)})`,
    );
    expect(Math.abs(torch.held_out.fvu - ts.held_out.fvu)).toBeLessThan(0.02);
    expect(torch.held_out.fvu).toBeLessThan(0.5 * torch.baselines.mean_fvu);
    expect(torch.jumprelu).not.toBeNull();
    expect(await readFile(join(outTorch, 'summary.txt'), 'utf8')).toMatch(
      /tokens\/s on cpu \(torch, 2 ranks x 1 thread\)/,
    );
  }, 600_000); // real training in Python: generous under a loaded CI machine
});
