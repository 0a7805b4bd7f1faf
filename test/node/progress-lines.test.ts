// Trainer progress in logs: with stderr a pipe (as in CI), offline-training/util/progress.ts prints
// one plain line every interval instead of drawing bars. A child process, so stderr really is a pipe.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const SCRIPT = `
import { progressBar } from './offline-training/util/progress.ts';
const bar = progressBar('metaphor [{bar}] {value}/{total} sentences | eta {eta_formatted}');
bar.start(40, 0);
for (let i = 1; i <= 40; i++) {
  await new Promise((r) => setTimeout(r, 10));
  bar.update(i);
}
bar.stop();
`;

describe('progress off a terminal', () => {
  it('prints `<step>: n/total (pct%), rate/s, ETA s` lines, no bar, when stderr is a pipe', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GLOSS_PROGRESS_MS: '100' },
    });
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2); // some during the ~400 ms run, one at the end
    for (const l of lines) expect(l).toMatch(/^metaphor: \d+\/40 \(\d+\.\d%\), [\d.]+\/s, ETA (\d+|\?) s$/);
    expect(lines.at(-1)).toMatch(/^metaphor: 40\/40 \(100\.0%\)/);
    expect(r.stderr).not.toMatch(/[█░]/); // no bar characters
    expect(r.stderr).not.toContain(String.fromCharCode(27)); // no cursor control
  });
});
