// npm run test:package (a .ci/run step): the published package, used as the README says, from a
// fresh project. `npm pack` (prepack builds dist/, the explorer and models/default), then in a temp
// folder `npm install <tarball>`; there a tiny Hono app imports the middleware and must get a
// rewrite from the embedded default bundle (and throw on a misspelt option), `npx gloss --help` and
// `npx gloss-train --help` must run, `npx gloss serve` must serve the embedded bundle (GET /, the
// explorer, and the proxy to a fake upstream on loopback with detection in the worker-thread pool,
// i.e. the compiled detect-worker.js), and wrangler must build the package's Worker entry (dry run). Exits 1 with one line on a failure;
// skips (exit 0, with a message) only when the npm registry cannot be reached.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The README's wrangler.toml for a Worker from the installed package. */
const WRANGLER_TOML = `name = "my-gloss"
main = "node_modules/@gloss-lens/gloss/dist/src/runtime/worker/index.js"
compatibility_date = "2026-10-01"
compatibility_flags = ["nodejs_compat"]

[build]
command = "npx gloss pack-worker --out .wrangler/gloss-bundle"

[alias]
"gloss-bundle-files" = "./.wrangler/gloss-bundle/files.mjs"

[[rules]]
type = "Data"
globs = ["**/*.onnx", "**/*.bin"]
fallthrough = true

[[rules]]
type = "CompiledWasm"
globs = ["**/*.wasm"]
fallthrough = true
`;
/** A fake OpenAI-compatible upstream on loopback: records each request body, answers one fixed reply. */
async function fakeUpstream(): Promise<{ url: string; bodies: unknown[]; server: Server }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (b: Buffer) => (text += b));
    req.on('end', () => {
      bodies.push(JSON.parse(text || 'null'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'fake answer' }, finish_reason: 'stop' }],
        }),
      );
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

const t0 = performance.now();
const secs = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

function fail(msg: string): never {
  console.error(`test:package: FAIL: ${msg}`);
  process.exit(1);
}

async function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec('npm', args, { cwd, maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    fail(`npm ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim().split('\n').slice(-5).join(' | ')}`);
  }
}

// The registry the installs will use; any answer (even 404) means it is reachable.
const registry = (await exec('npm', ['config', 'get', 'registry'])).stdout.trim();
try {
  await fetch(new URL('hono', registry), { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
} catch (e) {
  console.log(`test:package: SKIPPED: the npm registry ${registry} is unreachable (${(e as Error).message})`);
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'gloss-package-'));
try {
  await npm(['pack', '--silent', '--pack-destination', dir], resolve('.'));
  const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
  if (!tarball) fail('npm pack wrote no tarball');
  const packed = `${secs()}`;

  // As the README advises: onnxruntime-node's and protobufjs's install scripts denied (npm 11's allowScripts).
  const allowScripts = { 'onnxruntime-node': false, protobufjs: false };
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'gloss-user', private: true, type: 'module', allowScripts }),
  );
  // npm's cache from this checkout's own install holds every dependency: --prefer-offline reuses it.
  const install = await npm(
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn', `./${tarball}`],
    dir,
  );
  const warnings = install.stderr.split('\n').filter((l) => /\bwarn\b/i.test(l));
  if (warnings.some((l) => /EBADENGINE|install-scripts/.test(l))) fail(`installing warns: ${warnings.join(' | ')}`);
  for (const w of warnings) console.log(`test:package: install said: ${w}`);
  const installed = secs();

  // The README's library example, verbatim in spirit: the middleware in front of a Hono route.
  await writeFile(
    join(dir, 'app.mjs'),
    `import { Hono } from 'hono';
import { gloss, sharedEngine } from '@gloss-lens/gloss/node';
import schema from '@gloss-lens/gloss/config.schema.json' with { type: 'json' };

const app = new Hono();
app.use('/ask', gloss({ budgetMs: 60_000 }));
app.post('/ask', async (c) => c.json({ prompt: (await c.req.json()).prompt, gloss: c.get('gloss') }));
let typo = '';
try {
  gloss({ bundel: './x' });
} catch (e) {
  typo = e.message;
}

const res = await app.request('/ask', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ prompt: 'Weng earns $12 per hour for babysitting. Yesterday, she did 5 hours of babysitting. How much did she earn?' }),
});
console.log(JSON.stringify({ typo, schema: schema.title, status: res.headers.get('x-gloss-status'), rules: res.headers.get('x-gloss-rules'), body: await res.json() }));
await (await sharedEngine()).detector.release();
`,
  );
  const { stdout } = await exec(process.execPath, ['app.mjs'], { cwd: dir }).catch((e: { stderr?: string }) =>
    fail(`the Hono example failed: ${(e.stderr ?? String(e)).trim().split('\n').slice(-3).join(' | ')}`),
  );
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    typo: string;
    schema?: string;
    status: string;
    rules: string;
    body: { prompt: string };
  };
  const prompt =
    'Weng earns $12 per hour for babysitting. Yesterday, she did 5 hours of babysitting. How much did she earn?';
  if (
    out.status !== 'rewritten' ||
    !out.rules ||
    out.body.prompt === prompt ||
    !out.body.prompt.endsWith('How much did she earn?')
  )
    fail(`the Hono example did not gloss the prompt: ${stdout.trim()}`);

  if (!/bundel: unknown key/.test(out.typo))
    fail(`gloss({ bundel }) did not throw naming the option: ${stdout.trim()}`);

  if (!out.schema?.startsWith('Gloss proxy configuration'))
    fail(`@gloss-lens/gloss/config.schema.json did not import: ${stdout.trim()}`);

  for (const bin of ['gloss', 'gloss-train']) {
    const r = await exec('npx', ['--offline', bin, '--help'], { cwd: dir }).catch((e: { stderr?: string }) =>
      fail(`npx ${bin} --help failed: ${(e.stderr ?? String(e)).trim()}`),
    );
    if (!/Usage: /.test(r.stdout)) fail(`npx ${bin} --help printed no usage: ${r.stdout.slice(0, 200)}`);
  }

  // `npx gloss serve` with no --bundle: the embedded default bundle, on a free port, proxying to a
  // fake upstream LLM on loopback with detection in the worker-thread pool (the compiled worker).
  const upstream = await fakeUpstream();
  // Its own process group, so that stopping it reaches the server under npx's shell.
  const server = spawn(
    'npx',
    [
      '--offline',
      'gloss',
      'serve',
      '--port',
      '0',
      '--quiet',
      '--upstream',
      `openai=${upstream.url}/v1`,
      '--detect-threads',
      '1',
      '--budget-ms',
      '60000',
    ],
    { cwd: dir, detached: true },
  );
  try {
    const url = await new Promise<string>((res, rej) => {
      let text = '';
      const timer = setTimeout(() => rej(new Error(`no start line within 60 s: ${text}`)), 60_000);
      server.stdout.on('data', (b: Buffer) => {
        text += b;
        const m = /explorer at (http:\/\/\S+)\/ui\//.exec(text);
        if (m) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
      server.stderr.on('data', (b: Buffer) => (text += b));
      server.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`exited ${code}: ${text.trim()}`));
      });
    }).catch((e: Error) => fail(`npx gloss serve: ${e.message}`));
    const r = await fetch(`${url}/v1/bundle`);
    const bundle = (await r.json()) as { manifest?: { name?: string } };
    if (r.status !== 200 || bundle.manifest?.name !== 'default')
      fail(`npx gloss serve: GET /v1/bundle answered ${r.status}, bundle ${bundle.manifest?.name}`);
    const about = (await (await fetch(`${url}/`)).json()) as { name?: string; explorer?: string };
    if (about.name !== '@gloss-lens/gloss' || about.explorer !== '/ui/')
      fail(`npx gloss serve: GET / answered ${JSON.stringify(about)}`);
    // The explorer ships built (the package has neither its client sources nor esbuild).
    for (const path of ['/ui/', '/ui/assets/app.js']) {
      const page = await fetch(url + path);
      if (page.status !== 200 || (await page.text()).length < 100)
        fail(`npx gloss serve: GET ${path} answered ${page.status}`);
    }
    // The proxy: glossed by the pool's compiled worker, then forwarded to the fake upstream.
    const chat = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: prompt }] }),
    });
    const answer = (await chat.json()) as { choices?: { message: { content: string } }[] };
    const seen = upstream.bodies.at(-1) as { messages?: { content: string }[] } | undefined;
    if (
      chat.status !== 200 ||
      chat.headers.get('x-gloss-status') !== 'rewritten' ||
      answer.choices?.[0].message.content !== 'fake answer' ||
      !seen?.messages?.[0].content.includes('\u27e6gloss: ')
    )
      fail(
        `npx gloss serve: /v1/chat/completions through the proxy: ${chat.status}, x-gloss-status ${chat.headers.get('x-gloss-status')}, upstream saw ${JSON.stringify(seen)}`,
      );
    const health = (await (await fetch(`${url}/healthz`)).json()) as { runtime?: { detect?: string } };
    if (!health.runtime?.detect?.startsWith('worker-pool(1)'))
      fail(`npx gloss serve: detection is not in the worker pool: ${JSON.stringify(health)}`);
  } finally {
    if (server.exitCode === null) process.kill(-server.pid!, 'SIGTERM');
    server.stdout.destroy();
    server.stderr.destroy();
    upstream.server.close();
  }
  // The Worker entry from the package: wrangler (this checkout's; the user's own project has its own)
  // builds it with the README's wrangler.toml, packing the embedded bundle and the explorer.
  await writeFile(join(dir, 'wrangler.toml'), WRANGLER_TOML);
  const wrangler = resolve('node_modules/.bin/wrangler');
  const dry = await exec(wrangler, ['deploy', '--dry-run', '--outdir', 'worker-out'], {
    cwd: dir,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  }).catch((e: { stdout?: string; stderr?: string }) =>
    fail(
      `wrangler deploy --dry-run of the package's Worker entry failed: ${(e.stderr || e.stdout || String(e)).trim().split('\n').slice(-4).join(' | ')}`,
    ),
  );
  const upload = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(dry.stdout);
  if (!upload) fail(`wrangler deploy --dry-run printed no upload size: ${dry.stdout.slice(-300)}`);
  const modules = await readdir(join(dir, 'worker-out'));
  if (!modules.some((f) => f.endsWith('detector.onnx.bin')) || !modules.some((f) => f.endsWith('ui.bin')))
    fail(`the Worker packed no bundle or explorer: ${modules.join(', ')}`);

  console.log(
    `test:package: ok in ${secs()} (packed at ${packed}, installed at ${installed}): ${tarball}, the Hono example fired ${out.rules}; gloss --help, gloss-train --help, gloss serve (embedded bundle, GET /, /ui/, the proxy to a fake upstream through the compiled worker pool); Worker upload ${upload[2]} KiB gzipped`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
