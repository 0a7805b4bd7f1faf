// The two ways the explorer computes: on the server (POST /v1/explain, /v1/rewrite over HTTP) or in
// this browser, where the same Hono app (src/core/app.ts) runs on a GlossEngine whose detector is
// onnxruntime-web (WebGPU when the browser gives an adapter, WASM otherwise) and whose bundle comes
// over HTTP with every file checked against the manifest's sha256. Both answer the same JSON.
import { createApp } from '../../core/app.ts';
import { loadBundle } from '../../core/bundle/load.ts';
import { GlossEngine } from '../../core/engine/engine.ts';
import { browserBackend, type BrowserProvider } from '../../runtime/web/browser-backend.ts';
import { httpBundleSource } from './http-source.ts';
import { captureConsole, parsePlacement, type Placement } from './placement.ts';
import type { BundleResponse, ErrorResponse, ExplainResponse, RewriteResponse } from './types.ts';

export type ComputeKind = 'server' | 'browser';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Compute {
  readonly kind: ComputeKind;
  bundle(): Promise<BundleResponse>;
  explain(prompt: string, signal?: AbortSignal): Promise<ExplainResponse>;
  rewrite(prompt: string, signal?: AbortSignal): Promise<RewriteResponse>;
}

type Fetcher = (req: Request) => Promise<Response>;

async function call<T>(fetcher: Fetcher, url: string, init: RequestInit): Promise<T> {
  const res = await fetcher(new Request(url, init));
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const err = (body as ErrorResponse | undefined)?.error;
    throw new ApiError(
      res.status,
      err?.type ?? 'http_error',
      err?.message ?? `HTTP ${res.status} ${res.statusText}`.trim(),
    );
  }
  if (body === undefined) throw new ApiError(res.status, 'invalid_response', 'the answer was not JSON');
  return body as T;
}

function jsonPost(
  prompt: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
  extra: Record<string, unknown> = {},
): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ prompt, ...extra }),
    signal,
  };
}

function api(fetcher: Fetcher, base: string, headers: () => Record<string, string>) {
  return {
    bundle: () => call<BundleResponse>(fetcher, new URL('v1/bundle', base).href, { headers: headers() }),
    explain: (prompt: string, signal?: AbortSignal) =>
      // The explorer shades from the whole matrix, so it asks for it (`full: true`).
      call<ExplainResponse>(
        fetcher,
        new URL('v1/explain', base).href,
        jsonPost(prompt, headers(), signal, { full: true }),
      ),
    rewrite: (prompt: string, signal?: AbortSignal) =>
      call<RewriteResponse>(fetcher, new URL('v1/rewrite', base).href, jsonPost(prompt, headers(), signal)),
  };
}

/** `base` is the API root (the page's `../`), ending with `/`. */
export function serverCompute(base: string, headers: () => Record<string, string> = () => ({})): Compute {
  return { kind: 'server', ...api((req) => fetch(req), base, headers) };
}

export interface BrowserLoad {
  /** Provider actually in use after the session was created (WebGPU may fall back to WASM). */
  provider: BrowserProvider;
  backend: string;
  /** Bundle download + sha256 checks. */
  fetchMs: number;
  /** onnxruntime-web start-up and session creation. */
  sessionMs: number;
  bytes: number;
  /** First detector run (on WebGPU it compiles the shaders), so later timings are steady ones. */
  warmupMs: number;
  /** WebGPU only: where onnxruntime placed the graph's nodes (some ops have no WebGPU kernel). */
  placement?: Placement;
}

export interface BrowserComputeOptions {
  /** API root, ending with `/` (bundle files come from `<base>v1/bundle/files/`). */
  base: string;
  /** Where onnxruntime-web's .wasm files are served. */
  wasmPaths: string;
  prefer?: BrowserProvider;
  headers?: () => Record<string, string>;
  onProgress?: (line: string) => void;
}

export interface BrowserCompute extends Compute {
  /** Loads the bundle and creates the session (once); later calls return the same promise. */
  load(): Promise<BrowserLoad>;
  /** Releases the detector session (e.g. before switching between WebGPU and WASM). */
  dispose(): Promise<void>;
}

export function browserCompute(opts: BrowserComputeOptions): BrowserCompute {
  const headers = opts.headers ?? (() => ({}));
  let loading: Promise<{ load: BrowserLoad; app: ReturnType<typeof createApp>; engine: GlossEngine }> | undefined;
  // onnxruntime-web runs one inference at a time per session: calls queue up here.
  let queue: Promise<unknown> = Promise.resolve();

  function start() {
    loading ??= (async () => {
      const t0 = performance.now();
      let bytes = 0;
      const source = httpBundleSource(new URL('v1/bundle/files/', opts.base).href, {
        headers: headers(),
        onFile: (name, n) => {
          bytes += n;
          opts.onProgress?.(`fetched ${name} (${formatBytes(n)}), checking its sha256`);
        },
      });
      const bundle = await loadBundle(source);
      const t1 = performance.now();
      opts.onProgress?.(`bundle ${bundle.manifest.name} verified; starting onnxruntime-web`);
      const backend = await browserBackend({ prefer: opts.prefer, wasmPaths: opts.wasmPaths });
      const engine = await GlossEngine.create(bundle, backend);
      const t2 = performance.now();
      let placement: Placement | undefined;
      if (backend.provider === 'webgpu') {
        opts.onProgress?.('checking which nodes WebGPU runs');
        placement = await webgpuPlacement(bundle.model);
      }
      opts.onProgress?.(
        `first run on ${engine.backend}${backend.provider === 'webgpu' ? ' (compiles the GPU shaders)' : ''}`,
      );
      const t3 = performance.now();
      await engine.analyze(WARMUP_TEXT);
      const warmupMs = performance.now() - t3;
      const app = createApp({ engine: async () => engine });
      const load: BrowserLoad = {
        provider: backend.provider,
        backend: engine.backend,
        fetchMs: t1 - t0,
        sessionMs: t2 - t1,
        bytes,
        warmupMs,
        placement,
      };
      return { load, app, engine };
    })();
    // A failed load can be retried (e.g. after the server came back).
    loading.catch(() => (loading = undefined));
    return loading;
  }

  function serial<T>(run: () => Promise<T>): Promise<T> {
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  }

  const local = (pick: (a: ReturnType<typeof api>) => Promise<unknown>) =>
    serial(async () => {
      const { app } = await start();
      return pick(
        api(
          (req) => Promise.resolve(app.fetch(req)),
          'http://in-browser.gloss/',
          () => ({}),
        ),
      );
    });

  return {
    kind: 'browser',
    load: async () => (await start()).load,
    async dispose() {
      const l = loading;
      loading = undefined;
      if (!l) return;
      const { engine } = await l.catch(() => ({ engine: undefined }));
      await serial(async () => engine?.detector.release());
    },
    bundle: () => local((a) => a.bundle()) as Promise<BundleResponse>,
    explain: (prompt) => local((a) => a.explain(prompt)) as Promise<ExplainResponse>,
    rewrite: (prompt) => local((a) => a.rewrite(prompt)) as Promise<RewriteResponse>,
  };
}

const WARMUP_TEXT = 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.';

/**
 * Where onnxruntime-web's WebGPU provider places the detector's nodes: a throwaway session created
 * with verbose logging (the engine's own session logs at the default level), read from the log.
 * Same runtime, graph and provider, so the same placement. Shaders compile at the first run, so
 * creating it is cheap.
 */
async function webgpuPlacement(model: Uint8Array): Promise<Placement | undefined> {
  try {
    const ort = await import('onnxruntime-web/webgpu');
    const { lines } = await captureConsole(async () => {
      const s = await ort.InferenceSession.create(model, {
        executionProviders: ['webgpu'],
        logSeverityLevel: 0,
        logVerbosityLevel: 0,
      });
      await s.release();
    });
    return parsePlacement(lines);
  } catch {
    return undefined;
  }
}

export function formatBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}
