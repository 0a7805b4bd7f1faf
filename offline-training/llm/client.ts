// A small OpenAI-compatible chat-completions client over fetch, for the trainer's LLM-facing tools
// (outcomes, uplift). Non-streaming requests only.
//
// Retry semantics:
//   - retried: HTTP 429, HTTP 5xx, connection errors (refused, reset, DNS), and the per-request
//     timeout; at most `retries` retries (so `retries + 1` attempts);
//   - the wait before retry i (0-based) is the upstream's `retry-after-ms` or `retry-after`
//     (seconds or an HTTP date) when it sends one, capped at `maxRetryAfterMs`; otherwise
//     exponential backoff with jitter: min(maxBackoffMs, backoffMs * 2^i) * U[0.5, 1);
//   - never retried: any other 4xx (400, 401, 403, 404, 413, 422, ...), a 2xx whose body is not a
//     chat completion, and the caller's own abort signal.
// Concurrency: at most `concurrency` requests in flight per client; a slot is held for one attempt
// and released while waiting to retry.
// The API key is read from the environment variable `apiKeyEnv` (default OPENAI_API_KEY) and sent
// as a bearer token; it never appears in errors or logs. Without a key no Authorization header is
// sent (local servers such as llama.cpp, vLLM or Ollama need none).

/** Environment variable read for the API key unless --api-key-env names another. */
export const DEFAULT_API_KEY_ENV = 'OPENAI_API_KEY';
/** Environment variable for the endpoint's base URL when --base-url is absent. */
export const BASE_URL_ENV = 'GLOSS_LLM_BASE_URL';
/** Environment variable for the model name when --model is absent. */
export const MODEL_ENV = 'GLOSS_LLM_MODEL';

/** Expected failures of the LLM tools (configuration, upstream errors); the CLI prints the message. */
export class LlmError extends Error {
  /** HTTP status, when the upstream answered. */
  readonly status?: number;
  /** Whether the client would retry this failure (the retries may already be spent). */
  readonly retryable: boolean;
  /** The upstream's own error message, when it sent one. */
  readonly upstreamMessage?: string;
  /** Attempts made before giving up. */
  readonly attempts?: number;
  constructor(
    message: string,
    o: { status?: number; retryable?: boolean; upstreamMessage?: string; attempts?: number; cause?: unknown } = {},
  ) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'LlmError';
    this.status = o.status;
    this.retryable = o.retryable ?? false;
    this.upstreamMessage = o.upstreamMessage;
    this.attempts = o.attempts;
  }
}

/** No base URL or model configured: one plain message, no stack. */
export class LlmConfigError extends LlmError {
  constructor(message: string) {
    super(message);
    this.name = 'LlmConfigError';
  }
}

/** How to configure an endpoint, appended to configuration errors. */
export const CONFIGURE_HINT = `Configure one with --base-url and --model (or ${BASE_URL_ENV} and ${MODEL_ENV}); the API key is read from ${DEFAULT_API_KEY_ENV} or the variable named by --api-key-env.`;

/**
 * The endpoint from options, falling back to GLOSS_LLM_BASE_URL / GLOSS_LLM_MODEL; otherwise throws
 * LlmConfigError: `what` (e.g. "no LLM endpoint is configured"), then how to configure one.
 */
export function resolveEndpoint(
  o: { baseUrl?: string; model?: string },
  what: string,
  env: Record<string, string | undefined> = process.env,
): { baseUrl: string; model: string } {
  const baseUrl = (o.baseUrl ?? env[BASE_URL_ENV] ?? '').trim();
  const model = (o.model ?? env[MODEL_ENV] ?? '').trim();
  if (!baseUrl || !model) {
    const half = baseUrl ? ' (a base URL is set but no model)' : model ? ' (a model is set but no base URL)' : '';
    throw new LlmConfigError(`${what}${half}. ${CONFIGURE_HINT}`);
  }
  return { baseUrl, model };
}

/** A chat-completions message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** ChatClient settings: endpoint, model, key, sampling, timeouts and retries (milliseconds). */
export interface ChatClientOptions {
  /** As the OpenAI SDK takes it, e.g. https://api.openai.com/v1; a bare origin gets /v1. */
  baseUrl: string;
  model: string;
  /** Environment variable holding the API key (default OPENAI_API_KEY). */
  apiKeyEnv?: string;
  /** Where to read apiKeyEnv from (default process.env). */
  env?: Record<string, string | undefined>;
  temperature?: number;
  maxTokens?: number;
  /** Per attempt, in ms (default 60 000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** First backoff step in ms (default 500). */
  backoffMs?: number;
  /** Longest computed backoff in ms (default 30 000). */
  maxBackoffMs?: number;
  /** Longest wait honoured from retry-after in ms (default 60 000). */
  maxRetryAfterMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Called before each retry wait (for progress output; carries no secrets). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** A completion's text, finish reason, the model that answered, token usage when reported, and attempts made. */
export interface ChatResult {
  content: string;
  finishReason: string | null;
  model: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
  attempts: number;
}

/** A counting semaphore: at most `n` holders at once, FIFO. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new LlmError(`concurrency must be at least 1, got ${limit}`);
  }
  get inUse(): number {
    return this.active;
  }
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else this.active--;
    };
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * The chat-completions URL for an OpenAI-compatible base URL: `<base>/chat/completions` (a bare host gets
 * `/v1`; a URL already ending in /chat/completions is kept). Throws LlmConfigError for a string that is not an
 * http(s) URL.
 */
export function chatCompletionsUrl(baseUrl: string): string {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new LlmConfigError(`LLM base URL is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new LlmConfigError(`LLM base URL must be http(s): ${JSON.stringify(baseUrl)}`);
  let path = u.pathname.replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) return u.toString();
  if (path === '') path = '/v1';
  u.pathname = `${path}/chat/completions`;
  return u.toString();
}

/** URL without credentials or query, for messages. */
function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Delay in ms asked for by retry-after-ms / retry-after, or undefined. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const ra = headers.get('retry-after');
  if (ra === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Number(ra) * 1000;
  const t = Date.parse(ra);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The upstream's error message from an OpenAI-style error body, or a short text body. */
function upstreamMessageOf(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (j.error && typeof j.error.message === 'string') return j.error.message;
    if (typeof j.message === 'string') return j.message;
    if (typeof j.detail === 'string') return j.detail;
  } catch {
    /* not JSON */
  }
  const t = text.replace(/\s+/g, ' ').trim();
  return t ? (t.length > 300 ? `${t.slice(0, 300)}...` : t) : undefined;
}

function contentOf(message: { content?: unknown } | undefined): string | undefined {
  const c = message?.content;
  if (typeof c === 'string') return c;
  if (c === null) return '';
  if (Array.isArray(c))
    return c.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : '')).join('');
  return undefined;
}

function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'fetch failed'} (${cause})` : (e.message ?? String(err));
}

/**
 * A minimal OpenAI-compatible chat-completions client: timeouts, retries with backoff on 429/5xx/connection
 * errors (honouring Retry-After), and answers as text. Expected failures are LlmError.
 */
export class ChatClient {
  readonly url: string;
  readonly model: string;
  private readonly o: Required<
    Pick<ChatClientOptions, 'temperature' | 'timeoutMs' | 'retries' | 'backoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs'>
  > &
    ChatClientOptions;
  private readonly sem: Semaphore;
  private readonly apiKey?: string;
  private readonly apiKeyEnv: string;

  constructor(opts: ChatClientOptions) {
    this.url = chatCompletionsUrl(opts.baseUrl);
    if (!opts.model) throw new LlmConfigError('no model given for the LLM endpoint');
    this.model = opts.model;
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as ChatClientOptions;
    this.o = {
      temperature: 0,
      timeoutMs: 60_000,
      retries: 4,
      backoffMs: 500,
      maxBackoffMs: 30_000,
      maxRetryAfterMs: 60_000,
      ...given,
    };
    for (const k of ['timeoutMs', 'retries', 'backoffMs', 'maxBackoffMs', 'maxRetryAfterMs'] as const) {
      const v = this.o[k];
      if (!(Number.isFinite(v) && v >= 0)) throw new LlmError(`${k} must be a non-negative number, got ${v}`);
    }
    this.sem = new Semaphore(opts.concurrency ?? 4);
    this.apiKeyEnv = opts.apiKeyEnv ?? DEFAULT_API_KEY_ENV;
    const env = opts.env ?? process.env;
    const key = env[this.apiKeyEnv]?.trim();
    if (opts.apiKeyEnv && opts.apiKeyEnv !== DEFAULT_API_KEY_ENV && !key) {
      throw new LlmConfigError(`the API key variable ${opts.apiKeyEnv} is not set`);
    }
    this.apiKey = key || undefined;
  }

  /** Requests in flight now (attempts holding a concurrency slot). */
  get inFlight(): number {
    return this.sem.inUse;
  }

  /** One chat completion; a string is sent as a single user message. */
  async complete(
    input: string | ChatMessage[],
    over: { temperature?: number; maxTokens?: number; signal?: AbortSignal; extra?: Record<string, unknown> } = {},
  ): Promise<ChatResult> {
    const messages: ChatMessage[] = typeof input === 'string' ? [{ role: 'user', content: input }] : input;
    const body: Record<string, unknown> = {
      model: this.model,
      messages,
      temperature: over.temperature ?? this.o.temperature,
      ...((over.maxTokens ?? this.o.maxTokens) ? { max_tokens: over.maxTokens ?? this.o.maxTokens } : {}),
      ...over.extra,
    };
    const payload = JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...this.o.headers,
    };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const where = safeUrl(this.url);

    for (let attempt = 0; ; attempt++) {
      const release = await this.sem.acquire();
      let r: { result: ChatResult } | { error: LlmError; waitMs?: number };
      try {
        r = await this.attempt(payload, headers, where, attempt + 1, over.signal);
      } finally {
        release();
      }
      if ('result' in r) return r.result;
      const { error } = r;
      if (!error.retryable || attempt >= this.o.retries) {
        const n = attempt + 1;
        throw withAttempts(error, n, error.retryable && n > 1 ? ` (gave up after ${n} attempts)` : '');
      }
      const delay =
        r.waitMs !== undefined
          ? Math.min(r.waitMs, this.o.maxRetryAfterMs)
          : Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** attempt) * (0.5 + 0.5 * Math.random());
      this.o.onRetry?.({ attempt: attempt + 1, delayMs: delay, reason: error.message });
      await sleep(delay, over.signal);
    }
  }

  /** One attempt: a result, or an error (retryable or not) with the upstream's retry-after. */
  private async attempt(
    payload: string,
    headers: Record<string, string>,
    where: string,
    attempts: number,
    signal?: AbortSignal,
  ): Promise<{ result: ChatResult } | { error: LlmError; waitMs?: number }> {
    if (signal?.aborted) throw signal.reason;
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, this.o.timeoutMs);
    const onAbort = () => ctrl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.url, { method: 'POST', headers, body: payload, signal: ctrl.signal });
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason; // the caller's abort is not an upstream failure
      const reason = timedOut
        ? `timed out after ${this.o.timeoutMs} ms`
        : `connection error: ${describeFetchError(err)}`;
      return { error: new LlmError(`LLM request to ${where} failed: ${reason}`, { retryable: true, cause: err }) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (res.ok) {
      let j: {
        choices?: { message?: { content?: unknown }; finish_reason?: string | null }[];
        model?: string;
        usage?: ChatResult['usage'];
      };
      try {
        j = JSON.parse(text);
      } catch {
        return {
          error: new LlmError(
            `LLM endpoint ${where} answered HTTP ${res.status} with a body that is not JSON: ${upstreamMessageOf(text) ?? '(empty)'}`,
            { status: res.status },
          ),
        };
      }
      const choice = j?.choices?.[0];
      const content = contentOf(choice?.message);
      if (content === undefined) {
        const m = upstreamMessageOf(text);
        return {
          error: new LlmError(
            `LLM endpoint ${where} answered HTTP ${res.status} without choices[0].message.content${m ? `: ${m}` : ''}`,
            { status: res.status },
          ),
        };
      }
      return {
        result: {
          content,
          finishReason: choice?.finish_reason ?? null,
          model: j.model ?? this.model,
          usage: j.usage,
          attempts,
        },
      };
    }
    const msg = upstreamMessageOf(text);
    const retryable = res.status === 429 || res.status >= 500;
    const hint =
      res.status === 401 || res.status === 403
        ? ` (the API key is read from ${this.apiKeyEnv}${this.apiKey ? '' : ', which is not set'})`
        : '';
    const error = new LlmError(
      `LLM request to ${where} failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${msg ? `: ${msg}` : ''}${hint}`,
      { status: res.status, retryable, upstreamMessage: msg },
    );
    return { error, waitMs: retryable ? retryAfterMs(res.headers) : undefined };
  }
}

function withAttempts(err: LlmError, attempts: number, suffix = ''): LlmError {
  return new LlmError(err.message + suffix, {
    status: err.status,
    retryable: err.retryable,
    upstreamMessage: err.upstreamMessage,
    attempts,
    cause: err.cause,
  });
}

/** The endpoint options the outcomes and uplift commands share. */
export interface EndpointOptions {
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  env?: Record<string, string | undefined>;
  concurrency?: number;
  retries?: number;
  timeoutMs?: number;
  maxTokens?: number;
  backoffMs?: number;
}

/** Resolves the endpoint (failing with `noEndpoint` when none is configured) and builds its client. */
export function endpointClient(
  o: EndpointOptions,
  noEndpoint: string,
): { client: ChatClient; model: string; concurrency: number } {
  const { baseUrl, model } = resolveEndpoint(o, noEndpoint, o.env);
  const concurrency = o.concurrency ?? 4;
  const client = new ChatClient({
    baseUrl,
    model,
    apiKeyEnv: o.apiKeyEnv,
    env: o.env,
    concurrency,
    retries: o.retries,
    timeoutMs: o.timeoutMs,
    maxTokens: o.maxTokens,
    backoffMs: o.backoffMs,
  });
  return { client, model, concurrency };
}
