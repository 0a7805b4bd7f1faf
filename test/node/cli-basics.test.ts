// Operator basics of both command lines, run as a user runs them: the real bin scripts as child
// processes, stdout/stderr as pipes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

function run(bin: string, args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
}

describe('--version', () => {
  for (const bin of ['bin/gloss.mjs', 'bin/gloss-train.mjs'])
    it(`${bin} --version prints package.json's version and exits 0`, () => {
      const r = run(bin, ['--version']);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
      expect(r.stderr).toBe('');
    });
});

describe('gloss-train rules with nothing to write', () => {
  it('exits 1 with one line saying why and what to change, and writes no rules.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gloss-rules-'));
    try {
      const candidates = join(dir, 'candidates.json');
      writeFileSync(
        candidates,
        JSON.stringify({
          candidates: [
            { feature: 1, mhQ: 0.6, lor: 0.2 },
            { feature: 2, mhQ: 0.01, lor: -1 },
          ],
        }),
      );
      const out = join(dir, 'rules.json');
      const r = run('bin/gloss-train.mjs', ['rules', '--candidates', candidates, '--out', out]);
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^gloss-train: nothing to write: none of the 2 candidates .* q <= 0\.1/);
      expect(lines[0]).toMatch(/--max-q/);
      expect(lines[0]).toMatch(/--features/);
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gloss pack-worker and the Node it needs', () => {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const old = major < 22 || (major === 22 && minor < 12);
  it(`on this Node (${process.versions.node}) ${old ? 'exits 1 with one line naming Node >= 22.12' : 'passes the Node check'}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'gloss-pack-'));
    try {
      const r = run('bin/gloss.mjs', ['pack-worker', '--out', join(dir, 'out')]);
      if (old) {
        expect(r.status).toBe(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          /^gloss: the Worker tooling \(wrangler, miniflare\) needs Node >= 22\.12\.0, this is Node /,
        );
      } else expect(r.stderr).not.toMatch(/needs Node/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
