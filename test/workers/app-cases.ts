// Requests the Worker must answer exactly as the Node app does (same bundle: the known-answer one).
// global-setup computes the Node answers; app-parity.test.ts sends the same requests in workerd.
export interface AppCase {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  contentType?: string;
}

const json = (name: string, path: string, body: unknown): AppCase => ({
  name,
  method: 'POST',
  path,
  body: JSON.stringify(body),
  contentType: 'application/json',
});

export const APP_CASES: AppCase[] = [
  json('half as many', '/v1/rewrite', {
    prompt: 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.',
  }),
  json('half + per (note block)', '/v1/rewrite', { prompt: 'she sold half as many clips . he earns $ 12 per hour .' }),
  json('twice as much', '/v1/rewrite', { prompt: 'tom has twice as many apples as her friends .' }),
  json('nothing fires', '/v1/rewrite', { prompt: 'How many apples did Tom sell?' }),
  json('maxGlosses 1', '/v1/rewrite', {
    prompt: 'she sold half as many clips and twice as many apples per day',
    options: { maxGlosses: 1 },
  }),
  json('dry run', '/v1/rewrite', { prompt: 'she sold half as many clips', options: { dryRun: true } }),
  json('messages', '/v1/rewrite', {
    messages: [
      { role: 'system', content: 'half' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'she sold half as many clips' },
          { type: 'image_url', image_url: { url: 'x' } },
        ],
        name: 'n',
      },
      { role: 'assistant', content: 'twice' },
      { role: 'user', content: 'he earns $ 12 per hour' },
    ],
  }),
  json('messages, scan all', '/v1/rewrite', {
    messages: [
      { role: 'system', content: 'twice as many' },
      { role: 'user', content: 'half' },
    ],
    options: { scan: 'all' },
  }),
  json('explain', '/v1/explain', { prompt: 'she sold half as many clips per day', full: true }),
  json('empty prompt', '/v1/rewrite', { prompt: '' }),
  json('prompt not a string', '/v1/rewrite', { prompt: 3 }),
  { name: 'malformed JSON', method: 'POST', path: '/v1/rewrite', body: '{"prompt":', contentType: 'application/json' },
  { name: 'wrong content type', method: 'POST', path: '/v1/rewrite', body: 'half', contentType: 'text/plain' },
  { name: 'wrong method', method: 'GET', path: '/v1/rewrite' },
  { name: 'unknown route', method: 'GET', path: '/v2/nothing' },
  { name: 'bundle', method: 'GET', path: '/v1/bundle' },
];

export interface AppAnswer {
  name: string;
  status: number;
  headers: Record<string, string | null>;
  /** The JSON body without what legitimately differs between runtimes (timing, backend name). */
  body: unknown;
}

export const COMPARED_HEADERS = ['x-gloss-status', 'x-gloss-rules', 'x-gloss-dry-run', 'allow', 'content-type'];

export function comparable(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const { timing: _t, backend: _b, ...rest } = body as Record<string, unknown>;
  return rest;
}

export async function answer(c: AppCase, res: Response): Promise<AppAnswer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = comparable(JSON.parse(text));
  } catch {
    // not JSON: compared as text
  }
  return {
    name: c.name,
    status: res.status,
    headers: Object.fromEntries(COMPARED_HEADERS.map((h) => [h, res.headers.get(h)])),
    body,
  };
}

export function request(c: AppCase, base = 'http://gloss.test'): Request {
  return new Request(base + c.path, {
    method: c.method,
    body: c.body,
    headers: c.contentType ? { 'content-type': c.contentType } : {},
  });
}

/** Files of the known-answer bundle in the order `npm run pack:worker` packs them (manifest first). */
export const KNOWN_BUNDLE_FILES = [
  'manifest.json',
  'detector.onnx',
  'tokenizer.json',
  'rules.json',
  'features.json',
  'card.md',
];

/** The app worker's modules for miniflare (vitest.config.ts), relative to the repository root. */
export function appWorkerModules(
  dir: string,
  files: readonly string[] = KNOWN_BUNDLE_FILES,
): { type: 'ESModule' | 'Data' | 'CompiledWasm'; path: string }[] {
  return [
    { type: 'ESModule', path: `${dir}/app-worker.mjs` },
    { type: 'ESModule', path: `${dir}/gloss-bundle/files.mjs` },
    ...files.map((f) => ({ type: 'Data' as const, path: `${dir}/gloss-bundle/${f}.bin` })),
    { type: 'Data', path: `${dir}/gloss-bundle/ui.bin` },
    { type: 'CompiledWasm', path: `${dir}/ort-wasm-simd-threaded.wasm` },
  ];
}
