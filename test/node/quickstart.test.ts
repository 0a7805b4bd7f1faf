// gloss-train quickstart as a newcomer runs it (README "Train your own bundle"): the real bin script
// as a child process with stdout and stderr piped, on the shared data, then the bundle it leaves served
// by the real `gloss serve` on loopback. The tiny preset (about 30 s here; the default small preset
// took 130 s alone on this 2-core machine, over 3 min beside other jobs): same steps, fewer texts.
// Needs ../shared (GLOSS_SHARED).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SHARED = resolve(process.env.GLOSS_SHARED ?? '../shared');
const HAVE_SHARED = existsSync(join(SHARED, 'data/gsm8k/test_outcomes.jsonl'));
if (!HAVE_SHARED) console.warn(`quickstart.test: skipped, ${SHARED}/data not found (set GLOSS_SHARED)`);

/** Runs `node bin args`, collecting stdout and stderr; resolves with the exit code. */
function runBin(bin: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const p = spawn(process.execPath, [bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** `gloss serve --bundle dir` on an ephemeral loopback port; resolves with its URL and a stop(). */
function serve(bundle: string) {
  const p = spawn(process.execPath, ['bin/gloss.mjs', 'serve', '--bundle', bundle, '--port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  const url = new Promise<string>((done, fail) => {
    const t = setTimeout(() => fail(new Error(`gloss serve printed no start line: ${err}`)), 120_000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = /explorer at (http:\/\/127\.0\.0\.1:\d+)\/ui\//.exec(out);
      if (m) {
        clearTimeout(t);
        done(m[1]);
      }
    });
  });
  const stop = () => new Promise<void>((done) => (p.on('close', () => done()), p.kill('SIGTERM')));
  return { url, stop };
}

async function rewrite(url: string, prompt: string) {
  const res = await fetch(`${url}/v1/rewrite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { status: string; prompt: string; rules: string[] };
  return { body, rules: res.headers.get('x-gloss-rules') ?? '' };
}

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_SHARED)('gloss-train quickstart', () => {
  it(
    'trains a bundle step by step that gloss serve serves and that glosses a rate trap',
    { timeout: 900_000 },
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'gloss-quickstart-'));
      const out = join(dir, 'bundle');
      const r = await runBin(
        'bin/gloss-train.mjs',
        ['quickstart', '--out', out, '--shared', SHARED, '--preset', 'tiny'],
        {
          GLOSS_PROGRESS_MS: '2000',
        },
      );
      expect(r.code, r.stderr).toBe(0);
      // One line per step, in order, each saying what it did, where and how long it took.
      const steps = r.stdout.split('\n').filter((l) => l.startsWith('quickstart ['));
      expect(steps.map((l) => /^quickstart \[\d\/7\] (\w+): /.exec(l)?.[1])).toEqual([
        'detector',
        'extract',
        'sae',
        'mine',
        'rules',
        'export',
        'report',
      ]);
      for (const l of steps) expect(l).toMatch(/ \(\d+\.\d s\)$/);
      expect(steps[4]).toMatch(/construction rules behind the gate, \d+ on \(.*rate.*\)/);
      expect(r.stdout.trim().split('\n').at(-1)).toMatch(
        new RegExp(`^gloss-train: trained ${out} in \\d+ s; serve it with: gloss serve --bundle ${out}$`),
      );
      // Off a terminal, progress comes as plain lines (no bars, no cursor control).
      expect(r.stderr).toMatch(/^sae: \d+\/\d+ \(\d+\.\d%\), [\d.]+\/s, ETA (\d+|\?) s$/m);
      expect(r.stderr).not.toContain(String.fromCharCode(27));
      expect(existsSync(join(out, 'report.html'))).toBe(true);

      const server = serve(out);
      try {
        const url = await server.url;
        const trap = 'A train travels at 45 miles per hour for 3 hours. How many miles does it travel?';
        const glossed = await rewrite(url, trap);
        expect(glossed.body.status).toBe('rewritten');
        expect(glossed.rules).toContain('construction-rate');
        expect(glossed.body.prompt.length).toBeGreaterThan(trap.length);
        expect(glossed.body.prompt).toContain('45 miles per hour');
        const plain = 'Write a short poem about the sea at night.';
        const unchanged = await rewrite(url, plain);
        expect(unchanged.body.status).toBe('unchanged');
        expect(unchanged.body.prompt).toBe(plain);
      } finally {
        await server.stop();
      }
    },
  );
});
