// `POST /v1/rewrite` { prompt } | { messages }: the texts glossed by the same pass as the proxy and
// the middleware (src/core/gloss/pass.ts), with no budget, scan limit or cache: this endpoint
// reports everything the detector says about the texts it was given.
import type { Context } from 'hono';
import { readJsonRequest } from '../http/body.ts';
import { glossHeaders, headerStatus } from '../gloss/headers.ts';
import { roundTiming, ruleIds, unitReports } from '../gloss/report.ts';
import { messagesUnit, promptUnit } from '../gloss/units.ts';
import { glossMode } from '../http/mode.ts';
import { parseRequest, rewriteOptions, rewriteRequestSchema, type RewriteRequest } from '../http/schemas.ts';
import { sha256Text } from '../gloss/cache.ts';
import type { DetectService } from '../gloss/detect.ts';
import { familiesInEffect, matchFamilies, requestFamilies } from '../gloss/families.ts';
import { glossPass, type PassResult, type PassUnit } from '../gloss/pass.ts';
import type { ChatMessage } from '../rewrite/messages.ts';
import { detectorFailure, methodNotAllowed, now, type App, type RouteContext } from './shared.ts';

/**
 * Registers `POST /v1/rewrite`. Answers `{ status, prompt | messages, dryRun, families, rules,
 * fired, inserted, timing, backend, bundle }` with x-gloss-status, x-gloss-rules, x-gloss-ms,
 * x-gloss-families (and x-gloss-dry-run); `families` (body, else the x-gloss-families header)
 * picks the misreading families to gloss; `x-gloss: off` returns the texts as sent without detecting. Errors: 400/413
 * for a bad body, 503 when the engine cannot load, 500 `detector_error`.
 * @param detect where detection runs (Node: the proxy's worker pool, off the request thread)
 */
export function rewriteRoute(app: App, ctx: RouteContext, detect: DetectService): void {
  const schema = rewriteRequestSchema(ctx.maxPromptChars);
  app.post('/v1/rewrite', async (c) => {
    const t0 = now();
    const body = (await readJsonRequest(c.req.raw, ctx.maxBodyBytes)) as Record<string, unknown>;
    const req = parseRequest(schema, body);
    const mode = glossMode(c.req.raw);
    const opts = rewriteOptions(req);
    const families = opts.families ?? requestFamilies(c.req.raw, undefined);
    if (mode === 'off') return disabled(c, req, body, t0);
    const eng = await ctx.engine();
    const messages = body.messages as ChatMessage[] | undefined; // as sent: unknown fields survive
    const unit = req.prompt !== undefined ? promptUnit(req.prompt) : messagesUnit(messages!, opts.scan ?? 'user');
    const pass = await glossPass(
      [unit],
      { detect, engine: eng, hash: sha256Text },
      { budgetMs: Infinity, scanTokens: Infinity, maxGlosses: opts.maxGlosses, families: matchFamilies(families) },
    );
    if (pass.error !== undefined) throw detectorFailure(ctx.log, 'rewrite', pass.error);
    const out = pass.units[0];
    const { fired, inserted } = unitReports(eng, out, req.prompt !== undefined);
    const dryRun = mode === 'dry-run' || (opts.dryRun ?? false);
    const total = now() - t0;
    const rules = ruleIds(fired);
    const inEffect = familiesInEffect(families, eng.rules);
    const headers = glossHeaders({ status: headerStatus(out.status), rules, ms: total, dryRun, families: inEffect });
    const texts =
      req.prompt !== undefined
        ? { prompt: dryRun ? req.prompt : (out.messages[0].content as string) }
        : { messages: dryRun ? body.messages : glossedMessages(messages!, unit, out) };
    return c.json(
      {
        status: out.status,
        ...texts,
        dryRun,
        families: inEffect,
        rules,
        fired,
        inserted,
        timing: roundTiming({ ...pass.timing, total }),
        backend: eng.backend,
        bundle: eng.bundle.manifest.name,
      },
      200,
      headers,
    );
  });
  app.all('/v1/rewrite', methodNotAllowed('POST'));
}

/** The answer to `x-gloss: off`: the texts as sent, nothing detected. */
function disabled(c: Context, req: RewriteRequest, body: Record<string, unknown>, t0: number): Response {
  return c.json(
    {
      status: 'disabled',
      ...(req.prompt !== undefined ? { prompt: req.prompt } : { messages: body.messages }),
      dryRun: false,
      rules: [],
      fired: [],
      inserted: [],
      timing: roundTiming({ tokenize: 0, detect: 0, match: 0, total: now() - t0 }),
    },
    200,
    glossHeaders({ status: 'disabled', rules: [], ms: now() - t0 }),
  );
}

/** Unchanged messages go back as sent; changed ones without the view's path. */
function glossedMessages(messages: ChatMessage[], unit: PassUnit, out: PassResult['units'][number]) {
  return messages.map((m, i) => {
    if (out.messages[i] === unit.messages[i]) return m;
    const { path: _path, ...rest } = out.messages[i];
    return rest;
  });
}
