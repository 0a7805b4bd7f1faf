// /v1/rewrite end to end against the bare detector forward, by prompt length, in one run:
//  - Node: the real server (onnxruntime-node) on loopback, called with fetch;
//  - onnxruntime-web WASM, one thread, in Node: the stand-in for a Worker's single thread;
//  - workerd (miniflare) running the built Worker, warm, for reference;
// then cold starts (`gloss serve` process start to first answered rewrite; miniflare construction
// to first answer) and the Worker's memory (workerd's peak RSS over a bare worker's).
// Uses models/default when it exists, else the known-answer bundle (and says so).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import type { GlossEngine } from '../src/core/engine/engine.ts';
import { loadEngine, startServer, type RunningServer } from '../src/runtime/node/server.ts';
import { ortWebBackend } from '../src/runtime/web/ort-web-backend.ts';
import { writeKnownBundle } from '../test/helpers/known-bundle.ts';
import { buildAppWorker } from '../test/workers/app-build.ts';
import { interleaved, median, p99 } from './lib/stats.ts';
import { printTable } from './lib/table.ts';

const LENGTHS = [16, 64, 128, 256, 512];
const PASSAGE =
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. ' +
  'How many clips did Natalia sell altogether in April and May? She earns $12 per hour for babysitting, ' +
  'and Tom has twice as many apples as her friends. ';
const COMPAT = { compatibilityDate: '2026-10-01', compatibilityFlags: ['nodejs_compat'] };

/** A prompt of about `tokens` tokens (the first prefix of the passage, repeated, that reaches it). */
function promptOf(engine: GlossEngine, tokens: number): { text: string; ids: number[] } {
  const words = PASSAGE.repeat(Math.ceil((tokens * 2) / 40) + 2)
    .trim()
    .split(' ');
  let lo = 1;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (engine.tokenizer.encode(words.slice(0, mid).join(' ')).ids.length >= tokens) hi = mid;
    else lo = mid + 1;
  }
  const text = words.slice(0, lo).join(' ');
  return { text, ids: engine.tokenizer.encode(text).ids };
}

async function rewrite(url: string, text: string): Promise<void> {
  const res = await fetch(`${url}/v1/rewrite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: text }),
  });
  if (res.status !== 200) throw new Error(`/v1/rewrite answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

async function sweep(title: string, server: RunningServer, rounds: number): Promise<Map<number, number>> {
  const engine = server.engine;
  // Warm up JIT, sockets and the wasm tier-up on every length before timing anything.
  for (let w = 0; w < 4; w++) for (const T of LENGTHS) await rewrite(server.url, promptOf(engine, T).text);
  const rows: (string | number)[][] = [];
  const ratios = new Map<number, number>();
  for (const T of LENGTHS) {
    const p = promptOf(engine, T);
    const r = Math.max(5, T >= 256 ? Math.ceil(rounds / 2) : rounds);
    const t = await interleaved({ e2e: () => rewrite(server.url, p.text), bare: () => engine.detector.run(p.ids) }, r);
    const ratio = median(t.e2e) / median(t.bare);
    ratios.set(T, ratio);
    rows.push([
      T,
      p.ids.length,
      median(t.e2e),
      p99(t.e2e),
      median(t.bare),
      p99(t.bare),
      median(t.e2e) - median(t.bare),
      ratio,
    ]);
  }
  printTable(
    title,
    ['T', 'tokens', 'e2e median ms', 'e2e p99 ms', 'bare median ms', 'bare p99 ms', 'e2e - bare ms', 'e2e / bare'],
    rows,
  );
  return ratios;
}

// ---- workerd helpers -------------------------------------------------------------------------

/** Descendant processes of this one named `name` (miniflare spawns workerd). */
async function descendants(name: string): Promise<number[]> {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = await readFile(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      comm.set(Number(d), stat.slice(stat.indexOf('(') + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  for (const [pid] of parent) {
    let p: number | undefined = pid;
    while (p && p !== process.pid && p > 1) p = parent.get(p);
    if (p === process.pid && comm.get(pid) === name) out.push(pid);
  }
  return out;
}

/** Peak and current resident memory (MB) of the workerd processes miniflare started. */
async function workerdMemory(): Promise<{ peak: number; rss: number } | undefined> {
  const pids = await descendants('workerd');
  if (pids.length === 0) return undefined;
  let peak = 0;
  let rss = 0;
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    peak += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }
  return { peak, rss };
}

async function miniflareFor(modules: { type: string; path: string }[], modulesRoot: string): Promise<Miniflare> {
  return new Miniflare(
    convertV4MiniflareOptions({ modules: modules as never, modulesRoot, ...COMPAT, bindings: { GLOSS_LOG: 'off' } }),
  );
}

async function mfRewrite(mf: Miniflare, text: string): Promise<void> {
  const res = await mf.dispatchFetch('http://gloss.local/v1/rewrite', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: text }),
  });
  if (res.status !== 200) throw new Error(`workerd /v1/rewrite answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

// ---- cold starts ---------------------------------------------------------------------------------

/** `gloss serve` from spawn to its first answered /v1/rewrite. */
async function nodeColdStart(bundle: string, text: string): Promise<{ listening: number; answered: number }> {
  const t0 = performance.now();
  const p = spawn(process.execPath, [resolve('bin/gloss.mjs'), 'serve', '--bundle', bundle, '--port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  try {
    const url = await new Promise<string>((done, fail) => {
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
        const m = /on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (m) done(m[1]);
      });
      p.on('exit', (code) => fail(new Error(`gloss serve exited ${code}: ${stderr}`)));
    });
    const listening = performance.now() - t0;
    await rewrite(url, text);
    return { listening, answered: performance.now() - t0 };
  } finally {
    await new Promise((done) => {
      p.on('close', done);
      p.kill('SIGTERM');
    });
  }
}

export async function benchRewrite(rounds: number, defaultBundle = 'models/default'): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'gloss-bench-rewrite-'));
  let bundle = defaultBundle;
  let note = defaultBundle;
  if (!existsSync(join(bundle, 'manifest.json'))) {
    bundle = join(tmp, 'known-answer');
    await writeKnownBundle(bundle);
    note = `the known-answer bundle (${defaultBundle} is absent: run \`npm run build:default\`); its lookup-table detector costs almost nothing, so ratios mostly show HTTP cost`;
  }
  const load = await readFile('/proc/loadavg', 'utf8').then(
    (l) => l.split(' ').slice(0, 3).join(' '),
    () => 'unknown',
  );
  console.log(
    `\nrewrite bench: bundle ${note}; load average before: ${load} (client and server share this process; e2e includes tokenizing, JSON and HTTP)`,
  );

  // -- Node, onnxruntime-node ------------------------------------------------------------------
  const nodeServer = await startServer({ bundle, port: 0, host: '127.0.0.1' });
  const m = nodeServer.engine.bundle.manifest;
  const what = `${m.name}: ${m.detector.arch} layer ${m.detector.layer}/${m.detector.numLayers}${m.detector.int8 ? ' int8' : ''}, ${nodeServer.engine.rules.length} rules, window ${nodeServer.engine.detector.maxTokens}`;
  const nodeRatios = await sweep(
    `/v1/rewrite over HTTP (loopback, keep-alive) vs bare detector.run, onnxruntime-node [${what}]`,
    nodeServer,
    rounds,
  );
  await nodeServer.close();

  // -- Node, onnxruntime-web WASM, one thread ----------------------------------------------------
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.wasm.proxy = false;
  const webServer = await startServer({ bundle, port: 0, host: '127.0.0.1', backend: ortWebBackend(ortWeb, ['wasm']) });
  const webRatios = await sweep(
    '/v1/rewrite over HTTP vs bare detector.run, onnxruntime-web WASM, 1 thread (the Workers stand-in)',
    webServer,
    rounds,
  );
  await webServer.close();

  // -- workerd (miniflare), warm, plus cold start and memory -----------------------------------
  const built = await buildAppWorker(bundle, join(tmp, 'worker'));
  const engineForPrompts = await loadEngine(bundle);
  const prompts = new Map(LENGTHS.map((T) => [T, promptOf(engineForPrompts, T)]));
  await engineForPrompts.detector.release();

  // Baseline for memory: a worker that does nothing.
  const helloDir = join(tmp, 'hello');
  await mkdir(helloDir, { recursive: true });
  await writeFile(join(helloDir, 'hello.mjs'), 'export default { fetch() { return new Response("ok"); } };\n');
  const hello = await miniflareFor([{ type: 'ESModule', path: join(helloDir, 'hello.mjs') }], helloDir);
  await (await hello.dispatchFetch('http://x/')).text();
  const baseMem = await workerdMemory();
  await hello.dispose();

  const colds: { ready: number; first: number; second: number; early: number }[] = [];
  const mem: {
    afterFirst?: { peak: number; rss: number };
    afterSweep?: { peak: number; rss: number };
    wasmFirst?: number;
    wasmSweep?: number;
  } = {};
  const wasmMb = async (mf: Miniflare) => {
    const h = (await (await mf.dispatchFetch('http://gloss.local/healthz')).json()) as {
      runtime?: { ortWasmMemoryBytes?: number | null };
    };
    return (h.runtime?.ortWasmMemoryBytes ?? NaN) / 1e6;
  };
  const warmRows: (string | number)[][] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const mf = await miniflareFor(built.modules, built.dir);
    await mf.ready;
    const t1 = performance.now();
    await mfRewrite(mf, prompts.get(16)!.text);
    const t2 = performance.now();
    await mfRewrite(mf, prompts.get(16)!.text);
    const t3 = performance.now();
    // V8 tiers onnxruntime's wasm up while requests run: the first ones are slow.
    const early = await interleaved({ early: () => mfRewrite(mf, prompts.get(128)!.text) }, 10, 0);
    colds.push({ ready: t1 - t0, first: t2 - t1, second: t3 - t2, early: median(early.early) });
    if (i === 0) {
      mem.afterFirst = await workerdMemory();
      mem.wasmFirst = await wasmMb(mf);
      for (let w = 0; w < 40; w++) await mfRewrite(mf, prompts.get(128)!.text);
      for (const T of LENGTHS) {
        const text = prompts.get(T)!.text;
        const t = await interleaved({ workerd: () => mfRewrite(mf, text) }, Math.max(5, Math.ceil(rounds / 3)), 2);
        warmRows.push([T, prompts.get(T)!.ids.length, median(t.workerd), p99(t.workerd)]);
      }
      mem.afterSweep = await workerdMemory();
      mem.wasmSweep = await wasmMb(mf);
    }
    await mf.dispose();
  }
  printTable(
    '/v1/rewrite in workerd (miniflare dispatchFetch, isolate warmed by 50 requests, onnxruntime-web WASM 1 thread)',
    ['T', 'tokens', 'median ms', 'p99 ms'],
    warmRows,
  );

  const nodeColds: { listening: number; answered: number }[] = [];
  for (let i = 0; i < 3; i++) nodeColds.push(await nodeColdStart(bundle, prompts.get(16)!.text));

  printTable(
    'cold start (median of 3)',
    ['what', 'ms'],
    [
      [
        'gloss serve: spawn -> listening (tsx, bundle verified, session created)',
        median(nodeColds.map((c) => c.listening)),
      ],
      ['gloss serve: spawn -> first /v1/rewrite answered', median(nodeColds.map((c) => c.answered))],
      ['miniflare: new Miniflare -> ready (workerd up, 14 MB wasm compiled)', median(colds.map((c) => c.ready))],
      ['miniflare: first /v1/rewrite (engine created in the request)', median(colds.map((c) => c.first))],
      ['miniflare: new Miniflare -> first answer', median(colds.map((c) => c.ready + c.first))],
      ['miniflare: second /v1/rewrite (16 tokens)', median(colds.map((c) => c.second))],
      ['miniflare: requests 3-12 at 128 tokens, median (wasm still tiering up)', median(colds.map((c) => c.early))],
    ],
  );

  const fmtMem = (x?: { peak: number; rss: number }) => (x ? x.peak : NaN);
  printTable(
    `Worker memory: miniflare exposes no isolate figure, so: workerd's peak RSS (VmHWM) minus a hello-world worker's (includes compiled wasm code), and onnxruntime's wasm linear memory as the isolate sees it (/healthz runtime.ortWasmMemoryBytes). Script ${(built.scriptBytes / 1e6).toFixed(2)} MB JS`,
    ['state', 'workerd peak RSS MB', 'over hello-world MB', 'ort wasm memory MB'],
    [
      ['hello-world worker, after one request', fmtMem(baseMem), 0, '-'],
      [
        'Gloss worker, after its first rewrite',
        fmtMem(mem.afterFirst),
        fmtMem(mem.afterFirst) - fmtMem(baseMem),
        mem.wasmFirst ?? NaN,
      ],
      [
        `Gloss worker, after the sweep up to ${LENGTHS.at(-1)} tokens`,
        fmtMem(mem.afterSweep),
        fmtMem(mem.afterSweep) - fmtMem(baseMem),
        mem.wasmSweep ?? NaN,
      ],
    ],
  );

  printTable(
    'targets',
    ['measure', 'value', 'target'],
    [
      ['onnxruntime-node: e2e / bare median at T=128', nodeRatios.get(128)!, '< 1.2'],
      ['onnxruntime-web 1 thread: e2e / bare median at T=128', webRatios.get(128)!, '< 1.2'],
    ],
  );
  await rm(tmp, { recursive: true, force: true });
}

// `npx tsx bench/rewrite.ts [rounds]` runs this suite alone (bench/run.ts wires it into `npm run bench`).
if (import.meta.url === `file://${process.argv[1]}`) {
  await benchRewrite(Number(process.argv[2] ?? 30));
}
