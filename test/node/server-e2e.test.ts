// The real Node server over HTTP on loopback, and the `gloss` CLI as a process: it serves, stops
// cleanly on SIGTERM, and turns a missing bundle or a bad flag into one line on stderr and exit 1.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeKnownBundle } from '../helpers/known-bundle.ts';
import { startServer, type RunningServer } from '../../src/runtime/node/server.ts';

const BIN = resolve('bin/gloss.mjs');
let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-e2e-'));
  bundle = join(dir, 'b');
  await writeKnownBundle(bundle);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `gloss serve ...` as a process; resolves with the URL of its start line and what it printed. */
function serveCli(args: string[], cwd?: string) {
  const p = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd,
  });
  const out = { stdout: '', stderr: '' };
  p.stderr.on('data', (d) => (out.stderr += d));
  const url = new Promise<string>((done, fail) => {
    const t = setTimeout(() => fail(new Error(`no listening line: ${out.stderr}`)), 60_000);
    p.stdout.on('data', (d) => {
      out.stdout += d;
      const m = /explorer at (http:\/\/127\.0\.0\.1:\d+)\/ui\//.exec(out.stdout); // the last start line
      if (m) {
        clearTimeout(t);
        done(m[1]);
      }
    });
  });
  const stop = () =>
    new Promise<number | null>((done) => {
      p.on('close', done);
      p.kill('SIGTERM');
    });
  return { p, out, url, stop };
}

function runCli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      fail(new Error(`gloss ${args.join(' ')} did not exit: ${stderr}`));
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      done({ code, stdout, stderr });
    });
  });
}

describe('Node server over HTTP', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ bundle, port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers /v1/rewrite on an ephemeral loopback port', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`${server.url}/v1/rewrite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'she sold half as many clips' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gloss-status')).toBe('rewritten');
    expect(res.headers.get('x-gloss-rules')).toBe('half-as-much');
    const body = (await res.json()) as { prompt: string; backend: string };
    expect(body.prompt).toBe(
      'she sold half ⟦gloss: "half" means one half of the amount mentioned before⟧ as many clips',
    );
    expect(body.backend).toBe('onnxruntime-node');
    // The engine was loaded before the port opened.
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({
      ok: true,
      ready: true,
      bundle: 'known-answer',
    });
  });

  it('rejects an oversized body over a real socket with 413', async () => {
    const res = await fetch(`${server.url}/v1/rewrite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'half '.repeat(300_000) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('payload_too_large');
  });

  it('refuses a bundle that does not load, before listening', async () => {
    await expect(startServer({ bundle: join(dir, 'nothing-here'), port: 0 })).rejects.toThrow(/no manifest\.json/);
  });

  it('close() stops the listener', async () => {
    const s = await startServer({ bundle, port: 0 });
    await s.close();
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });
});

describe('gloss CLI', () => {
  it('exits 1 with one line for a missing bundle', async () => {
    const r = await runCli(['serve', '--bundle', join(dir, 'missing'), '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([`gloss: bundle folder ${join(dir, 'missing')} does not exist`]);
    expect(r.stdout).toBe('');
  });

  it('exits 1 with one line for bad flags and a broken bundle', async () => {
    const [port, unknown, broken] = await Promise.all([
      runCli(['serve', '--bundle', bundle, '--port', '70000']),
      runCli(['serve', '--prot', '1']),
      runCli(['serve', '--bundle', dir, '--port', '0']), // a folder without manifest.json
    ]);
    for (const r of [port, unknown, broken]) {
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^gloss: /);
    }
    expect(port.stderr).toMatch(/--port.*70000.*must be an integer from 0 to 65535/);
    expect(unknown.stderr).toMatch(/unknown option '--prot'/);
    expect(broken.stderr).toMatch(/no manifest\.json/);
  });

  it('serves, then stops cleanly on SIGTERM', async () => {
    const p = spawn(process.execPath, [BIN, 'serve', '--bundle', bundle, '--port', '0', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const url = await new Promise<string>((done, fail) => {
      const t = setTimeout(() => fail(new Error(`no listening line: ${stderr}`)), 60_000);
      p.stdout.on('data', (d) => {
        stdout += d;
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) {
          clearTimeout(t);
          done(m[1]);
        }
      });
    });
    expect(stdout).toMatch(/gloss: serving bundle known-answer \(use-lite, 3 rules\) with onnxruntime-node on /);
    const res = await fetch(`${url}/v1/rewrite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"prompt":"tom has twice as many apples"}',
    });
    expect(res.headers.get('x-gloss-rules')).toBe('twice-as');
    const code = await new Promise<number | null>((done) => {
      p.on('close', done);
      p.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/SIGTERM: finishing requests in flight, then stopping/);
    expect(stderr).toBe('');
  });

  it('without --bundle serves the embedded default bundle from any folder; GET / says what it is', async () => {
    const srv = serveCli(['--no-proxy'], dir); // a folder with no models/ of its own
    const url = await srv.url;
    try {
      expect(srv.out.stdout).toMatch(/gloss: serving bundle default .* on http/);
      expect(srv.out.stdout).toContain(`gloss: explorer at ${url}/ui/`);
      const res = await fetch(`${url}/`);
      expect(res.status).toBe(200);
      const about = (await res.json()) as Record<string, unknown>;
      expect(about).toMatchObject({ name: '@gloss-lens/gloss', bundle: 'default', explorer: '/ui/' });
      expect(about.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(Object.keys(about.routes as object)).toEqual(
        expect.arrayContaining(['POST /v1/rewrite', 'POST /v1/explain', 'GET /v1/bundle', 'GET /ui/']),
      );
      expect((await fetch(`${url}/ui/`)).status).toBe(200);
    } finally {
      expect(await srv.stop()).toBe(0);
    }
  });
});
