// The explorer page as the UI tests open it: the known-answer bundle in a temp dir, the Gloss
// server with the explorer mounted on it, and headless Chromium (WASM, no GPU) on the page once
// it says it is ready. One close() tears all of it down.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, startUiServer, type LaunchedBrowser, type UiServer } from './browser.ts';
import { writeKnownBundle } from './known-bundle.ts';

/** What {@link openExplorer} started. */
export interface ExplorerSession {
  srv: UiServer;
  browser: LaunchedBrowser;
  page: Page;
  /** Closes the browser and the server, removes the temp dir. */
  close(): Promise<void>;
}

/**
 * Opens `<server>/<path>` (default `ui/`) in a fresh Chromium on a server for the known-answer
 * bundle written into a temp dir named `prefix…`; `onRequest` sees the URL of every request the
 * page makes from the first one on. `browserCompute` goes to the explorer's routes.
 */
export async function openExplorer(
  prefix: string,
  opts: { path?: string; browserCompute?: boolean; onRequest?: (url: string) => void } = {},
): Promise<ExplorerSession> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  let srv: UiServer | undefined;
  let browser: LaunchedBrowser | undefined;
  const close = async () => {
    await browser?.close();
    await srv?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeKnownBundle(join(dir, 'b'));
    srv = await startUiServer(
      join(dir, 'b'),
      opts.browserCompute === undefined ? {} : { browserCompute: opts.browserCompute },
    );
    browser = await launchBrowser({ webgpu: false });
    const page = browser.page;
    if (opts.onRequest) page.on('request', (r) => opts.onRequest!(r.url()));
    await page.goto(`${srv.url}/${opts.path ?? 'ui/'}`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    return { srv, browser, page, close };
  } catch (e) {
    await close();
    throw e;
  }
}
