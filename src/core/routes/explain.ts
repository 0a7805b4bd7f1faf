// `POST /v1/explain` { prompt }: per-token activations of the bundle's features, for the explorer.
import { readJsonRequest } from '../http/body.ts';
import { glossHeaders } from '../gloss/headers.ts';
import { firedReport, round, roundTiming } from '../gloss/report.ts';
import { glossMode } from '../http/mode.ts';
import { explainRequestSchema, parseRequest } from '../http/schemas.ts';
import { detectorFailure, methodNotAllowed, now, type App, type RouteContext } from './shared.ts';

/**
 * Registers `POST /v1/explain`: tokens, features (by column), rules, a tokens x features matrix of
 * activations (rounded), fired rules, windows and timing. Never rewrites, so `x-gloss: dry-run`
 * changes nothing; `off` answers `status: 'disabled'` without detecting. Errors: 400/413 for a
 * bad body, 503 when the engine cannot load, 500 `detector_error`.
 */
export function explainRoute(app: App, ctx: RouteContext): void {
  const schema = explainRequestSchema(ctx.maxPromptChars);
  app.post('/v1/explain', async (c) => {
    const t0 = now();
    const req = parseRequest(schema, await readJsonRequest(c.req.raw, ctx.maxBodyBytes));
    if (glossMode(c.req.raw) === 'off')
      return c.json(
        {
          status: 'disabled',
          tokens: [],
          activations: [],
          fired: [],
          timing: roundTiming({ tokenize: 0, detect: 0, match: 0, total: now() - t0 }),
        },
        200,
        glossHeaders({ status: 'disabled' }),
      );
    const eng = await ctx.engine();
    const maxGlosses = req.maxGlosses ?? req.options?.maxGlosses;
    let a;
    try {
      a = await eng.analyze(req.prompt, { maxGlosses });
    } catch (e) {
      throw detectorFailure(ctx.log, 'explain', e);
    }
    const F = a.numFeatures;
    const activations = a.tokens.map((_, t) => Array.from(a.activations.subarray(t * F, (t + 1) * F), (v) => round(v)));
    const features = [...(eng.bundle.features?.features ?? [])]
      .sort((x, y) => x.column - y.column)
      .map((f) => ({ column: f.column, feature: f.feature, label: f.label, threshold: f.threshold }));
    return c.json({
      bundle: eng.bundle.manifest.name,
      backend: eng.backend,
      tokens: a.tokens,
      features,
      rules: eng.rules.map((r) => ({ id: r.id, feature: r.feature, threshold: r.threshold, label: r.label })),
      activations,
      fired: a.fired.map((f) => firedReport(eng, f)),
      windows: a.windows,
      timing: roundTiming({ ...a.ms, total: now() - t0 }),
    });
  });
  app.all('/v1/explain', methodNotAllowed('POST'));
}
