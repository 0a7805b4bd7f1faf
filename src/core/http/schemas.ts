// Request schemas of the HTTP API (README: "The runtime"), strict: validation errors become one
// 400 message naming each path (`options.maxGlosses: Too big: ...`, `model: unknown key`), in the
// same style as the bundle's rules.json errors.
import { z } from 'zod';
import { RunOptionsSchema } from '../engine/run-options.ts';
import { formatIssues } from '../rules/schema.ts';
import { HttpError } from './errors.ts';

/** Most characters of text in one /v1/rewrite or /v1/explain request (AppLimits.maxPromptChars). */
export const DEFAULT_MAX_PROMPT_CHARS = 100_000;

/** /v1/rewrite's options: which messages to scan, most glosses per text, report without rewriting, families to gloss. */
export const RewriteOptionsSchema = RunOptionsSchema.pick({
  scan: true,
  maxGlosses: true,
  dryRun: true,
  families: true,
});

/** Parsed /v1/rewrite options. */
export type RewriteOptions = z.infer<typeof RewriteOptionsSchema>;

const ContentPartSchema = z.looseObject({ type: z.string() });

// Messages keep every field they arrive with; only role and content are checked.
export const ChatMessageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
});

function promptSchema(maxChars: number) {
  return z
    .string()
    .max(maxChars, `must be at most ${maxChars} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty');
}

/** Characters of text a message list would have scanned (strings and text parts). */
export function messagesTextChars(messages: readonly z.infer<typeof ChatMessageSchema>[]): number {
  let n = 0;
  for (const m of messages) {
    if (typeof m.content === 'string') n += m.content.length;
    else if (Array.isArray(m.content)) for (const p of m.content) if (typeof p.text === 'string') n += p.text.length;
  }
  return n;
}

const OPTION_KEYS = ['scan', 'maxGlosses', 'dryRun', 'families'] as const;

/**
 * POST /v1/rewrite's body, strict at every level but inside messages (a chat message keeps every
 * field it arrives with): `{ prompt }` or `{ messages }`, and the options `scan`, `maxGlosses`,
 * `dryRun`, `families` at the top level or, as older clients send them, in `options` (one place per option).
 * An unknown field is an error naming it, so a misspelt option is never silently ignored.
 */
export function rewriteRequestSchema(maxPromptChars: number) {
  return z
    .strictObject({
      prompt: promptSchema(maxPromptChars).optional(),
      messages: z.array(ChatMessageSchema).min(1, 'must hold at least one message').optional(),
      ...RewriteOptionsSchema.shape,
      options: RewriteOptionsSchema.optional(),
    })
    .superRefine((b, ctx) => {
      if (b.prompt === undefined && b.messages === undefined) {
        ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'is required (or send messages)' });
      }
      if (b.prompt !== undefined && b.messages !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['messages'], message: 'send either prompt or messages, not both' });
      }
      for (const k of OPTION_KEYS)
        if (b[k] !== undefined && b.options?.[k] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['options', k],
            message: `give ${k} at the top level or in options, not both`,
          });
      if (b.messages) {
        const n = messagesTextChars(b.messages);
        if (n > maxPromptChars)
          ctx.addIssue({
            code: 'custom',
            path: ['messages'],
            message: `hold ${n} characters of text, more than ${maxPromptChars}`,
          });
      }
    });
}

/** The rewrite options of a parsed /v1/rewrite body, wherever the client put them. */
export function rewriteOptions(req: RewriteRequest): RewriteOptions {
  return {
    ...req.options,
    ...Object.fromEntries(OPTION_KEYS.filter((k) => req[k] !== undefined).map((k) => [k, req[k]])),
  };
}

const ExplainOptionsSchema = RunOptionsSchema.pick({ maxGlosses: true });

/**
 * POST /v1/explain's body, strict: `{ prompt, maxGlosses?, full? }` (or `options: { maxGlosses }`);
 * `full: true` asks for the whole tokens x features matrix instead of the sparse default.
 */
export function explainRequestSchema(maxPromptChars: number) {
  return z
    .strictObject({
      prompt: promptSchema(maxPromptChars),
      full: z.boolean().optional(),
      ...ExplainOptionsSchema.shape,
      options: ExplainOptionsSchema.optional(),
    })
    .superRefine((b, ctx) => {
      if (b.maxGlosses !== undefined && b.options?.maxGlosses !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['options', 'maxGlosses'],
          message: 'give maxGlosses at the top level or in options, not both',
        });
    });
}

/** A parsed /v1/rewrite body. */
export type RewriteRequest = z.infer<ReturnType<typeof rewriteRequestSchema>>;
/** A parsed /v1/explain body. */
export type ExplainRequest = z.infer<ReturnType<typeof explainRequestSchema>>;

/**
 * Parses a request body with a schema.
 * @throws HttpError 400 `invalid_request` naming each offending path (`options.dry_run: unknown key`).
 */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(
      400,
      'invalid_request',
      `invalid request body: expected a JSON object, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`,
    );
  }
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, 'invalid_request', formatIssues('request body', r.error));
  return r.data;
}
