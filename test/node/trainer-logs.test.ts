// The trainer in a CI log: the real bin script as a child process, stdout and stderr pipes. extract,
// mine and evaluate (metaphor sets) print periodic plain progress lines (never bars), and mine with
// nothing to propose exits 1 with one line saying why and what to change. The detector is the real USE-lite one; the SAE is a
// seeded random JumpReLU SAE (mining's verdict needs no trained SAE: the outcomes carry no signal).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveSae } from '../../offline-training/sae/format.ts';
import { testRand } from '../helpers/make-cache.ts';
import { buildUseLiteArgs } from '../helpers/use-lite-args.ts';

const THINGS = ['apples', 'marbles', 'books', 'stickers', 'coins', 'shells'];
// Progress lines as util/progress.ts writes them off a terminal.
const LINE = /^[a-z: ]+: \d+(\/\d+ \(\d+\.\d%\))?, [\d.]+\/s(, ETA (\d+|\?) s)?$/;

function train(args: string[]) {
  return spawnSync(process.execPath, ['bin/gloss-train.mjs', ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GLOSS_PROGRESS_MS: '1' },
  });
}

let dir: string;
const det = () => join(dir, 'det');
const texts = () => join(dir, 'texts.jsonl');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gloss-logs-'));
  const r = train(buildUseLiteArgs(det()));
  expect(r.status, r.stderr).toBe(0);
  // 60 word problems; every outcome correct, so no latent can go with failures.
  const rows = Array.from({ length: 60 }, (_, i) => ({
    id: `p:${i}`,
    prompt: `Ana has ${i + 3} ${THINGS[i % 6]} and buys ${(i % 7) + 2} more each day for ${(i % 5) + 1} days. How many ${THINGS[i % 6]} does she have?`,
    task: 'gsm8k',
    gold: '1',
    outcomes: [{ model: 'm', correct: true, answer: '1' }],
  }));
  writeFileSync(join(dir, 'outcomes.jsonl'), rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
  writeFileSync(texts(), rows.map((x) => JSON.stringify({ text: x.prompt })).join('\n') + '\n');
  const rand = testRand(5);
  const [d, m] = [512, 32];
  const f = (n: number, s: number) => Float32Array.from({ length: n }, () => rand.normal() * s);
  await saveSae(join(dir, 'sae'), {
    architecture: 'jumprelu',
    d_in: d,
    d_sae: m,
    applyBDecToInput: false,
    W_enc: f(d * m, 0.05),
    W_dec: f(m * d, 0.05),
    b_enc: new Float32Array(m),
    b_dec: new Float32Array(d),
    threshold: new Float32Array(m).fill(0.01),
    cfg: { metadata: { model_name: 'use-lite', hook_name: 'blocks.1.hook_resid_post' } },
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('trainer steps with stdout and stderr piped', () => {
  it('extract prints plain progress lines as it goes', () => {
    const r = train(['extract', '--detector', det(), '--data', texts(), '--out', join(dir, 'acts')]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2); // with a 1 ms interval: some as it goes, one at the end
    for (const l of lines) expect(l).toMatch(/^extract: \d+\/60 \(\d+\.\d%\), [\d.]+\/s, ETA (\d+|\?) s$/);
    expect(lines.at(-1)).toMatch(/^extract: 60\/60 \(100\.0%\)/);
    expect(r.stderr).not.toContain(String.fromCharCode(27)); // no cursor control
  });

  it('evaluate with the metaphor sets prints plain progress lines over the sentences it runs', () => {
    // VUA's CSV layout: the verb is word verb_idx of the space-separated sentence.
    const csv = (seed: number) =>
      'text_idx,sentence_idx,verb,sentence,verb_idx,label\n' +
      Array.from({ length: 40 }, (_, i) => {
        const [verb, obj] = (i + seed) % 2 ? ['grasped', 'the idea'] : ['grasped', 'the rope'];
        return `t,${i},grasp,${THINGS[i % 6]} aside she ${verb} ${obj} at noon .,3,${(i + seed) % 2}`;
      }).join('\n') +
      '\n';
    const files = ['train', 'val', 'test'].map((name, i) => {
      const f = join(dir, `vua-${name}.csv`);
      writeFileSync(f, csv(i));
      return f;
    });
    const r = train([
      'evaluate',
      ...['--detector', det(), '--sae', join(dir, 'sae'), '--out', join(dir, 'eval')],
      ...['--vua-train', files[0], '--vua-val', files[1], '--vua-test', files[2]],
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toMatch(/^metaphor: \d+\/120 \(\d+\.\d%\), [\d.]+\/s, ETA (\d+|\?) s$/);
    expect(lines.at(-1)).toMatch(/^metaphor: 120\/120 \(100\.0%\)/);
  });

  it('mine with no candidates prints progress, then exits 1 with one line saying why and what to change', () => {
    const out = join(dir, 'mine');
    const r = train([
      'mine',
      ...['--detector', det(), '--sae', join(dir, 'sae'), '--outcomes', join(dir, 'outcomes.jsonl')],
      ...['--target', 'm', '--out', out],
    ]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    const progress = lines.filter((l) => LINE.test(l));
    expect(progress.some((l) => /^mine: \d+\/60 /.test(l))).toBe(true);
    expect(progress.some((l) => l.startsWith('contexts: '))).toBe(true);
    const rest = lines.filter((l) => !LINE.test(l));
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatch(
      /^gloss-train: no candidates: none of \d+ latents has length-controlled q <= 0\.1 on \d+ prompts/,
    );
    expect(rest[0]).toMatch(/--outcomes/);
    expect(rest[0]).toMatch(/--features/);
    expect(existsSync(join(out, 'candidates.json'))).toBe(true); // the nearest, for a person to read
  });
});
