// Operator basics of both command lines, run as a user runs them: the real bin scripts as child
// processes, stdout/stderr as pipes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
