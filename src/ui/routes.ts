// The explorer's routes, as a Hono sub-app to mount on the Gloss app (`app.route('/', uiRoutes(...))`):
//
//   GET /ui                      -> redirect to /ui/
//   GET /ui/                     the page (index.html)
//   GET /ui/assets/<file>        the built page assets (app.js, chunks, style.css)
//   GET /ui/assets/ort/<file>    onnxruntime-web's .wasm/.mjs files, for in-browser computation
//   GET /v1/bundle/files/<name>  the bundle's files, byte for byte (only manifest.json and the files
//                                it lists), which the page verifies against the manifest's sha256
//
// Web-standard only (Hono, Uint8Array): how asset bytes are read is the caller's (Node: from disk,
// see node-assets.ts). Mounted on createApp's app, /v1/bundle/files sits behind the same bearer
// token as the rest of /v1.
import { Hono, type Context } from 'hono';
import { readManifest, type BundleSource } from '../core/bundle/source.ts';

export interface UiAssets {
  /** Bytes of an asset by its path under /ui/assets/ (e.g. `app.js`, `ort/ort-wasm-simd-threaded.wasm`), or undefined. */
  read(path: string): Promise<Uint8Array | undefined>;
}

export interface UiRoutesOptions {
  /** Where the page's assets come from; index.html is read as `index.html`. */
  assets: UiAssets;
  /** The bundle the server runs; serves GET /v1/bundle/files/:name (in-browser computation needs it). */
  bundle?: BundleSource;
  /**
   * Whether this deployment serves what in-browser computation needs (onnxruntime-web's files under
   * assets/ort/ and the bundle's files). Default true; false (the Worker) marks the page
   * `data-browser-compute="off"`, and it then offers server computation only.
   */
  browserCompute?: boolean;
}

/** The page as served: marked when this deployment cannot run the detector in the browser. */
export function markPage(html: Uint8Array, browserCompute: boolean): Uint8Array {
  if (browserCompute) return html;
  const text = new TextDecoder().decode(html).replace(/<html\b/, '<html data-browser-compute="off"');
  return new TextEncoder().encode(text);
}

/** onnxruntime-web files the page may ask for (plain WASM build; asyncify for WebGPU; jsep/jspi for other builds). */
export const ORT_ASSETS: readonly string[] = ['', '.asyncify', '.jsep', '.jspi'].flatMap((v) => [
  `ort-wasm-simd-threaded${v}.wasm`,
  `ort-wasm-simd-threaded${v}.mjs`,
]);

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  json: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  wasm: 'application/wasm',
  onnx: 'application/octet-stream',
};

function contentType(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  return TYPES[ext] ?? 'application/octet-stream';
}

// Everything the page needs comes from this origin: no CDN, fonts or scripts from elsewhere.
// 'wasm-unsafe-eval' lets onnxruntime-web compile its WebAssembly; nothing else is evaluated.
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function notBuilt(c: Context, e: unknown): Response {
  return c.text(`The Gloss explorer is not available: ${(e as Error).message ?? String(e)}\n`, 503, {
    'cache-control': 'no-store',
  });
}

function bytesResponse(bytes: Uint8Array, headers: Record<string, string>): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: { 'content-length': String(bytes.byteLength), ...headers },
  });
}

async function etagOf(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return `"${Array.from(d.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('')}"`;
}

function notModified(c: Context, etag: string, headers: Record<string, string>): Response | undefined {
  const inm = c.req.header('if-none-match');
  if (inm && inm.split(/\s*,\s*/).includes(etag))
    return new Response(null, { status: 304, headers: { etag, ...headers } });
  return undefined;
}

export function uiRoutes(opts: UiRoutesOptions): Hono {
  const ui = new Hono();
  const { assets } = opts;

  // Relative, so the redirect is right wherever the app is mounted.
  ui.get('/ui', (c) => c.redirect(`ui/${new URL(c.req.url).search}`, 308));

  ui.get('/ui/', async (c) => {
    let html: Uint8Array | undefined;
    try {
      html = await assets.read('index.html');
    } catch (e) {
      return notBuilt(c, e);
    }
    if (!html) return notBuilt(c, new Error('index.html is missing (run `npm run build:ui`)'));
    return bytesResponse(markPage(html, opts.browserCompute ?? true), {
      'content-type': TYPES.html,
      'cache-control': 'no-cache',
      'content-security-policy': UI_CSP,
      ...SECURITY_HEADERS,
    });
  });

  ui.get('/ui/assets/:path{.+}', async (c) => {
    const path = c.req.param('path');
    if (path.split('/').some((seg) => seg === '..' || seg === '.' || seg === '') || path.includes('\\')) {
      return c.json({ error: { type: 'not_found', message: 'no such asset' } }, 404);
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await assets.read(path);
    } catch (e) {
      return notBuilt(c, e);
    }
    if (!bytes) return c.json({ error: { type: 'not_found', message: `no asset ${path}` } }, 404);
    const isOrt = path.startsWith('ort/');
    // onnxruntime-web's files change only with its version: cached for a day. The page's own assets
    // are revalidated every time (cheap with the ETag).
    const headers: Record<string, string> = {
      'content-type': contentType(path),
      'cache-control': isOrt ? 'public, max-age=86400' : 'no-cache',
      ...SECURITY_HEADERS,
    };
    if (!isOrt) {
      const etag = await etagOf(bytes);
      const nm = notModified(c, etag, headers);
      if (nm) return nm;
      headers.etag = etag;
    }
    return bytesResponse(bytes, headers);
  });

  const source = opts.bundle;
  if (source) {
    ui.get('/v1/bundle/files/:name', async (c) => {
      const name = c.req.param('name');
      // Only what the manifest names is served: nothing else in the folder leaks.
      const manifest = await readManifest(source);
      const entry = manifest.files[name];
      if (name !== 'manifest.json' && !entry) {
        return c.json({ error: { type: 'not_found', message: `the bundle has no file ${name}` } }, 404);
      }
      const bytes = await source.read(name);
      if (!bytes) return c.json({ error: { type: 'not_found', message: `bundle file ${name} is missing` } }, 404);
      const etag = entry ? `"${entry.sha256}"` : await etagOf(bytes);
      const headers: Record<string, string> = {
        'content-type': contentType(name),
        'cache-control': 'no-cache',
        ...SECURITY_HEADERS,
      };
      if (entry) headers['x-gloss-sha256'] = entry.sha256;
      const nm = notModified(c, etag, headers);
      if (nm) return nm;
      return bytesResponse(bytes, { ...headers, etag });
    });
  }

  return ui;
}
