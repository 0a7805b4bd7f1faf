// gloss() for Node (`@gloss-lens/gloss/node`): the core middleware with bundles read from disk by
// onnxruntime-node. No bundle means the embedded default one; a folder path or a BundleSource
// names another. Engines are shared: one per bundle in this process, however many middlewares
// (or apps) name it, so two `gloss()` calls never load two copies of the model.
import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { loadBundle } from '../../core/bundle/load.ts';
import type { BundleSource } from '../../core/bundle/source.ts';
import { GlossEngine } from '../../core/engine/engine.ts';
import { glossMiddleware, parseGlossOptions, type GlossOptions, type GlossVariables } from '../../core/middleware.ts';
import { defaultBundleDir } from './embedded.ts';
import { folderSource } from './fs-source.ts';
import { ortNodeBackend } from './ort-node-backend.ts';

const byPath = new Map<string, Promise<GlossEngine>>();
const bySource = new WeakMap<BundleSource, Promise<GlossEngine>>();

/** The real path of a folder, or its absolute path while it does not exist (loading then fails). */
function canonical(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/**
 * The process-wide engine of a bundle folder or source, created on first use with
 * onnxruntime-node (or `options.backend`) and shared after; a failed load is forgotten, so the
 * next call tries again. Folders are keyed by their real path, sources by identity.
 * @throws BundleError (rejected promise) when the bundle is missing, malformed or fails its sha256 check.
 */
export function sharedEngine(
  bundle: string | BundleSource = defaultBundleDir,
  options: Pick<GlossOptions, 'backend'> = {},
): Promise<GlossEngine> {
  const create = async (source: BundleSource) =>
    GlossEngine.create(await loadBundle(source), options.backend ?? ortNodeBackend());
  if (typeof bundle === 'string') {
    const key = canonical(bundle);
    let p = byPath.get(key);
    if (!p) {
      p = create(folderSource(key));
      byPath.set(key, p);
      p.catch(() => byPath.delete(key));
    }
    return p;
  }
  let p = bySource.get(bundle);
  if (!p) {
    p = create(bundle);
    bySource.set(bundle, p);
    p.catch(() => bySource.delete(bundle));
  }
  return p;
}

/**
 * Gloss as a Hono middleware on Node, as `bearerAuth()` or `cors()` are used: options are checked
 * here (an unknown option such as `bundel`, or a wrong type, throws a TypeError naming it), the
 * bundle loads on the first request that needs it and is shared by every `gloss()` naming the
 * same bundle. See `gloss` in `@gloss-lens/gloss` for what it does to a request.
 *
 * `bundle`: a folder path (absolute, or relative to the working directory), a BundleSource, or
 * nothing for the embedded default bundle. `engine` (advanced) replaces the bundle altogether.
 * @throws TypeError for an unknown or ill-typed option, `bundle` with `engine`, or a bundle folder
 *   without manifest.json (a later load error, e.g. a failed sha256 check, fails each request open
 *   as `skipped-error`, or closed with `failOpen: false`, until the bundle loads).
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { gloss } from '@gloss-lens/gloss/node';
 * import type { GlossVariables } from '@gloss-lens/gloss';
 *
 * const app = new Hono<{ Variables: GlossVariables }>();
 * app.use('/ask', gloss()); // the embedded default bundle; gloss({ bundle: './my-bundle' }) for another
 * app.post('/ask', async (c) => c.json({ body: await c.req.json(), gloss: c.get('gloss') }));
 * ```
 */
export function gloss(options?: GlossOptions): MiddlewareHandler<{ Variables: GlossVariables }> {
  const { bundle, backend, engine, ...rest } = parseGlossOptions(options);
  const dir =
    typeof bundle === 'string' || (bundle === undefined && !engine) ? (bundle ?? defaultBundleDir) : undefined;
  if (dir !== undefined && !existsSync(join(dir, 'manifest.json')))
    throw new TypeError(
      `gloss(): bundle folder ${dir} has no manifest.json${bundle === undefined ? ' (in a checkout, run npm run build:default)' : ''}`,
    );
  return glossMiddleware(engine ?? (() => sharedEngine(bundle, { backend })), rest);
}
