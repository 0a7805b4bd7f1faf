// The explorer in a real headless Chromium (no GPU: in-browser computation runs onnxruntime-web on
// WASM): type a GSM8K question, see the rule fire and its gloss in the diff, switch to in-browser
// computation and get the same rules and rewritten text; keyboard and hover read a token's value;
// bad input (empty, 10,000 words, emoji and right-to-left text, too long) and a server 500 leave a
// working page that keeps its last good result; desktop and phone screenshots; nothing is fetched
// from anywhere but the server; labels and contrast.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  hasChromium,
  NO_CHROMIUM,
  readViews,
  setPrompt,
  waitForResult,
  type LaunchedBrowser,
  type UiServer,
} from '../helpers/browser.ts';
import { openExplorer, type ExplorerSession } from '../helpers/explorer.ts';

const ARTIFACTS = 'test/artifacts';
const NATALIA =
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?';
const HALF_GLOSS = ' ⟦gloss: "half" means one half of the amount mentioned before⟧';

if (!hasChromium) console.warn(`ui-explorer: skipped: ${NO_CHROMIUM}`);

describe.skipIf(!hasChromium)('explorer in Chromium (server and in-browser WASM)', () => {
  let ui: ExplorerSession;
  let srv: UiServer;
  let browser: LaunchedBrowser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    ui = await openExplorer('gloss-ui-e2e-', { path: 'ui', onRequest: (url) => requested.push(url) });
    ({ srv, browser, page } = ui);
  });
  afterAll(() => ui?.close());

  it('GSM8K question on the server: the rule fires, its gloss is the insertion in the diff', async () => {
    // Typed key by key: the views follow once typing pauses (debounced), not on every key.
    const explains = () => srv.requests.filter((x) => x === 'POST /v1/explain').length;
    const before = explains();
    await page.locator('#prompt').pressSequentially(NATALIA);
    const r = await waitForResult(page, { mode: 'server' });
    expect(explains() - before).toBeGreaterThanOrEqual(1);
    expect(explains() - before).toBeLessThan(10);
    expect(r.state).toBe('ready');
    expect(r.backend).toBe('onnxruntime-node');
    expect(r.status).toMatch(/^On the server with onnxruntime-node: [\d.]+ ms of computing/);
    const v = await readViews(page);
    expect(v.rules).toEqual(['half-as-much']);
    expect(v.insertions).toEqual([HALF_GLOSS]);
    expect(v.diff).toBe(NATALIA.replace('half', `half${HALF_GLOSS}`));
    expect(v.over).toEqual(['half']);
    // The rule card: label, activation against threshold, gloss, evidence.
    const card = (await page.locator('#rules .fired-list .rule').innerText()).replace(/\s+/g, ' ');
    expect(card).toContain('half as many / much');
    expect(card).toContain('Activation 2.000 against threshold 0.500 (4.00× the threshold)');
    expect(card).toContain('Gloss: "half" means one half of the amount mentioned before');
    expect(card).toMatch(/support 12 lift 2\.10 held-out AUC 0\.610/);
  });

  it('switching to in-browser computation gives the same rules and rewritten text, and says what ran', async () => {
    const server = await readViews(page);
    await page.locator('input[name="mode"][value="browser"]').check();
    const r = await waitForResult(page, { mode: 'browser' });
    expect(r.state).toBe('ready');
    // No GPU in this Chromium (--disable-gpu): navigator.gpu gives no adapter, so WASM ran.
    expect(r.backend).toBe('onnxruntime-web/wasm');
    expect(r.status).toMatch(/^In this browser with onnxruntime-web\/wasm: [\d.]+ ms of computing/);
    expect(await page.locator('#load').innerText()).toMatch(
      /Detector loaded into this browser with onnxruntime-web\/wasm: .* sha256-verified.* no WebGPU adapter .* so WASM ran\./,
    );
    const local = await readViews(page);
    expect(local).toEqual(server);
    // Typing again recomputes in the browser: no more /v1/explain on the server.
    const before = srv.requests.filter((x) => x.startsWith('POST /v1/explain')).length;
    const twice = 'Tom has twice as many apples as her.';
    await setPrompt(page, twice, { mode: 'browser' });
    expect((await readViews(page)).rules).toEqual(['twice-as']);
    expect(srv.requests.filter((x) => x.startsWith('POST /v1/explain')).length).toBe(before);
    await page.locator('input[name="mode"][value="server"]').check();
    await waitForResult(page, { mode: 'server' });
    expect((await readViews(page)).rules).toEqual(['twice-as']);
  });

  it("a token's value on hover and on keyboard focus (arrow keys between tokens)", async () => {
    await setPrompt(page, NATALIA, { mode: 'server' });
    await page.locator('#tokens .tok', { hasText: /^half$/ }).hover();
    expect(await page.locator('#token-detail').innerText()).toMatch(
      /“half”: feature 101 \(half as \(fraction of an earlier amount\)\) 2\.000 against threshold 0\.50; fires half-as-much/,
    );
    // Keyboard: one tab stop for all tokens; arrows move; the detail line and the tooltip follow.
    await page.locator('#tokens .tok[tabindex="0"]').focus();
    for (let i = 0; i < 40; i++) {
      if ((await page.evaluate(() => document.activeElement?.textContent)) === 'half') break;
      await page.keyboard.press('ArrowRight');
    }
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('half');
    expect(await page.locator('#token-detail').innerText()).toContain('2.000 against threshold 0.50');
    expect(await page.locator('#tok-tip').isVisible()).toBe(true);
    expect(await page.locator('#tok-tip').innerText()).toMatch(/^feature 101 .* 2\.000/);
    expect(await page.locator('#tokens .tok[tabindex="0"]').count()).toBe(1);
    // Enter shades by that token's feature.
    await page.keyboard.press('Enter');
    expect(await page.locator('#shade-by').inputValue()).toBe('101');
    expect(await page.locator('#token-summary').innerText()).toContain('shaded by feature 101');
    await page.locator('#shade-by').selectOption('fired');
  });

  it('the feature browser lists every feature with its label, contexts and the rules using it', async () => {
    const cards = page.locator('#features .feature-card');
    expect(await cards.count()).toBe(3);
    expect(await page.locator('#feature-page').innerText()).toBe('Page 1 of 1');
    const text = (await page.locator('#features .feature-card[data-feature="202"]').innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('#202 twice (multiplicative comparison)');
    expect(text).toMatch(
      /twice-as: fires where this feature (reaches the rule’s threshold|and the rule’s cue pattern meet)/,
    );
    expect(text).toContain('Top activating contexts (1)');
    await page.locator('#feature-filter').fill('per');
    expect(await page.locator('#features .feature-card').count()).toBe(1);
    await page.locator('#feature-filter').fill('');
  });

  it('screenshots at desktop and phone widths; the phone layout does not scroll sideways', async () => {
    await setPrompt(page, NATALIA, { mode: 'server' });
    await page.locator('#tokens .tok', { hasText: /^half$/ }).hover();
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-desktop.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-desktop-full.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.mouse.move(0, 0);
    await waitForResult(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-phone.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-phone-full.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('survives an empty prompt, 10,000 words, emoji and right-to-left text, and a prompt over the limit', async () => {
    let r = await setPrompt(page, '');
    expect(r.state).toBe('empty');
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect((await readViews(page)).tokens).toBe(0);
    r = await setPrompt(page, '   \n\t ');
    expect(r.state).toBe('empty');

    const words = NATALIA.split(' ');
    const long = Array.from({ length: 10_000 }, (_, i) => words[i % words.length]).join(' ');
    r = await setPrompt(page, long, { mode: 'server' });
    expect(r.state).toBe('ready');
    const v = await readViews(page);
    expect(v.tokens).toBeGreaterThan(10_000);
    expect(v.rules.length).toBeGreaterThan(0);
    expect(v.insertions.length).toBe(2); // the default cap of 2 glosses

    const mixed = 'Natalia 😀 sold half as many clips 👩‍👩‍👧 in May. שלום עולם، مرحبا بالعالم half';
    r = await setPrompt(page, mixed, { mode: 'server' });
    expect(r.state).toBe('ready');
    const m = await readViews(page);
    expect(m.rules).toEqual(['half-as-much', 'half-as-much']); // both "half"s
    expect(m.diff.replaceAll(HALF_GLOSS, '')).toBe(mixed);
    expect(await page.locator('#tokens').innerText()).toContain('שלום');
    expect(await page.locator('#diff').getAttribute('dir')).toBe('auto');
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-emoji-rtl.png') });

    // Over the server's 100,000-character limit: the error shows, the last good result stays.
    r = await setPrompt(page, 'half '.repeat(25_000));
    expect(r.state).toBe('error');
    expect(await page.locator('#error').innerText()).toMatch(/400 \(invalid_request\).*at most 100000 characters/);
    expect((await readViews(page)).diff.replaceAll(HALF_GLOSS, '')).toBe(mixed);
    expect(browser.logs.filter((l) => l.startsWith('[pageerror]') || /Content Security Policy/i.test(l))).toEqual([]);
  });

  it('a server error shows the error and keeps the last good result; the next request recovers', async () => {
    await setPrompt(page, NATALIA, { mode: 'server' });
    const good = await readViews(page);
    srv.failNext('/v1/explain');
    const r = await setPrompt(page, NATALIA.replace('May', 'June'));
    expect(r.state).toBe('error');
    const err = await page.locator('#error').innerText();
    expect(err).toMatch(/The server answered 500 \(internal_error\): internal error; see the server log\./);
    expect(err).toContain('The results below are the last good ones.');
    expect(await page.locator('#stale').isVisible()).toBe(true);
    expect(await readViews(page)).toEqual(good);
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-server-error.png') });
    const ok = await setPrompt(page, NATALIA.replace('May', 'June'));
    expect(ok.state).toBe('ready');
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect((await readViews(page)).diff).toContain('June');
  });

  it('works offline: every request went to the Gloss server', () => {
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((u) => !u.startsWith(srv.url) && !u.startsWith('data:'))).toEqual([]);
    expect(requested.some((u) => u.endsWith('/ui/assets/ort/ort-wasm-simd-threaded.wasm'))).toBe(true);
  });

  it('accessible: every control has a label, text meets WCAG AA contrast, the page has landmarks', async () => {
    const unlabeled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>('input, select, textarea, button')]
        .filter(
          (e) =>
            !(e.labels?.length || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent?.trim())),
        )
        .map((e) => e.id || e.outerHTML.slice(0, 60)),
    );
    expect(unlabeled).toEqual([]);
    expect(await page.locator('main').count()).toBe(1);
    expect(await page.locator('h1').innerText()).toBe('Gloss explorer');
    await setPrompt(page, NATALIA, { mode: 'server' });
    const low = await page.evaluate(contrastProblems);
    expect(low).toEqual([]);
  });
});

/** Runs in the page: elements with text whose contrast against their (composited) background is under 4.5:1. */
function contrastProblems(): string[] {
  type RGBA = [number, number, number, number];
  const parse = (c: string): RGBA => {
    const m = c.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
    return [m[0], m[1], m[2], m[3] ?? 1];
  };
  const over = (top: RGBA, bottom: RGBA): RGBA => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map((i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a).concat(a) as RGBA;
  };
  const background = (e: Element | null): RGBA => {
    const layers: RGBA[] = [];
    for (let n = e; n; n = n.parentElement) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let out: RGBA = [255, 255, 255, 1];
    for (const l of layers.reverse()) out = over(l, out);
    return out;
  };
  const lum = (c: RGBA) => {
    const f = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const problems: string[] = [];
  for (const e of document.querySelectorAll<HTMLElement>('body *')) {
    if (!e.offsetParent && getComputedStyle(e).position !== 'fixed') continue;
    const own = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
    if (!own) continue;
    const bg = background(e);
    const fg = over(parse(getComputedStyle(e).color), bg);
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    if (ratio < 4.5)
      problems.push(
        `${e.tagName.toLowerCase()}.${e.className}: ${ratio.toFixed(2)} "${e.textContent!.trim().slice(0, 30)}"`,
      );
  }
  return problems;
}
