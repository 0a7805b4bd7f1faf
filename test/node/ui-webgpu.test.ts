// The explorer's in-browser computation on WebGPU: headless Chromium started with
// --enable-unsafe-webgpu (GPU process kept) offers its SwiftShader adapter (Vulkan on the CPU),
// and onnxruntime-web's WebGPU provider runs the detector there. Same fired rules and rewritten
// text as the server, on the known-answer bundle and on the shipped default bundle (int8 USE-lite
// detector) when models/default has rules; the page names the provider that ran and which nodes
// onnxruntime left on the CPU. Timings of server, WebGPU and WASM go to test/artifacts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  hasChromium,
  launchBrowser,
  NO_CHROMIUM,
  readViews,
  setPrompt,
  startUiServer,
  waitForResult,
  type LaunchedBrowser,
} from '../helpers/browser.ts';
import { writeKnownBundle } from '../helpers/known-bundle.ts';

const ARTIFACTS = 'test/artifacts';
const NATALIA =
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?';
// A GSM8K-style question for the default bundle ("per hour", "8 more than", "twice").
const TWICE =
  'Brian has twice as many tennis balls as Frodo, who has 8 more than Lily. If Lily has 12 tennis balls and earns $5 per hour, how many does Brian have?';
const DEFAULT_BUNDLE = 'models/default';
const hasDefaultRules =
  existsSync(join(DEFAULT_BUNDLE, 'rules.json')) && existsSync(join(DEFAULT_BUNDLE, 'features.json'));
/** Ops the int8 detector's graph has no onnxruntime-web WebGPU kernel for (onnxruntime-web 1.30). */
const NO_WEBGPU_KERNEL = ['DynamicQuantizeLinear', 'MatMulInteger'];

if (!hasChromium) console.warn(`ui-webgpu: skipped: ${NO_CHROMIUM}`);

interface Timing {
  bundle: string;
  mode: string;
  backend: string;
  tokens: number;
  /** Median over the repeat runs of the detector time of one call (/v1/explain or /v1/rewrite). */
  detectMs: number;
  /** Median of the whole round as the page saw it (explain + rewrite). */
  wallMs: number;
  runs: number;
}
const timings: Timing[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs the prompt `n` times (with trailing spaces, so each run is a new text; the last is `prompt` itself) and records timings. */
async function timeRuns(
  page: Page,
  bundle: string,
  prompt: string,
  mode: 'server' | 'browser',
  n = 5,
): Promise<Timing> {
  const detect: number[] = [];
  const wall: number[] = [];
  let backend = '';
  for (let i = n - 1; i >= 0; i--) {
    await setPrompt(page, prompt + ' '.repeat(i), { mode });
    const d = await page.evaluate(() => ({ ...document.getElementById('status')!.dataset }));
    backend = d.backend!;
    detect.push(Number(d.detectMs) / 2);
    wall.push(Number(d.wallMs));
  }
  const t: Timing = {
    bundle,
    mode,
    backend,
    tokens: (await readViews(page)).tokens,
    detectMs: median(detect),
    wallMs: median(wall),
    runs: n,
  };
  timings.push(t);
  return t;
}

async function useBrowserMode(
  page: Page,
  provider: 'auto' | 'wasm',
): Promise<{ provider: string; load: string; cpuOps: string[]; placement: string }> {
  await page.locator('#provider').selectOption(provider);
  await page.locator('input[name="mode"][value="browser"]').check();
  await waitForResult(page, { mode: 'browser', timeout: 90_000 });
  return page.evaluate(() => {
    const l = document.getElementById('load')!;
    return {
      provider: l.dataset.provider ?? '',
      load: l.textContent ?? '',
      cpuOps: (l.dataset.cpuOps ?? '').split(',').filter(Boolean),
      placement: l.dataset.placement ?? '',
    };
  });
}

describe.skipIf(!hasChromium)('explorer on WebGPU (SwiftShader) in Chromium', () => {
  let browser: LaunchedBrowser;
  let adapter: string | null = null;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gloss-ui-gpu-'));
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchBrowser({ webgpu: true });
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
    if (timings.length) {
      await writeFile(join(ARTIFACTS, 'ui-timings.json'), JSON.stringify(timings, null, 1));
      for (const t of timings)
        console.log(
          `ui timing: ${t.bundle} ${t.mode} ${t.backend}: detector ${t.detectMs.toFixed(2)} ms per call (${t.tokens} tokens), round ${t.wallMs.toFixed(1)} ms`,
        );
    }
  });

  it('known-answer bundle: the WebGPU provider runs the detector and agrees with the server', async (ctx) => {
    const srv = await startUiServer(await knownBundle(dir));
    try {
      const page = browser.page;
      await page.goto(`${srv.url}/ui/`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      adapter = await page.evaluate(async () => {
        const gpu = (
          navigator as Navigator & {
            gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> };
          }
        ).gpu;
        const a = await gpu?.requestAdapter();
        return a ? `${a.info?.vendor ?? '?'} ${a.info?.architecture ?? ''}`.trim() : null;
      });
      if (!adapter) {
        console.warn('ui-webgpu: skipped: this Chromium gives no WebGPU adapter even with --enable-unsafe-webgpu');
        ctx.skip();
      }
      await setPrompt(page, NATALIA, { mode: 'server' });
      const server = await readViews(page);
      expect(server.rules).toEqual(['half-as-much']);
      const load = await useBrowserMode(page, 'auto');
      expect(load.provider).toBe('webgpu');
      expect(load.load).toMatch(/with onnxruntime-web\/webgpu: .* WebGPU runs (all \d+|\d+ of the \d+) nodes/);
      const r = await waitForResult(page, { mode: 'browser' });
      expect(r.backend).toBe('onnxruntime-web/webgpu');
      expect(r.status).toMatch(/^In this browser with onnxruntime-web\/webgpu: /);
      expect(await readViews(page)).toEqual(server);
      await timeRuns(page, 'known-answer', NATALIA, 'browser', 3);
    } finally {
      await srv.close();
    }
  });

  it.skipIf(!hasDefaultRules)(
    'default bundle (int8 detector): server, WebGPU and WASM fire the same rules; the page names the ops WebGPU left on the CPU',
    async (ctx) => {
      if (!adapter) ctx.skip();
      const srv = await startUiServer(DEFAULT_BUNDLE);
      try {
        const page = browser.page;
        await page.goto(`${srv.url}/ui/`);
        await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
        await timeRuns(page, 'default', TWICE, 'server');
        const server = await readViews(page);
        // Some rule fires on this word problem (which one is the SAE's business, not this test's).
        expect(server.rules.length).toBeGreaterThan(0);

        const gpu = await checkDefaultInBrowser(page, 'auto', 'webgpu', server);
        // onnxruntime-web's WebGPU provider has no kernel for the integer-arithmetic int8 form: those
        // nodes run on the CPU inside the same session, silently; the page says so.
        expect(gpu.placement).not.toBe('');
        for (const op of gpu.cpuOps) expect(NO_WEBGPU_KERNEL).toContain(op);
        for (const op of gpu.cpuOps) expect(gpu.load).toContain(op);
        await page.screenshot({ path: join(ARTIFACTS, 'explorer-webgpu-default.png'), fullPage: true });
        await writeFile(join(ARTIFACTS, 'ui-webgpu-placement.json'), gpu.placement);

        await checkDefaultInBrowser(page, 'wasm', 'wasm', server);
        expect(browser.logs.filter((l) => l.startsWith('[pageerror]') || /Content Security Policy/i.test(l))).toEqual(
          [],
        );
      } finally {
        await srv.close();
      }
    },
  );
});

/**
 * The default bundle in the page's browser mode with `choice` picked: expects onnxruntime-web's
 * `provider` to run it and the page's views to equal the server's (`server`) before and after timed
 * runs of TWICE. Returns the load report of useBrowserMode.
 */
async function checkDefaultInBrowser(
  page: Page,
  choice: 'auto' | 'wasm',
  provider: 'webgpu' | 'wasm',
  server: Awaited<ReturnType<typeof readViews>>,
): Promise<Awaited<ReturnType<typeof useBrowserMode>>> {
  const load = await useBrowserMode(page, choice);
  expect(load.provider).toBe(provider);
  const r = await waitForResult(page, { mode: 'browser' });
  expect(r.backend).toBe(`onnxruntime-web/${provider}`);
  expect(await readViews(page)).toEqual(server);
  await timeRuns(page, 'default', TWICE, 'browser');
  expect(await readViews(page)).toEqual(server);
  return load;
}

async function knownBundle(dir: string): Promise<string> {
  const b = join(dir, 'known');
  await writeKnownBundle(b);
  return b;
}
