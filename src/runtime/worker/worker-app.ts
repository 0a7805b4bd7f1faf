// The Gloss app as a Cloudflare Worker: the bundle arrives as modules, onnxruntime-web runs on
// WASM (one thread), and the engine is created inside the first request (workerd forbids I/O and
// random values in global scope), then reused by every later request of the isolate.
import { createApp } from '../../core/app.ts';
import { loadBundle } from '../../core/bundle/load.ts';
import type { DetectorSession, InferenceBackend } from '../../core/detector/backend.ts';
import { GlossEngine } from '../../core/engine/engine.ts';
import { errorResponse } from '../../core/http/errors.ts';
import { jsonLogger, silentLogger } from '../../core/http/logger.ts';
import { cacheApiCache, memoryCache, tieredCache, type DetectionCache } from '../../core/gloss/cache.ts';
import {
  ConfigError,
  DEFAULT_UPSTREAMS,
  mergeProxyConfig,
  proxyConfigFromEnv,
  resolveProxyConfig,
  type ProxyConfig,
} from '../../core/proxy/config.ts';
import { ortWebBackend } from '../web/ort-web-backend.ts';
import { memorySource, toBytes, type FileBytes } from './memory-source.ts';
import type { UiAssets } from '../../ui/routes.ts';
import { configureOrtForWorkerd, ortWasmMemoryBytes } from './ort-workerd.ts';
import { workerdFetch } from './workerd-fetch.ts';

/** The Worker's environment: GLOSS_* vars and secrets (as src/core/proxy/config.ts reads them). */
export interface WorkerEnv {
  /** When set, Gloss's own /v1/* endpoints and /metrics need `Authorization: Bearer <token>`. */
  GLOSS_BEARER_TOKEN?: string;
  /** "off" silences the request log. */
  GLOSS_LOG?: string;
  /** "off": no proxy routes. */
  GLOSS_PROXY?: string;
  /** "off": the detection cache stays in the isolate's memory (no Cache API tier). */
  GLOSS_CACHE_API?: string;
  /**
   * The proxy's configuration (src/core/proxy/config.ts): GLOSS_UPSTREAM_<NAME>_URL vars,
   * GLOSS_UPSTREAM_<NAME>_KEY secrets, GLOSS_PROXY_CONFIG (JSON or a [vars] table), GLOSS_SCAN, ...
   */
  [key: string]: unknown;
}

/**
 * Default detection budget per request on Workers, in ms (GLOSS_BUDGET_MS overrides it). The
 * Worker runs the detector on onnxruntime-web's single-threaded WASM: in workerd (wrangler dev)
 * on a loaded 2-core machine, GSM8K-length prompts (about 45 tokens) took a median 5-15 ms and a
 * p90 of 15-77 ms, 180-token prompts a median 35-88 ms and a p90 of 61-109 ms, against 29-34 ms
 * median for onnxruntime-node there; Node's 50 ms default would skip many longer prompts.
 */
export const WORKER_BUDGET_MS = 150;

/** The proxy configuration a Worker runs with: the public APIs and the Worker's budget, then its vars and secrets. */
export function workerProxyConfig(env: WorkerEnv): ProxyConfig | undefined {
  if (typeof env.GLOSS_PROXY === 'string' && /^(off|false|0)$/i.test(env.GLOSS_PROXY.trim())) return undefined;
  return mergeProxyConfig({ upstreams: { ...DEFAULT_UPSTREAMS }, budgetMs: WORKER_BUDGET_MS }, proxyConfigFromEnv(env));
}

function detectionCache(env: WorkerEnv, proxy: ProxyConfig | undefined): DetectionCache | undefined {
  if (!proxy) return undefined;
  const entries = resolveProxyConfig(proxy).cacheEntries;
  if (entries === 0) return undefined;
  const memory = memoryCache(entries);
  const caches = (globalThis as { caches?: { default?: Cache } }).caches;
  const off = typeof env.GLOSS_CACHE_API === 'string' && /^(off|false|0)$/i.test(env.GLOSS_CACHE_API.trim());
  return caches?.default && !off ? tieredCache(memory, cacheApiCache(caches.default)) : memory;
}

/** A module Worker's default export: the `fetch` handler workerd calls for every request. */
export interface WorkerHandler {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Promise<Response>;
}

/** One inference at a time per session: the isolate is single-threaded and onnxruntime's wasm heap is shared. */
export function serialized(backend: InferenceBackend): InferenceBackend {
  return {
    name: backend.name,
    async createSession(model: Uint8Array): Promise<DetectorSession> {
      const s = await backend.createSession(model);
      let tail: Promise<unknown> = Promise.resolve();
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        run(ids, outputs) {
          const r = tail.then(() => s.run(ids, outputs));
          tail = r.catch(() => {});
          return r;
        },
        release: () => s.release(),
      };
    },
  };
}

/** The explorer's assets packed into the Worker; onnxruntime-web's browser files are not. */
function workerUiAssets(ui: Record<string, FileBytes>): UiAssets {
  return {
    async read(path) {
      return Object.hasOwn(ui, path) ? toBytes(ui[path]) : undefined;
    },
  };
}

/** A Worker's `{ fetch }` for a packed bundle and onnxruntime-web's compiled wasm module; the engine loads on first use. */
export function createWorker(
  bundle: {
    files: Record<string, FileBytes>;
    label: string;
    ui?: Record<string, FileBytes>;
    /** The package version and bundle name `GET /` reports (src/runtime/node/pack-worker.ts writes them). */
    version?: string;
    bundleName?: string;
  },
  wasmModule: WebAssembly.Module,
): WorkerHandler {
  let app: ReturnType<typeof createApp> | undefined;
  return {
    fetch(request, env, ctx) {
      const logger = env?.GLOSS_LOG === 'off' ? silentLogger : jsonLogger((l) => console.log(l));
      try {
        const proxy = app ? undefined : workerProxyConfig(env ?? {});
        app ??= createApp({
          engine: async () => {
            const ort = configureOrtForWorkerd(wasmModule);
            const loaded = await loadBundle(memorySource(bundle.files, bundle.label));
            return GlossEngine.create(loaded, serialized(ortWebBackend(ort, ['wasm'])));
          },
          auth: { bearerToken: env?.GLOSS_BEARER_TOKEN || undefined },
          about: { version: bundle.version, bundle: bundle.bundleName },
          logger,
          runtimeInfo: () => ({ ortWasmMemoryBytes: ortWasmMemoryBytes() ?? null }),
          proxy,
          proxyRuntime: { cache: detectionCache(env ?? {}, proxy), fetch: workerdFetch },
          ui: bundle.ui
            ? {
                assets: workerUiAssets(bundle.ui),
                bundle: memorySource(bundle.files, bundle.label),
                browserCompute: false, // onnxruntime-web's browser files are too large to pack
              }
            : undefined,
        });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        // A bad var or secret: say so in the log; callers learn only that Gloss is misconfigured.
        logger.error('config.invalid', { error: e.message });
        return Promise.resolve(errorResponse(500, 'internal_error', 'Gloss is misconfigured; see the Worker log'));
      }
      return Promise.resolve(app.fetch(request, env as object, ctx as never));
    },
  };
}
