// The explorer where the deployment cannot run the detector in the browser (the Worker: no
// onnxruntime-web files packed): in real headless Chromium the page offers the server only, says
// why, and computes there; no request goes to the missing in-browser assets.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  hasChromium,
  launchBrowser,
  NO_CHROMIUM,
  readViews,
  startUiServer,
  waitForResult,
  type LaunchedBrowser,
  type UiServer,
} from '../helpers/browser.ts';
import { writeKnownBundle } from '../helpers/known-bundle.ts';

if (!hasChromium) console.warn(`ui-server-only: skipped: ${NO_CHROMIUM}`);

describe.skipIf(!hasChromium)('explorer on a deployment without in-browser computation', () => {
  let dir: string;
  let srv: UiServer;
  let browser: LaunchedBrowser;
  const requested: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gloss-ui-server-only-'));
    await writeKnownBundle(join(dir, 'b'));
    srv = await startUiServer(join(dir, 'b'), { browserCompute: false });
    browser = await launchBrowser({ webgpu: false });
    browser.page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await browser.page.goto(`${srv.url}/ui/`);
    await browser.page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('offers only "On the server", says why, and computes there', async () => {
    const page = browser.page;
    expect(await page.locator('input[name="mode"]').count()).toBe(1);
    expect(await page.locator('input[name="mode"][value="server"]').isChecked()).toBe(true);
    expect(await page.locator('#provider').count()).toBe(0);
    expect(await page.locator('#server-only').innerText()).toMatch(/computes on the server only/);
    await page.locator('#prompt').fill('She sold half as many clips in May. How many clips did she sell?');
    const r = await waitForResult(page, { mode: 'server' });
    expect(r.state).toBe('ready');
    expect((await readViews(page)).rules).toEqual(['half-as-much']);
    expect(requested.filter((p) => p.startsWith('/ui/assets/ort/') || p.startsWith('/v1/bundle/files/'))).toEqual([]);
  });
});
