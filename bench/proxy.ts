// The proxy's added latency: POST /v1/chat/completions through Gloss against the same request
// straight to the fake upstream, measured in one run with autocannon at 1, 50 and 200 concurrent
// connections, for a prompt no rule fires on (unchanged path) and one that gets glossed
// (rewritten path), with the detection cache off (every request runs the detector) and on (the
// same prompt again: a hit, as for the earlier turns of a conversation).
//
// The fake upstream and Gloss run in child processes of their own (this file, in server mode), so
// the load generator, Gloss and the upstream do not share an event loop; on a 2-core machine they
// still share the cores, which the higher concurrencies show. Cases are interleaved burst by burst
// (direct, then each proxied case) so drift hits all of them alike. Latencies are autocannon's
// per-request times at full precision (its own histogram rounds to whole milliseconds).
// Uses models/default when it exists, else the known-answer bundle (and says so).
//
// A peer in the same run: Portkey's AI gateway (`@portkey-ai/gateway`, Hono on @hono/node-server,
// no model) proxies the same requests to the same fake upstream (x-portkey-provider: openai,
// x-portkey-custom-host), so Gloss's throughput and p99 with detection on every request (cache
// off) stand beside a gateway that only forwards. BENCH_PROXY_CONNS=50 runs one concurrency.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median, p99 } from './lib/stats.ts';
import { printTable } from './lib/table.ts';

const SELF = fileURLToPath(import.meta.url);
const CONCURRENCY = process.env.BENCH_PROXY_CONNS ? process.env.BENCH_PROXY_CONNS.split(',').map(Number) : [1, 50, 200];
const PORTKEY = fileURLToPath(new URL('../node_modules/@portkey-ai/gateway/build/start-server.js', import.meta.url));
const UNCHANGED_DEFAULT =
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?';
// A rate trap: the default bundle glosses rate and percent (multiples are off by default).
const REWRITTEN_DEFAULT = 'A train travels at 45 miles per hour for 3 hours. How many miles does it travel?';
const UNCHANGED_KNOWN = 'How many apples did Tom sell altogether in April and May ?';
const REWRITTEN_KNOWN =
  'Natalia sold clips to 48 of her friends in April , and then she sold half as many clips in May .';

// ---- server mode (child processes) ----------------------------------------------------------

async function serveChild(kind: string): Promise<void> {
  if (kind === 'fake') {
    const { startFakeLlm } = await import('../test/helpers/fake-llm.ts');
    const fake = await startFakeLlm(() => ({
      content: 'She sold 72 clips altogether.',
      id: 'chatcmpl-bench',
      created: 1700000000,
      promptTokens: 40,
    }));
    process.send!({ url: fake.baseUrl });
  } else {
    const { startServer } = await import('../src/runtime/node/server.ts');
    const bundle = process.env.BENCH_BUNDLE!;
    const upstream = process.env.BENCH_UPSTREAM!;
    // Cache off with a budget no request reaches: detection really runs on every request (with
    // the default 50 ms budget, a loaded 2-core machine lets requests go on undetected instead).
    const off = await startServer({
      bundle,
      port: 0,
      proxy: { upstreams: { openai: upstream }, cacheEntries: 0, budgetMs: 60_000 },
    });
    const on = await startServer({ bundle, port: 0, proxy: { upstreams: { openai: upstream } } });
    process.send!({ cacheOff: off.url, cacheOn: on.url, detectMs: await detectMs(off.engine) });
  }
  process.on('disconnect', () => process.exit(0));
}

/** Median in-process detection time (engine.analyze) of each bench prompt, for the comparison. */
async function detectMs(engine: import('../src/core/engine/engine.ts').GlossEngine): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of [process.env.BENCH_UNCHANGED!, process.env.BENCH_REWRITTEN!]) {
    for (let i = 0; i < 20; i++) await engine.analyze(p);
    const t: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await engine.analyze(p);
      t.push(performance.now() - t0);
    }
    out[p] = median(t);
  }
  return out;
}

// ---- the bench ---------------------------------------------------------------------------------

/** A free loopback port (for Portkey, which takes --port and cannot pick one itself). */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Portkey's gateway in a child process; resolves with its /v1 URL once it answers. */
async function startPortkey(upstream: string): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const host = new URL(upstream).host;
  const proc = spawn(process.execPath, [PORTKEY, `--port=${port}`, '--headless'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TRUSTED_CUSTOM_HOSTS: `${host},127.0.0.1,localhost` },
  });
  proc.stdout!.resume();
  const url = `http://127.0.0.1:${port}/v1`;
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      (r) => r.arrayBuffer().then(() => true),
      () => false,
    );
    if (ok) return { proc, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('Portkey gateway did not start within 20 s');
}

function child(kind: string, env: Record<string, string>): Promise<{ proc: ChildProcess; msg: any }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, GLOSS_BENCH_PROXY_CHILD: kind, ...env },
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (msg) => resolve({ proc, msg }));
    proc.once('exit', (code) => reject(new Error(`bench child ${kind} exited with ${code}`)));
  });
}

function body(prompt: string): string {
  return JSON.stringify({
    model: 'bench-model',
    messages: [
      { role: 'system', content: 'Answer with a number.' },
      { role: 'user', content: prompt },
    ],
    temperature: 0,
  });
}

/** One autocannon burst; per-request latencies in ms, and non-2xx count. */
async function burst(
  url: string,
  payload: string,
  connections: number,
  amount: number,
  extraHeaders: Record<string, string> = {},
): Promise<{ ms: number[]; errors: number; rps: number }> {
  const ms: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const inst = autocannon({
    url: `${url}/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench', ...extraHeaders },
    body: payload,
    connections,
    amount,
    timeout: 30,
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>; // without a callback it is both
  let tLast = t0;
  inst.on('response', (_c: unknown, status: number, _bytes: number, time: number) => {
    tLast = performance.now();
    if (status === 200) ms.push(time);
    else errors++;
  });
  const r = await inst;
  // Up to the last response (autocannon itself only finishes on its next one-second tick).
  return { ms, errors: errors + r.errors + r.timeouts, rps: (ms.length + errors) / ((tLast - t0) / 1000) };
}

export async function benchProxy(rounds: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gloss-bench-proxy-'));
  let bundle = 'models/default';
  let unchanged = UNCHANGED_DEFAULT;
  let rewritten = REWRITTEN_DEFAULT;
  if (!existsSync(join(bundle, 'manifest.json'))) {
    const { writeKnownBundle } = await import('../test/helpers/known-bundle.ts');
    bundle = join(dir, 'known');
    await writeKnownBundle(bundle);
    unchanged = UNCHANGED_KNOWN;
    rewritten = REWRITTEN_KNOWN;
    console.log('bench proxy: models/default not found; using the known-answer bundle');
  }
  const kids: ChildProcess[] = [];
  try {
    const fake = await child('fake', {});
    kids.push(fake.proc);
    const upstream: string = fake.msg.url;
    const gloss = await child('gloss', {
      BENCH_BUNDLE: bundle,
      BENCH_UPSTREAM: upstream,
      BENCH_UNCHANGED: unchanged,
      BENCH_REWRITTEN: rewritten,
    });
    kids.push(gloss.proc);
    const {
      cacheOff,
      cacheOn,
      detectMs: det,
    } = gloss.msg as { cacheOff: string; cacheOn: string; detectMs: Record<string, number> };
    const portkey = await startPortkey(upstream);
    kids.push(portkey.proc);
    const portkeyHeaders = { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstream };
    {
      const res = await fetch(`${portkey.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench', ...portkeyHeaders },
        body: body(unchanged),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`Portkey check: ${res.status} ${text.slice(0, 200)}`);
    }

    // Check the two paths do what they are named for.
    for (const [p, want] of [
      [unchanged, 'unchanged'],
      [rewritten, 'rewritten'],
    ] as const) {
      const res = await fetch(`${cacheOff}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(p),
      });
      await res.arrayBuffer();
      if (res.status !== 200 || res.headers.get('x-gloss-status') !== want)
        throw new Error(`bench prompt expected ${want}, got ${res.status} ${res.headers.get('x-gloss-status')}`);
    }

    const cases: Record<string, { url: string; payload: string; headers?: Record<string, string> }> = {
      direct: { url: upstream, payload: body(unchanged) },
      'portkey gateway': { url: portkey.url, payload: body(unchanged), headers: portkeyHeaders },
      'unchanged, cache off': { url: `${cacheOff}/v1`, payload: body(unchanged) },
      'rewritten, cache off': { url: `${cacheOff}/v1`, payload: body(rewritten) },
      'unchanged, cache hit': { url: `${cacheOn}/v1`, payload: body(unchanged) },
      'rewritten, cache hit': { url: `${cacheOn}/v1`, payload: body(rewritten) },
    };
    const bursts = Math.max(1, Math.min(rounds, 6));
    const rows: (string | number)[][] = [];
    const peer: (string | number)[][] = [];
    for (const c of CONCURRENCY) {
      const amount = c === 1 ? 300 : c * 20;
      // Warm up every path (JIT, sockets, the cache).
      for (const k of Object.values(cases)) await burst(k.url, k.payload, c, Math.min(amount, 200 + c), k.headers);
      const samples: Record<string, { ms: number[]; errors: number; rps: number[] }> = Object.fromEntries(
        Object.keys(cases).map((k) => [k, { ms: [], errors: 0, rps: [] }]),
      );
      for (let r = 0; r < bursts; r++) {
        for (const [name, k] of Object.entries(cases)) {
          const b = await burst(k.url, k.payload, c, amount, k.headers);
          samples[name].ms.push(...b.ms);
          samples[name].errors += b.errors;
          samples[name].rps.push(b.rps);
        }
      }
      const d = samples.direct;
      const pk = samples['portkey gateway'];
      for (const name of ['unchanged, cache off', 'rewritten, cache off', 'unchanged, cache hit']) {
        const s = samples[name];
        peer.push([
          c,
          `gloss: ${name}`,
          median(s.rps),
          median(s.rps) / median(pk.rps),
          p99(s.ms),
          p99(pk.ms),
          p99(s.ms) / p99(pk.ms),
        ]);
      }
      rows.push([c, 'direct (fake upstream)', median(d.ms), p99(d.ms), '', '', median(d.rps), d.errors, d.ms.length]);
      for (const name of Object.keys(cases).filter((n) => n !== 'direct')) {
        const s = samples[name];
        rows.push([
          c,
          name.startsWith('portkey') ? name : `gloss: ${name}`,
          median(s.ms),
          p99(s.ms),
          median(s.ms) - median(d.ms),
          p99(s.ms) - p99(d.ms),
          median(s.rps),
          s.errors,
          s.ms.length,
        ]);
      }
    }
    printTable(
      `Proxy added latency: POST /v1/chat/completions via Gloss vs straight to the fake upstream (ms; bundle ${bundle}; ${bursts} interleaved bursts per case)`,
      ['conns', 'path', 'median', 'p99', 'added median', 'added p99', 'req/s', 'errors', 'samples'],
      rows,
    );
    printTable(
      'Gloss beside Portkey (same fake upstream, same run): throughput ratio and p99, detection on every request for the cache-off rows',
      ['conns', 'path', 'req/s', 'req/s ÷ portkey', 'p99 ms', 'portkey p99 ms', 'p99 ÷ portkey'],
      peer,
    );
    // Throughput means little if requests went on without detection: say how many did.
    for (const [name, url] of [
      ['cache off', cacheOff],
      ['cache on', cacheOn],
    ]) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const by: Record<string, number> = {};
      for (const m of text.matchAll(/^gloss_proxy_requests_total\{[^}]*gloss_status="([^"]+)"[^}]*\} (\d+)/gm))
        by[m[1]] = (by[m[1]] ?? 0) + Number(m[2]);
      const total = Object.values(by).reduce((a, b) => a + b, 0);
      console.log(
        `gloss ${name}: x-gloss-status over all ${total} proxied requests: ${Object.entries(by)
          .map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`)
          .join(', ')}`,
      );
    }
    console.log(
      `detection alone (engine.analyze, in-process median): unchanged prompt ${det[unchanged].toFixed(3)} ms, rewritten prompt ${det[rewritten].toFixed(3)} ms`,
    );
  } finally {
    for (const k of kids) k.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.env.GLOSS_BENCH_PROXY_CHILD) {
  await serveChild(process.env.GLOSS_BENCH_PROXY_CHILD);
} else if (process.argv[1] === SELF) {
  await benchProxy(Number(process.argv[2] ?? 3));
}
