// `POST /v1/explain` { prompt, full? }: per-token activations of the bundle's features, sparse unless
// `full: true` asks for the whole matrix (the explorer does).
import { readJsonRequest } from '../http/body.ts';
import { glossHeaders } from '../gloss/headers.ts';
import { firedReport, round, roundTiming } from '../gloss/report.ts';
import { glossMode } from '../http/mode.ts';
import { explainRequestSchema, parseRequest } from '../http/schemas.ts';
import { detectorFailure, methodNotAllowed, now, type App, type RouteContext } from './shared.ts';

/**
 * Registers `POST /v1/explain` `{ prompt, maxGlosses?, full? }`. By default the answer is small
 * (a few KB for a sentence): the fired rules, and each token with `active`, only the features (by
 * column, rounded activation) at or over the lowest threshold of a rule on them or of a rule that
 * fired; `features` and `rules` list just the columns some token shows and the rules on them. With `full: true` it adds
 * `activations`, the whole tokens x columns matrix (rounded), and `features` and `rules` list all. Never rewrites, so `x-gloss: dry-run`
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
    const features = [...(eng.bundle.features?.features ?? [])]
      .sort((x, y) => x.column - y.column)
      .map((f) => ({ column: f.column, feature: f.feature, label: f.label, threshold: f.threshold }));
    const columnOf = new Map(features.map((f) => [f.feature, f.column]));
    // Per column, the lowest threshold of a rule on its feature; a fired rule's column counts from any activation > 0.
    const floor = new Map<number, number>();
    for (const r of eng.rules) {
      const col = columnOf.get(r.feature);
      if (col !== undefined) floor.set(col, Math.min(floor.get(col) ?? Infinity, r.threshold));
    }
    for (const f of a.fired) floor.set(f.column, Math.min(floor.get(f.column) ?? Infinity, Number.MIN_VALUE));
    const tokens = a.tokens.map((tok, t) => {
      const active: { column: number; value: number }[] = [];
      for (const [col, min] of floor) {
        const v = col < F ? a.activations[t * F + col] : 0;
        if (v > 0 && v >= min) active.push({ column: col, value: round(v) });
      }
      active.sort((x, y) => x.column - y.column);
      return { ...tok, active };
    });
    // The columns some token shows, and the rules on them (the thresholds those values meet).
    const shown = new Set([...tokens.flatMap((t) => t.active.map((x) => x.column)), ...a.fired.map((f) => f.column)]);
    const rules = eng.rules.map((r) => ({ id: r.id, feature: r.feature, threshold: r.threshold, label: r.label }));
    const body = {
      bundle: eng.bundle.manifest.name,
      backend: eng.backend,
      full: req.full === true,
      tokens,
      features: req.full ? features : features.filter((f) => shown.has(f.column)),
      rules: req.full ? rules : rules.filter((r) => shown.has(columnOf.get(r.feature) ?? -1)),
      fired: a.fired.map((f) => firedReport(eng, f)),
      windows: a.windows,
      timing: roundTiming({ ...a.ms, total: now() - t0 }),
    };
    if (!req.full) return c.json(body);
    const activations = a.tokens.map((_, t) => Array.from(a.activations.subarray(t * F, (t + 1) * F), (v) => round(v)));
    return c.json({ ...body, activations });
  });
  app.all('/v1/explain', methodNotAllowed('POST'));
}
