// `POST /v1/rewrite` { prompt } | { messages }: the texts glossed by the same pass as the proxy and
// the middleware (src/core/gloss/pass.ts), with no budget, scan limit or cache: this endpoint
// reports everything the detector says about the texts it was given.
import type { Context } from 'hono';
import type { GlossEngine } from '../engine/engine.ts';
import { readJsonRequest } from '../http/body.ts';
import {
  firedReport,
  headerStatus,
  roundTiming,
  ruleIds,
  type FiredReport,
  type InsertedReport,
} from '../gloss/report.ts';
import { glossMode } from '../http/mode.ts';
import { parseRequest, rewriteOptions, rewriteRequestSchema, type RewriteRequest } from '../http/schemas.ts';
import { sha256Text } from '../gloss/cache.ts';
import type { DetectService } from '../gloss/detect.ts';
import { glossPass, type PassResult, type PassUnit } from '../gloss/pass.ts';
import type { ChatMessage } from '../rewrite/messages.ts';
import { detectorFailure, methodNotAllowed, now, type App, type RouteContext } from './shared.ts';

/**
 * Registers `POST /v1/rewrite`. Answers `{ status, prompt | messages, dryRun, rules, fired,
 * inserted, timing, backend, bundle }` with x-gloss-status, x-gloss-rules, x-gloss-ms (and
 * x-gloss-dry-run); `x-gloss: off` returns the texts as sent without detecting. Errors: 400/413
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
    if (mode === 'off') return disabled(c, req, body, t0);
    const eng = await ctx.engine();
    const messages = body.messages as ChatMessage[] | undefined; // as sent: unknown fields survive
    const unit = passUnit(req, messages, opts.scan);
    const pass = await glossPass(
      [unit],
      { detect, engine: eng, hash: sha256Text },
      { budgetMs: Infinity, scanTokens: Infinity, maxGlosses: opts.maxGlosses },
    );
    if (pass.error !== undefined) throw detectorFailure(ctx.log, 'rewrite', pass.error);
    const out = pass.units[0];
    const { fired, inserted } = reports(eng, out, req.prompt !== undefined);
    const dryRun = mode === 'dry-run' || (opts.dryRun ?? false);
    const total = now() - t0;
    const rules = ruleIds(fired);
    const headers: Record<string, string> = {
      'x-gloss-status': headerStatus(out.status),
      'x-gloss-rules': rules.join(','),
      'x-gloss-ms': total.toFixed(2),
    };
    if (dryRun) headers['x-gloss-dry-run'] = 'true';
    const texts =
      req.prompt !== undefined
        ? { prompt: dryRun ? req.prompt : (out.messages[0].content as string) }
        : { messages: dryRun ? body.messages : glossedMessages(messages!, unit, out) };
    return c.json(
      {
        status: out.status,
        ...texts,
        dryRun,
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
    { 'x-gloss-status': 'disabled', 'x-gloss-rules': '', 'x-gloss-ms': (now() - t0).toFixed(2) },
  );
}

/** The request's texts as one pass unit: a prompt is one user message scanned whole; messages keep their paths. */
function passUnit(
  req: RewriteRequest,
  messages: ChatMessage[] | undefined,
  scan: PassUnit['scan'] | undefined,
): PassUnit {
  return req.prompt !== undefined
    ? { messages: [{ role: 'user', content: req.prompt, path: ['prompt'] }], scan: 'all' }
    : { messages: messages!.map((m, i) => ({ ...m, path: ['messages', i, 'content'] })), scan: scan ?? 'user' };
}

/** Fired rules and inserted glosses of the pass, located by message and part unless the request was a prompt. */
function reports(
  eng: GlossEngine,
  out: PassResult['units'][number],
  isPrompt: boolean,
): { fired: FiredReport[]; inserted: InsertedReport[] } {
  const fired: FiredReport[] = [];
  const inserted: InsertedReport[] = [];
  for (const m of out.reports)
    for (const p of m.parts) {
      const where = isPrompt ? {} : { message: m.index, part: p.part };
      for (const f of p.fired) fired.push(firedReport(eng, f, where));
      for (const i of p.inserted) inserted.push({ rule: i.ruleId, at: i.at, gloss: i.gloss, ...where });
    }
  return { fired, inserted };
}

/** Unchanged messages go back as sent; changed ones without the view's path. */
function glossedMessages(messages: ChatMessage[], unit: PassUnit, out: PassResult['units'][number]) {
  return messages.map((m, i) => {
    if (out.messages[i] === unit.messages[i]) return m;
    const { path: _path, ...rest } = out.messages[i];
    return rest;
  });
}
