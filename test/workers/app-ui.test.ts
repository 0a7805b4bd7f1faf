// The Worker serves the explorer page and its assets (server-side computation; onnxruntime-web's
// browser files are not packed, so they answer 404 there and the page offers the server only).
import { env } from 'cloudflare:workers';
import { describe, it, expect } from 'vitest';

const app = () => (env as unknown as { APP: Fetcher }).APP;

describe('explorer on Workers', () => {
  it('serves /ui/ with its assets from the Worker, under a same-origin CSP', async () => {
    const page = await app().fetch('http://gloss/ui/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await page.text();
    expect(html).toMatch(/Gloss explorer/);
    // The page offers only what the Worker serves: no in-browser computation.
    expect(html).toMatch(/<html data-browser-compute="off"/);
    const script = /src="([^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await app().fetch(new URL(script!, 'http://gloss/ui/').href);
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(10_000);
    expect((await app().fetch('http://gloss/ui/assets/ort/ort-wasm-simd-threaded.wasm')).status).toBe(404);
  });

  it('says what it is on GET /: the package version and bundle it was packed with', async () => {
    const res = await app().fetch('http://gloss/');
    expect(res.status).toBe(200);
    const about = (await res.json()) as { version: string | null; bundle: string | null };
    expect(about.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof about.bundle).toBe('string');
  });
});
