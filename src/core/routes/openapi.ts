// `GET /openapi.json`: an OpenAPI 3.1 description of Gloss's own HTTP API, built from the very zod
// schemas the routes validate with (src/core/http/schemas.ts) through zod v4's z.toJSONSchema, so
// the document cannot drift from what the routes accept. Checks zod cannot express in JSON Schema
// (a prompt that is only spaces, prompt and messages both given) are said in the descriptions.
import { z } from 'zod';
import { explainRequestSchema, rewriteRequestSchema } from '../http/schemas.ts';
import { methodNotAllowed, type App, type RouteContext } from './shared.ts';

/** What {@link openApiDocument} needs: the request limits the routes' schemas are built with. */
export interface OpenApiOptions {
  /** Most characters of prompt text in one request (the routes' maxPromptChars). */
  maxPromptChars: number;
  /** The package version, as `info.version` (default `0.0.0`). */
  version?: string;
  /** Gloss's own endpoints are behind a bearer token (adds the security scheme). */
  bearer?: boolean;
}

/** A request body's JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) from a route's zod schema. */
function requestSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...s } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return s;
}

const ErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'message'],
      properties: { type: { type: 'string' }, message: { type: 'string', description: 'what is wrong' } },
    },
  },
};

const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const err = (description: string) => json({ $ref: '#/components/schemas/Error' }, description);
const OBJECT = { type: 'object', additionalProperties: true };
/** A required JSON request body with this schema. */
const jsonBody = (schema: unknown) => ({ required: true, content: { 'application/json': { schema } } });

/** The operations' `security` list: the bearer scheme, or none. */
type Security = { bearer: never[] }[] | undefined;
/** The error answers the operations share (400, 413, 503). */
type ErrorAnswers = Record<'400' | '413' | '503', ReturnType<typeof err>>;

/**
 * The OpenAPI 3.1 document of `/v1/rewrite`, `/v1/explain`, `/v1/bundle` and `/healthz`: request
 * bodies are the routes' zod schemas as JSON Schema (strict objects: an unknown field is
 * `additionalProperties: false`), answers are outlined, every error is `{ error: { type, message } }`.
 * Pure: no I/O, throws nothing for valid options.
 */
export function openApiDocument(opts: OpenApiOptions): Record<string, unknown> {
  const security: Security = opts.bearer ? [{ bearer: [] }] : undefined;
  const bad: ErrorAnswers = {
    '400': err('invalid body: the message names each offending field'),
    '413': err('body or prompt too large'),
    '503': err('the detector engine could not be loaded'),
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gloss',
      version: opts.version ?? '0.0.0',
      description: 'Glosses LLM prompts where a sparse-autoencoder lens predicts a misreading.',
    },
    paths: {
      '/v1/rewrite': rewritePath(opts.maxPromptChars, security, bad),
      '/v1/explain': explainPath(opts.maxPromptChars, security, bad),
      '/v1/bundle': bundlePath(security, bad),
      '/healthz': healthzPath(),
    },
    components: {
      schemas: { Error: ErrorSchema },
      ...(opts.bearer ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
}

/** `POST /v1/rewrite`: the rewrite body schema, the answer and its `x-gloss-*` headers. */
function rewritePath(maxPromptChars: number, security: Security, bad: ErrorAnswers) {
  return {
    post: {
      summary: 'gloss { prompt } or { messages }',
      description:
        'Exactly one of prompt or messages; a prompt must hold more than spaces; each option at the top level or in options, not both. families: the misreading families to gloss ("all" or a list; default the bundle\'s on families; also the x-gloss-families header); an unknown family is a 400 naming the allowed ones. The answer\'s x-gloss-families header and families field say which families were glossed.',
      security,
      requestBody: jsonBody(requestSchema(rewriteRequestSchema(maxPromptChars))),
      responses: {
        '200': {
          ...json(
            OBJECT,
            '{ status, prompt | messages, dryRun, families, rules, fired, inserted, timing, backend, bundle }',
          ),
          headers: {
            'x-gloss-status': {
              schema: { type: 'string' },
              description: 'rewritten, unchanged, dry-run or disabled',
            },
            'x-gloss-rules': { schema: { type: 'string' }, description: 'rule ids that fired, comma-separated' },
            'x-gloss-families': {
              schema: { type: 'string' },
              description: 'the misreading families this request glossed, comma-separated',
            },
          },
        },
        ...bad,
      },
    },
  };
}

/** `POST /v1/explain`: the explain body schema and the activations answer. */
function explainPath(maxPromptChars: number, security: Security, bad: ErrorAnswers) {
  return {
    post: {
      summary: "per-token activations of the bundle's features",
      description:
        'Small by default (fired rules, each token with only the features at/over a rule threshold or fired); full: true adds the whole tokens x features matrix.',
      security,
      requestBody: jsonBody(requestSchema(explainRequestSchema(maxPromptChars))),
      responses: {
        '200': json(OBJECT, '{ bundle, backend, full, tokens, features, rules, fired, windows, timing, activations? }'),
        ...bad,
      },
    },
  };
}

/** `GET /v1/bundle`: the served bundle. */
function bundlePath(security: Security, bad: ErrorAnswers) {
  return {
    get: {
      summary: 'the served bundle: manifest, rules, task gate, features, card',
      security,
      responses: { '200': json(OBJECT, '{ manifest, backend, rules, gate, features, card }'), '503': bad['503'] },
    },
  };
}

/** `GET /healthz`: readiness; the document gives it no security entry. */
function healthzPath() {
  return {
    get: {
      summary: 'readiness',
      responses: {
        '200': json(
          {
            type: 'object',
            required: ['ok', 'ready'],
            properties: {
              ok: { type: 'boolean' },
              ready: { type: 'boolean' },
              bundle: { type: ['string', 'null'] },
              backend: { type: ['string', 'null'] },
            },
          },
          'ready, or still loading',
        ),
        '503': json(OBJECT, 'the engine failed to load ({ ok: false, error })'),
      },
    },
  };
}

/** Registers `GET /openapi.json`: {@link openApiDocument} for this app's limits (built once, no engine load). */
export function openApiRoute(app: App, ctx: RouteContext, opts: { version?: string; bearer?: boolean }): void {
  const doc = openApiDocument({ maxPromptChars: ctx.maxPromptChars, ...opts });
  app.get('/openapi.json', (c) => c.json(doc));
  app.all('/openapi.json', methodNotAllowed('GET, HEAD'));
}
