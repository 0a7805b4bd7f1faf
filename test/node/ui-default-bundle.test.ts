// The explorer on the shipped default bundle (models/default: construction rules behind the task
// gate, a figurative probe, 887 features with held-out top contexts) in headless Chromium: only
// the spans of rules that fired are marked; a grammar cue is outlined and labelled as a cue with the
// gate's state; rule cards state cue, gate and evidence as rules.json does, without placeholder
// mining figures; the feature browser searches and pages; a feature shows its top contexts.
// Screenshots go to test/artifacts (ignored).
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  hasChromium,
  launchBrowser,
  NO_CHROMIUM,
  setPrompt,
  startUiServer,
  type LaunchedBrowser,
  type UiServer,
} from '../helpers/browser.ts';

const DIR = 'models/default';
const ARTIFACTS = 'test/artifacts';
// "60 miles per hour" is a rate (on by default, behind the gate); "3 times as far as the car" is
// multiplicative (off by default: its failure evidence does not hold).
const TRIP =
  'A car travels at 60 miles per hour for 3 hours. A bus goes 3 times as far as the car. How far does the bus go?';
const PROSE = 'The team felt lost at times, but the plan kept them afloat.';
const ready = hasChromium && existsSync(`${DIR}/manifest.json`);
if (!ready)
  console.warn(`ui-default-bundle: skipped: ${hasChromium ? `no ${DIR} (npm run build:default)` : NO_CHROMIUM}`);

const norm = (s: string) => s.replace(/\s+/g, ' ');

describe.skipIf(!ready)('explorer on models/default in Chromium', () => {
  let srv: UiServer;
  let browser: LaunchedBrowser;
  let page: Page;
  let rules: { rules: { id: string; evidence: { decision?: string } }[] };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    rules = JSON.parse(await readFile(join(DIR, 'rules.json'), 'utf8'));
    srv = await startUiServer(DIR);
    browser = await launchBrowser({ webgpu: false, viewport: { width: 1280, height: 1000 } });
    page = browser.page;
    await page.goto(`${srv.url}/ui/`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    await page.waitForFunction(() => document.querySelectorAll('#features .feature-card').length > 0);
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('marks only the spans of rules that fired; the rate phrase is a grammar cue with the gate open', async () => {
    expect((await setPrompt(page, TRIP, { mode: 'server' })).state).toBe('ready');
    const marked = await page.$$eval('#tokens .tok', (els) =>
      els
        .filter((e) => e.classList.contains('over') || getComputedStyle(e).getPropertyValue('--a').trim() !== '0')
        .map((e) => e.textContent),
    );
    const fired = await page.$$eval('#rules .fired-list .rule', (els) =>
      els.map((e) => (e as HTMLElement).dataset.rule),
    );
    expect(fired).toEqual(['construction-rate']);
    // Every marked token lies in the fired span: the phrase "60 miles per hour" and the rest of its
    // clause, up to where the gloss goes ("for 3 hours"); nothing else is shaded.
    expect(marked.join(' ')).toMatch(/^60 miles per hour for 3 hours$/);
    const cues = await page.$$eval('#tokens .cue', (els) =>
      els.map((e) => ({
        tag: (e as HTMLElement).dataset.tag,
        state: (e as HTMLElement).dataset.state,
        text: e.textContent,
      })),
    );
    const rate = cues.find((c) => c.state === 'glossed');
    expect(rate?.text).toBe('60 miles per hour');
    expect(rate?.tag).toMatch(/^grammar cue: \S+ · task gate open$/);
    // The multiplicative phrase is parsed but its rule is off by default: outlined, and says so.
    const half = cues.find((c) => c.text?.includes('times as far'));
    expect(half).toMatchObject({ state: 'rule-off' });
    expect(half?.tag).toMatch(/not glossed/);
    expect(await page.locator('#token-summary').innerText()).toMatch(/Task gate math-word-problem: open/);
    await page.locator('#tokens .tok', { hasText: /^miles$/ }).hover();
    expect(await page.locator('#token-detail').innerText()).toMatch(/grammar cue .*glossed by construction-rate/);
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-default-tokens.png') });
  });

  it('prose: the gate is closed, nothing is marked, the rule card list says none fired', async () => {
    await setPrompt(page, PROSE, { mode: 'server' });
    expect(await page.locator('#tokens .tok.over').count()).toBe(0);
    expect(await page.locator('#rules-summary').innerText()).toMatch(/^None of the 10 rules fired/);
    expect(await page.locator('#token-summary').innerText()).toMatch(/Task gate math-word-problem: closed/);
  });

  it('rule cards state cue, gate, default and evidence as rules.json does, no placeholder mining figures', async () => {
    await setPrompt(page, TRIP, { mode: 'server' });
    const card = norm(await page.locator('#rules .fired-list .rule[data-rule="construction-rate"]').innerText());
    expect(card).toMatch(/Cue: grammar cue: rate constructions of the construction grammar/);
    expect(card).toMatch(
      /Gate: task gate math-word-problem governs family rate · on this prompt: open \(score 0\.\d\d/,
    );
    expect(card).toContain('Default: on by default');
    const decision = rules.rules.find((r) => r.id === 'construction-rate')!.evidence.decision!;
    expect(card).toContain(norm(decision));
    expect(card).toMatch(/driven by construction grammar/);
    expect(card).not.toMatch(/support 0|lift 0\.00|q-value 1\.000/);
    await page.locator('#rules .fired-list').screenshot({ path: join(ARTIFACTS, 'explorer-default-fired-card.png') });
    // Every rule of the bundle has a card, the off ones saying so with their decision.
    await page.locator('#rules .all-rules > summary').click();
    expect(await page.locator('#rules .all-rules .rule').count()).toBe(rules.rules.length);
    const frac = norm(
      await page.locator('#rules .all-rules .rule[data-rule="construction-multiplicative"]').innerText(),
    );
    expect(frac).toMatch(/Default: off by default .*no failure signal that holds/);
    expect(frac).not.toMatch(/support 0|lift 0\.00/);
    await page
      .locator('#rules .all-rules .rule[data-rule="figurative-verb"]')
      .screenshot({ path: join(ARTIFACTS, 'explorer-default-probe-card.png') });
    await page.locator('#rules .all-rules > summary').click();
  });

  it('the feature browser searches and pages (25 a page), and a feature shows its top contexts', async () => {
    const cards = page.locator('#features .feature-card');
    expect(await cards.count()).toBe(25);
    expect(await page.locator('#feature-page').innerText()).toBe('Page 1 of 36');
    const first = await cards.first().getAttribute('data-feature');
    await page.locator('#feature-next').click();
    expect(await page.locator('#feature-page').innerText()).toBe('Page 2 of 36');
    expect(await cards.first().getAttribute('data-feature')).not.toBe(first);
    await page.locator('#feature-prev').click();
    expect(await cards.first().getAttribute('data-feature')).toBe(first);
    // Search by context text narrows the list, and back to page 1.
    await page.locator('#feature-filter').fill('per hour');
    const n = await cards.count();
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(25);
    expect(await page.locator('#feature-count').innerText()).toMatch(/^\d+ of 887 features match “per hour”/);
    // By id: feature 7, the gate latent, first.
    await page.locator('#feature-filter').fill('7');
    expect(await cards.first().getAttribute('data-feature')).toBe('7');
    const card = norm(await cards.first().innerText());
    expect(card).toMatch(/#7 fires on /);
    expect(card).toMatch(/Top activating contexts \(5\)/);
    expect(await cards.first().locator('.contexts li mark').count()).toBeGreaterThanOrEqual(3);
    expect(card).not.toContain('No top contexts');
    await page.locator('#features').screenshot({ path: join(ARTIFACTS, 'explorer-default-features.png') });
    await page.locator('#feature-filter').fill('');
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-default-full.png'), fullPage: true });
  });
});
