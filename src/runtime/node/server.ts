// The Gloss app on Node: a bundle folder from disk, onnxruntime-node, @hono/node-server.
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApp, type AppDeps } from '../../core/app.ts';
import { loadBundle } from '../../core/bundle/load.ts';
import type { InferenceBackend } from '../../core/detector/backend.ts';
import { GlossEngine } from '../../core/engine/engine.ts';
import { warmUp } from '../../core/gloss/warm-up.ts';
import { silentLogger, type Logger } from '../../core/http/logger.ts';
import { folderSource } from './fs-source.ts';
import { ortNodeBackend } from './ort-node-backend.ts';
import { nodeUpstreamFetch } from './upstream-fetch.ts';
import { createDetectPool, type DetectPool, type DetectPoolOptions } from './detect-pool.ts';
import { createParsePool, type ParsePool } from './parse-pool.ts';
import { nodeUiAssets } from '../../ui/node-assets.ts';
import { packageVersion } from './embedded.ts';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Bundle folder (manifest.json, detector.onnx, tokenizer.json, ...). */
  bundle: string;
  /** 0 picks a free port (default 8787). */
  port?: number;
  host?: string;
  backend?: InferenceBackend;
  limits?: AppDeps['limits'];
  auth?: AppDeps['auth'];
  logger?: Logger;
  /** The LLM proxy's upstreams and policies (without: the proxy routes answer 404). */
  proxy?: AppDeps['proxy'];
  /** Overrides for how the proxy reaches upstreams (tests). */
  proxyRuntime?: AppDeps['proxyRuntime'];
  /**
   * Detection worker threads for the proxy (default: one per core); 0 detects on the request
   * thread, where a long prompt holds every other request until it is done.
   */
  detectThreads?: number;
  /**
   * Worker threads that decode, parse and view large proxy bodies (default: 2); 0 reads every
   * body on the request thread, where JSON.parse of a few MiB holds every other request.
   */
  parseThreads?: number;
  /** Smallest proxy body, in bytes, read off the request thread (default 128 KiB; tests: 0). */
  parseMinBytes?: number;
  /** Replaces onnxruntime-node inside the detection workers (tests: a detector slowed on purpose). */
  detectBackend?: Pick<DetectPoolOptions, 'backendModule' | 'backendArg'>;
}

/**
 * An absolute-form request target with userinfo (`GET http://user@x/v1/models`) cannot become a
 * Web Request (it throws): a 400, as for any malformed target, instead of a logged 500.
 */
function refuseCredentials<E>(fetch: (req: Request, env: E) => Response | Promise<Response>) {
  return (req: Request, env: E) => {
    const url = req.url;
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url))
      return new Response(
        JSON.stringify({
          error: { type: 'invalid_request', message: 'the request target must not hold a user name or password' },
        }),
        { status: 400, headers: { 'content-type': 'application/json; charset=utf-8' } },
      );
    return fetch(req, env);
  };
}

/** SHA-256 hex of a text with node:crypto (synchronous; cheaper than Web Crypto's promise). */
export function nodeSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A listening Gloss server. */
export interface RunningServer {
  url: string;
  port: number;
  host: string;
  engine: GlossEngine;
  /** The detection worker pool (absent with detectThreads 0 or without the proxy). */
  pool?: DetectPool;
  /** The body-reading worker pool (absent with parseThreads 0 or without the proxy). */
  parsePool?: ParsePool;
  server: ServerType;
  /** Stops accepting connections, waits for requests in flight, releases the detector. */
  close(): Promise<void>;
}

/** Loads and verifies the bundle and creates the engine (throws BundleError and the like). */
export async function loadEngine(dir: string, backend: InferenceBackend = ortNodeBackend()): Promise<GlossEngine> {
  return GlossEngine.create(await loadBundle(folderSource(dir)), backend);
}

/**
 * Loads the bundle first (a bad bundle fails here, before the port opens), then listens. On Node the
 * engine is ready before the first request; the app's lazy creation matters on Workers.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const engine = await loadEngine(opts.bundle, opts.backend);
  // In-thread detection (the non-proxy routes, or detectThreads 0) warms here; each pool worker warms itself.
  // A detector that fails here fails on requests too, where each request's fail-open/closed rule applies.
  await warmUp(engine).catch(() => undefined);
  const pool =
    opts.proxy && opts.detectThreads !== 0 && !opts.proxyRuntime?.detect
      ? await createDetectPool({ bundle: opts.bundle, size: opts.detectThreads, ...opts.detectBackend }).catch(
          async (e: unknown) => {
            await engine.detector.release();
            throw e;
          },
        )
      : undefined;
  const parsePool =
    opts.proxy && opts.parseThreads !== 0 && !opts.proxyRuntime?.reader
      ? await createParsePool({ size: opts.parseThreads, minBytes: opts.parseMinBytes }).catch(async (e: unknown) => {
          await Promise.all([pool?.close(), engine.detector.release()]);
          throw e;
        })
      : undefined;
  const upstreamFetch = opts.proxyRuntime?.fetch ? undefined : nodeUpstreamFetch();
  const app = createApp({
    engine: async () => engine,
    // Loaded above, before the port opens: /healthz is ready from its first answer.
    loaded: engine,
    limits: opts.limits,
    auth: opts.auth,
    logger: opts.logger ?? silentLogger,
    proxy: opts.proxy,
    proxyRuntime: { hash: nodeSha256, fetch: upstreamFetch, detect: pool, reader: parsePool, ...opts.proxyRuntime },
    runtimeInfo: () => ({
      detect: pool ? `${pool.kind}, ${pool.queued()} queued` : 'in-thread',
      read: parsePool ? `${parsePool.kind} from ${parsePool.minBytes} bytes` : 'in-thread',
    }),
    ui: { assets: nodeUiAssets(), bundle: folderSource(opts.bundle) },
    about: { version: packageVersion, bundle: engine.bundle.manifest.name },
  });
  const host = opts.host ?? '127.0.0.1';
  const { server, info } = await new Promise<{ server: ServerType; info: AddressInfo }>((resolve, reject) => {
    const s = serve({ fetch: refuseCredentials(app.fetch), port: opts.port ?? 8787, hostname: host }, (info) =>
      resolve({ server: s, info }),
    );
    s.once('error', (e) => {
      void pool?.close();
      void parsePool?.close();
      reject(e);
    });
  });
  const urlHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${info.port}`,
    port: info.port,
    host,
    engine,
    pool,
    parsePool,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Idle keep-alive connections would hold close() open; requests in flight still finish.
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }).then(() => {
        upstreamFetch?.close();
        return Promise.all([pool?.close(), parsePool?.close(), engine.detector.release()]).then(() => {});
      });
      return closing;
    },
  };
}
