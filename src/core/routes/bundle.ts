// `GET /v1/bundle`: the loaded bundle's manifest, rules, task gate, features (labels, top contexts) and card.
import { methodNotAllowed, type App, type RouteContext } from './shared.ts';

/** Registers `GET /v1/bundle` (loads the engine; 503 when it cannot). */
export function bundleRoute(app: App, ctx: RouteContext): void {
  app.get('/v1/bundle', async (c) => {
    const eng = await ctx.engine();
    const b = eng.bundle;
    return c.json({
      manifest: b.manifest,
      backend: eng.backend,
      rules: b.rules?.rules ?? [],
      // The task gate (rules.json `gate`), so a client can say which rule families it governs.
      gate: b.rules?.gate ?? null,
      features: b.features?.features ?? [],
      card: b.card ?? null,
    });
  });
  app.all('/v1/bundle', methodNotAllowed('GET, HEAD'));
}
