// The explorer where the deployment cannot run the detector in the browser (the Worker: no
// onnxruntime-web files packed): in real headless Chromium the page offers the server only, says
// why, and computes there; no request goes to the missing in-browser assets.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { hasChromium, NO_CHROMIUM, readViews, waitForResult } from '../helpers/browser.ts';
import { openExplorer, type ExplorerSession } from '../helpers/explorer.ts';

if (!hasChromium) console.warn(`ui-server-only: skipped: ${NO_CHROMIUM}`);

describe.skipIf(!hasChromium)('explorer on a deployment without in-browser computation', () => {
  let ui: ExplorerSession;
  const requested: string[] = [];

  beforeAll(async () => {
    ui = await openExplorer('gloss-ui-server-only-', {
      browserCompute: false,
      onRequest: (url) => requested.push(new URL(url).pathname),
    });
  });
  afterAll(() => ui?.close());

  it('offers only "On the server", says why, and computes there', async () => {
    const page = ui.page;
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
