// A real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and a Gloss
// server with the explorer mounted, for the UI tests. Chromium needs the background-networking
// flags on this closed network (its own connections are refused otherwise) and a fresh profile.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApp } from '../../src/core/app.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import { loadEngine } from '../../src/runtime/node/server.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { nodeUiAssets } from '../../src/ui/node-assets.ts';
import { uiRoutes } from '../../src/ui/routes.ts';

export const CHROMIUM = process.env.GLOSS_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const NO_CHROMIUM = `${CHROMIUM} is absent: the explorer's browser tests need Debian's chromium (apt-get install -y chromium)`;

const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  page: Page;
  /** Console lines and page errors, for diagnostics. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * webgpu: false -> `--disable-gpu`: navigator.gpu gives no adapter, so the page runs WASM.
 * webgpu: true  -> `--enable-unsafe-webgpu` (GPU process kept): Chromium offers its SwiftShader
 * (Vulkan on the CPU) adapter, which onnxruntime-web's WebGPU provider runs on.
 */
export async function launchBrowser(
  opts: { webgpu?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<LaunchedBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'gloss-chromium-'));
  const args = [...BASE_FLAGS, ...(opts.webgpu ? ['--enable-unsafe-webgpu'] : ['--disable-gpu'])];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true, // playwright adds --headless
    args,
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  return {
    context,
    page,
    logs,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface UiServer {
  url: string;
  engine: GlossEngine;
  /** The next request whose path starts with `prefix` gets a 500 (a JSON error as the app sends). */
  failNext(prefix: string): void;
  /** Paths requested so far (to check nothing else was asked for). */
  requests: string[];
  close(): Promise<void>;
}

/** The Gloss app on onnxruntime-node with the explorer mounted, as a server would mount it. */
export async function startUiServer(bundleDir: string, opts: { browserCompute?: boolean } = {}): Promise<UiServer> {
  const engine = await loadEngine(bundleDir);
  const app = createApp({ engine: async () => engine });
  app.route('/', uiRoutes({ assets: nodeUiAssets(), bundle: folderSource(bundleDir), ...opts }));
  const failing: string[] = [];
  const requests: string[] = [];
  const fetch = async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    requests.push(`${req.method} ${path}`);
    const i = failing.findIndex((p) => path.startsWith(p));
    if (i >= 0) {
      failing.splice(i, 1);
      return Response.json(
        { error: { type: 'internal_error', message: 'internal error; see the server log' } },
        { status: 500 },
      );
    }
    return app.fetch(req);
  };
  const { server, info } = await new Promise<{ server: ServerType; info: AddressInfo }>((resolve, reject) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ server: s, info }));
    s.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${info.port}`,
    engine,
    failNext: (prefix) => failing.push(prefix),
    requests,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await engine.detector.release();
    },
  };
}

/** Waits until the page has a result for the current prompt (or an error) and returns its status line. */
export async function waitForResult(
  page: Page,
  opts: { mode?: 'server' | 'browser'; timeout?: number } = {},
): Promise<{ state: string; status: string; backend?: string; mode?: string }> {
  await page.waitForFunction(
    (mode) => {
      const main = document.getElementById('main');
      const s = main?.dataset.state;
      if (s === 'error' || s === 'empty') return true;
      if (s !== 'ready') return false;
      return !mode || document.getElementById('status')?.dataset.mode === mode;
    },
    opts.mode,
    { timeout: opts.timeout ?? 60_000 },
  );
  return page.evaluate(() => {
    const st = document.getElementById('status')!;
    return {
      state: document.getElementById('main')!.dataset.state!,
      status: st.textContent ?? '',
      backend: st.dataset.backend,
      mode: st.dataset.mode,
    };
  });
}

/** Replaces the prompt's text as typing would (one input event) and waits for the result. */
export async function setPrompt(
  page: Page,
  text: string,
  opts: { mode?: 'server' | 'browser'; timeout?: number } = {},
) {
  await page.locator('#prompt').fill(text);
  return waitForResult(page, opts);
}

/** What the page shows: fired rule ids, inserted texts, the diff's full text. */
export async function readViews(
  page: Page,
): Promise<{ rules: string[]; insertions: string[]; diff: string; tokens: number; over: string[] }> {
  return page.evaluate(() => ({
    rules: [...document.querySelectorAll<HTMLElement>('#rules .fired-list .rule')].map((e) => e.dataset.rule!),
    insertions: [...document.querySelectorAll('#diff ins')].map((e) => e.textContent ?? ''),
    diff: document.getElementById('diff')!.textContent ?? '',
    tokens: document.querySelectorAll('#tokens .tok').length,
    over: [...document.querySelectorAll('#tokens .tok.over')].map((e) => e.textContent ?? ''),
  }));
}
