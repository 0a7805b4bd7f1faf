// Proxy configuration: named upstreams and the proxy's policies, from a JSON file (Node), the
// environment (Node's process.env, a Worker's vars and secrets) and `--upstream NAME=URL` flags.
// Every layer is validated here, so a typo or an unsafe base URL stops the server at start-up
// with one clear message instead of surfacing on some request later.
//
// An upstream's base URL is the API root including its version, as the OpenAI SDK takes it:
// https://api.openai.com/v1, https://api.anthropic.com/v1, http://localhost:11434/v1. The proxy
// appends the route's fixed path (/chat/completions, /responses, /messages) and nothing else.
import { z } from 'zod';
import { formatIssues } from '../rules/schema.ts';
import type { ApiFamily } from '../formats/types.ts';
import type { ScanMode } from '../rewrite/messages.ts';
import {
  parseFamiliesList,
  RUN_DEFAULTS,
  RunOptionsSchema,
  SCAN_MODES,
  type FamiliesOption,
  type GlossRunOptions,
} from '../engine/run-options.ts';

/** An upstream's name: lower-case letters, digits, '-' and '_', at most 64 characters. */
export const UPSTREAM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Headers an injected upstream key may go in. */
export const API_KEY_HEADERS = ['authorization', 'x-api-key', 'api-key'] as const;
/** One of {@link API_KEY_HEADERS}. */
export type ApiKeyHeader = (typeof API_KEY_HEADERS)[number];

/** An invalid proxy configuration; the message names the layer (file, environment, flag) and field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One upstream in its full form (a plain string is its base URL). */
export interface UpstreamConfig {
  /** API root with its version, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  /** A key Gloss sends instead of the caller's (a secret; never logged). */
  apiKey?: string;
  /** Where the injected key goes (default: `authorization: Bearer` for OpenAI requests, `x-api-key` for Anthropic). */
  apiKeyHeader?: ApiKeyHeader;
  /** Headers set on every request to this upstream (e.g. OpenRouter's HTTP-Referer). */
  headers?: Record<string, string>;
  /** Time to the upstream's response headers, in ms (default: the proxy's timeoutMs). */
  timeoutMs?: number;
}

/** One layer of the proxy configuration (config file, environment, flags); every field optional. The JSON Schema of the config file is generated from these doc comments and {@link ProxyConfigSchema}. */
export interface ProxyConfig extends GlossRunOptions {
  /** The JSON Schema this file follows, for editors (e.g. `./node_modules/@gloss-lens/gloss/config.schema.json`); ignored by Gloss. */
  $schema?: string;
  /** Named upstreams: a base URL, or the full form. */
  upstreams?: Record<string, string | UpstreamConfig>;
  /** Which upstream each API family goes to (default: the upstream named like the family). */
  routes?: Partial<Record<ApiFamily, string>>;
  /** Let callers pick a configured upstream with `x-gloss-upstream: NAME` (default true). */
  headerRouting?: boolean;
  /** Largest request body the proxy scans, in bytes (default 8 MiB); larger ones are forwarded unscanned. */
  maxBodyBytes?: number;
  /** Largest request body the proxy forwards at all, in bytes (default 100 MB); larger: 413. */
  maxForwardBytes?: number;
  /** Serve with an injected upstream key but no Gloss token (anyone may spend the key), default false. */
  allowOpenProxy?: boolean;
  /** Browser origins answered with CORS headers (preflights included); none by default. */
  corsOrigins?: string[];
  /** Time to the upstream's response headers, in ms (default 300,000). */
  timeoutMs?: number;
  /** Longest silence inside a streamed (SSE) response, in ms (default 300,000). */
  streamIdleTimeoutMs?: number;
  /** Retries of a request that never reached the upstream (connection refused, DNS), default 1. */
  retries?: number;
  /**
   * Proxy routes need Gloss's token in x-gloss-token, the caller's own key staying in Authorization
   * (default false). With an injected key the token is always required, in Authorization.
   */
  requireToken?: boolean;
  /** Detection results cached by SHA-256 of the text; 0 turns the cache off (default 10,000). */
  cacheEntries?: number;
  /** Put the scanned prompt texts into the request log (default false; keys are never logged). */
  logPrompts?: boolean;
}

const positiveMs = z
  .number()
  .int()
  .positive()
  .max(24 * 3600 * 1000);

const UpstreamSchema = z.strictObject({
  // Optional here so that layers can add a key to an upstream another layer names; resolve checks it.
  baseUrl: z.string().optional(),
  apiKey: z.string().min(1).optional(),
  apiKeyHeader: z.enum(API_KEY_HEADERS).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a header name'), z.string()).optional(),
  timeoutMs: positiveMs.optional(),
});

/** The zod schema every layer is validated with (strict: unknown keys are errors); source of config.schema.json. */
export const ProxyConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  upstreams: z.record(z.string(), z.union([z.string(), UpstreamSchema])).optional(),
  routes: z.strictObject({ openai: z.string().optional(), anthropic: z.string().optional() }).optional(),
  headerRouting: z.boolean().optional(),
  scan: RunOptionsSchema.shape.scan,
  dryRun: RunOptionsSchema.shape.dryRun,
  failOpen: RunOptionsSchema.shape.failOpen,
  budgetMs: RunOptionsSchema.shape.budgetMs,
  maxGlosses: RunOptionsSchema.shape.maxGlosses,
  families: RunOptionsSchema.shape.families,
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .max(256 * 1024 * 1024)
    .optional(),
  maxForwardBytes: z
    .number()
    .int()
    .positive()
    .max(4 * 1024 * 1024 * 1024)
    .optional(),
  scanTokens: RunOptionsSchema.shape.scanTokens,
  allowOpenProxy: z.boolean().optional(),
  corsOrigins: z
    .array(z.string().regex(/^(\*|https?:\/\/[^/\s,]+)$/, 'must be * or an origin like https://app.example'))
    .optional(),
  timeoutMs: positiveMs.optional(),
  streamIdleTimeoutMs: positiveMs.optional(),
  retries: z.number().int().min(0).max(5).optional(),
  requireToken: z.boolean().optional(),
  cacheEntries: z.number().int().min(0).max(10_000_000).optional(),
  logPrompts: z.boolean().optional(),
});

/**
 * Validates one layer (a parsed JSON file, say) against {@link ProxyConfigSchema}; `$schema` is
 * accepted and dropped.
 * @throws ConfigError naming `where` and each offending path (`config file x.json: budgetMs: ...`).
 */
export function parseProxyConfig(value: unknown, where = 'proxy config'): ProxyConfig {
  const r = ProxyConfigSchema.safeParse(value);
  if (!r.success) throw new ConfigError(formatIssues(where, r.error));
  const { $schema: _editorsOnly, ...config } = r.data;
  return config as ProxyConfig;
}

/**
 * A base URL Gloss may send requests to: http or https, a host, no userinfo, no query or fragment,
 * no percent-encoded or backslash characters (nothing that could smuggle a path segment); the
 * trailing slash is dropped.
 */
export function parseBaseUrl(raw: string, name: string): URL {
  const fail = (why: string) => new ConfigError(`upstream ${name}: base URL ${JSON.stringify(raw)} ${why}`);
  const s = raw.trim();
  if (/[\s\\%]/.test(s)) throw fail('must not contain spaces, backslashes or percent-encoded characters');
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw fail('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail('must use http or https');
  if (url.username || url.password || s.slice(0, s.indexOf(url.host)).includes('@'))
    throw fail('must not hold a user name or password (use apiKey)');
  if (!url.hostname) throw fail('must name a host');
  if (s.includes('#')) throw fail('must not hold a fragment');
  // The URL parser resolves dot segments silently: look at the text as written.
  if (
    s
      .split('/')
      .slice(3)
      .some((seg) => seg === '.' || seg === '..')
  )
    throw fail('must not hold . or .. segments');
  url.pathname = url.pathname.replace(/\/+$/, '');
  // Checked here, at start: the URL every request will go to stays on this origin and under this path.
  const probe = new URL(upstreamUrl({ base: url }, '/chat/completions', '?x=1'));
  if (probe.origin !== url.origin || !probe.pathname.startsWith(url.pathname.replace(/\/$/, '')))
    throw fail('cannot be joined with a route path');
  return url;
}

/**
 * The one place upstream URLs are joined: base (with or without a path, with or without a trailing
 * slash, with a query such as Azure's `api-version`) + the route's path + the client's query as
 * sent. The base's query comes first; a client parameter the base already sets is dropped (the
 * operator's value wins).
 */
export function upstreamUrl(upstream: Pick<ResolvedUpstream, 'base'>, path: string, clientSearch: string): string {
  const { base } = upstream;
  const root = base.origin + base.pathname.replace(/\/+$/, '');
  const rel = path.startsWith('/') ? path : `/${path}`;
  const client = clientSearch.replace(/^\?/, '');
  if (!base.search) return root + rel + (client ? `?${client}` : '');
  const set = new Set(base.searchParams.keys());
  const kept = client.split('&').filter((p) => p && !set.has(new URLSearchParams(p).keys().next().value ?? ''));
  return root + rel + base.search + (kept.length ? `&${kept.join('&')}` : '');
}

/** `NAME=URL` as `gloss serve --upstream` takes it. */
export function parseUpstreamFlag(flag: string): [string, string] {
  const i = flag.indexOf('=');
  if (i <= 0) throw new ConfigError(`--upstream ${JSON.stringify(flag)}: expected NAME=BASE_URL`);
  return [flag.slice(0, i).trim().toLowerCase(), flag.slice(i + 1).trim()];
}

const truthy = (v: string) => /^(1|true|yes|on)$/i.test(v.trim());
const falsy = (v: string) => /^(0|false|no|off)$/i.test(v.trim());

function envBool(name: string, v: string): boolean {
  if (truthy(v)) return true;
  if (falsy(v)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(v)}: expected true or false`);
}

function envInt(name: string, v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new ConfigError(`${name}=${JSON.stringify(v)}: expected a whole number`);
  return Number(v.trim());
}

function envScan(name: string, v: string): ScanMode {
  if (!(SCAN_MODES as readonly string[]).includes(v.trim()))
    throw new ConfigError(`${name}=${JSON.stringify(v)}: expected one of ${SCAN_MODES.join(', ')}`);
  return v.trim() as ScanMode;
}

function envFailOpen(name: string, v: string): boolean {
  if (!/^(open|closed)$/.test(v.trim())) throw new ConfigError(`${name}=${JSON.stringify(v)}: expected open or closed`);
  return v.trim() === 'open';
}

function envFamilies(name: string, v: string): FamiliesOption {
  try {
    const f = parseFamiliesList(v);
    if (f === undefined) throw new Error('expected all or a comma-separated list of families');
    return f;
  } catch (e) {
    throw new ConfigError(`${name}=${JSON.stringify(v.slice(0, 80))}: ${(e as Error).message}`);
  }
}

const envList = (_name: string, v: string): string[] =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** One environment variable, the ProxyConfig field it sets, and how its text is read (throws ConfigError). */
type EnvSetting = {
  [K in keyof ProxyConfig]-?: [name: string, key: K, parse: (name: string, v: string) => NonNullable<ProxyConfig[K]>];
}[keyof ProxyConfig];

// The scalar variables, in the order they are checked (the first bad one is reported).
const ENV_SETTINGS: EnvSetting[] = [
  ['GLOSS_HEADER_ROUTING', 'headerRouting', envBool],
  ['GLOSS_SCAN', 'scan', envScan],
  ['GLOSS_DRY_RUN', 'dryRun', envBool],
  ['GLOSS_FAIL_MODE', 'failOpen', envFailOpen],
  ['GLOSS_BUDGET_MS', 'budgetMs', envInt],
  ['GLOSS_MAX_GLOSSES', 'maxGlosses', envInt],
  ['GLOSS_FAMILIES', 'families', envFamilies],
  ['GLOSS_MAX_BODY_BYTES', 'maxBodyBytes', envInt],
  ['GLOSS_UPSTREAM_TIMEOUT_MS', 'timeoutMs', envInt],
  ['GLOSS_STREAM_IDLE_TIMEOUT_MS', 'streamIdleTimeoutMs', envInt],
  ['GLOSS_RETRIES', 'retries', envInt],
  ['GLOSS_PROXY_REQUIRE_TOKEN', 'requireToken', envBool],
  ['GLOSS_CACHE_ENTRIES', 'cacheEntries', envInt],
  ['GLOSS_LOG_PROMPTS', 'logPrompts', envBool],
  ['GLOSS_MAX_FORWARD_BYTES', 'maxForwardBytes', envInt],
  ['GLOSS_SCAN_TOKENS', 'scanTokens', envInt],
  ['GLOSS_ALLOW_OPEN_PROXY', 'allowOpenProxy', envBool],
  ['GLOSS_CORS_ORIGINS', 'corsOrigins', envList],
];

/**
 * The proxy configuration held in environment variables (Node's process.env, a Worker's env):
 *   GLOSS_PROXY_CONFIG                 the JSON config (a string, or an object in a Worker's vars)
 *   GLOSS_UPSTREAMS                    "name=url,name=url"
 *   GLOSS_UPSTREAM_<NAME>_URL          base URL of upstream <name> (lower-cased)
 *   GLOSS_UPSTREAM_<NAME>_KEY          key to inject for it (a secret)
 *   GLOSS_UPSTREAM_<NAME>_KEY_HEADER   authorization | x-api-key | api-key
 *   GLOSS_ROUTE_OPENAI, GLOSS_ROUTE_ANTHROPIC, GLOSS_HEADER_ROUTING, GLOSS_SCAN, GLOSS_DRY_RUN,
 *   GLOSS_FAIL_MODE (open|closed), GLOSS_BUDGET_MS, GLOSS_MAX_GLOSSES, GLOSS_MAX_BODY_BYTES,
 *   GLOSS_UPSTREAM_TIMEOUT_MS, GLOSS_STREAM_IDLE_TIMEOUT_MS, GLOSS_RETRIES,
 *   GLOSS_PROXY_REQUIRE_TOKEN, GLOSS_CACHE_ENTRIES, GLOSS_LOG_PROMPTS, GLOSS_MAX_FORWARD_BYTES,
 *   GLOSS_SCAN_TOKENS, GLOSS_ALLOW_OPEN_PROXY, GLOSS_CORS_ORIGINS (comma-separated origins)
 */
export function proxyConfigFromEnv(env: Record<string, unknown>): ProxyConfig {
  const str = (k: string): string | undefined =>
    typeof env[k] === 'string' && (env[k] as string).trim() !== '' ? (env[k] as string) : undefined;
  let cfg: ProxyConfig = {};
  const json = env.GLOSS_PROXY_CONFIG;
  if (typeof json === 'string' && json.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new ConfigError(`GLOSS_PROXY_CONFIG is not valid JSON: ${(e as Error).message}`);
    }
    cfg = parseProxyConfig(parsed, 'GLOSS_PROXY_CONFIG');
  } else if (typeof json === 'object' && json !== null) {
    cfg = parseProxyConfig(json, 'GLOSS_PROXY_CONFIG');
  }

  const upstreams: Record<string, UpstreamConfig> = {};
  const up = (name: string) => (upstreams[name] ??= { baseUrl: '' });
  const list = str('GLOSS_UPSTREAMS');
  if (list) {
    for (const item of list.split(/[,\s]+/).filter(Boolean)) {
      const [name, url] = parseUpstreamFlag(item);
      up(name).baseUrl = url;
    }
  }
  for (const k of Object.keys(env).sort()) {
    const m = /^GLOSS_UPSTREAM_([A-Z0-9_]+?)_(URL|KEY|KEY_HEADER)$/.exec(k);
    const v = str(k);
    if (!m || v === undefined) continue;
    const name = m[1].toLowerCase();
    if (m[2] === 'URL') up(name).baseUrl = v;
    else if (m[2] === 'KEY') up(name).apiKey = v.trim();
    else {
      const h = v.trim().toLowerCase();
      if (!(API_KEY_HEADERS as readonly string[]).includes(h))
        throw new ConfigError(`${k}=${JSON.stringify(v)}: expected one of ${API_KEY_HEADERS.join(', ')}`);
      up(name).apiKeyHeader = h as ApiKeyHeader;
    }
  }
  if (Object.keys(upstreams).length) cfg = mergeProxyConfig(cfg, { upstreams });

  const o: ProxyConfig = {};
  let v: string | undefined;
  if ((v = str('GLOSS_ROUTE_OPENAI'))) o.routes = { ...o.routes, openai: v.trim().toLowerCase() };
  if ((v = str('GLOSS_ROUTE_ANTHROPIC'))) o.routes = { ...o.routes, anthropic: v.trim().toLowerCase() };
  for (const [name, key, parse] of ENV_SETTINGS) if ((v = str(name))) Object.assign(o, { [key]: parse(name, v) });
  return mergeProxyConfig(cfg, parseProxyConfig(o, 'environment'));
}

function asUpstream(v: string | UpstreamConfig | undefined): Partial<UpstreamConfig> {
  return typeof v === 'string' ? { baseUrl: v } : (v ?? {});
}

/** Later layers win; upstreams merge by name and field (a later key for a known URL, say). */
export function mergeProxyConfig(...layers: (ProxyConfig | undefined)[]): ProxyConfig {
  const out: ProxyConfig = {};
  for (const l of layers) {
    if (!l) continue;
    const { upstreams, routes, ...rest } = l;
    Object.assign(out, Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)));
    if (routes) out.routes = { ...out.routes, ...routes };
    if (upstreams) {
      const merged: Record<string, UpstreamConfig> = {};
      for (const [n, u] of Object.entries(out.upstreams ?? {})) merged[n] = asUpstream(u) as UpstreamConfig;
      for (const [n, u] of Object.entries(upstreams)) {
        const next = asUpstream(u);
        const defined = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined && v !== ''));
        merged[n] = { ...merged[n], ...defined } as UpstreamConfig;
      }
      out.upstreams = merged;
    }
  }
  return out;
}

/** The public APIs, used by `gloss serve` and the Worker unless the configuration names others. */
export const DEFAULT_UPSTREAMS: Record<string, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
};

/** An upstream after validation: parsed base URL, timeouts filled in. */
export interface ResolvedUpstream {
  name: string;
  /** Validated base URL, no trailing slash. */
  base: URL;
  apiKey?: string;
  apiKeyHeader?: ApiKeyHeader;
  headers: [string, string][];
  timeoutMs: number;
  /** The API it speaks, when only one family routes to it (decides where an injected key goes). */
  apiFamily?: ApiFamily;
}

/** The merged configuration with every default filled in (times in ms, sizes in bytes). */
export interface ResolvedProxyConfig {
  upstreams: ReadonlyMap<string, ResolvedUpstream>;
  routes: Record<ApiFamily, string>;
  headerRouting: boolean;
  scan: ScanMode;
  dryRun: boolean;
  failOpen: boolean;
  budgetMs: number;
  maxGlosses?: number;
  /** The misreading families to gloss (absent: the bundle's on families); a request's x-gloss-families header overrides. */
  families?: FamiliesOption;
  maxBodyBytes: number;
  maxForwardBytes: number;
  scanTokens: number;
  allowOpenProxy: boolean;
  corsOrigins: string[];
  /** Some upstream has an injected key: every proxy route then needs Gloss's token. */
  injectsKeys: boolean;
  timeoutMs: number;
  streamIdleTimeoutMs: number;
  retries: number;
  requireToken: boolean;
  cacheEntries: number;
  logPrompts: boolean;
}

/** Defaults of the proxy's numeric policies (ms, bytes, tokens, entries). */
export const PROXY_DEFAULTS = {
  budgetMs: RUN_DEFAULTS.budgetMs,
  maxBodyBytes: 8 * 1024 * 1024,
  maxForwardBytes: 100 * 1024 * 1024,
  scanTokens: RUN_DEFAULTS.scanTokens,
  timeoutMs: 300_000,
  streamIdleTimeoutMs: 300_000,
  retries: 1,
  cacheEntries: 10_000,
};

/** Checks names, base URLs and routes; fills in defaults. */
export function resolveProxyConfig(config: ProxyConfig): ResolvedProxyConfig {
  const cfg = parseProxyConfig(config);
  const timeoutMs = cfg.timeoutMs ?? PROXY_DEFAULTS.timeoutMs;
  const upstreams = new Map<string, ResolvedUpstream>();
  for (const [name, raw] of Object.entries(cfg.upstreams ?? {})) {
    if (!UPSTREAM_NAME.test(name))
      throw new ConfigError(
        `upstream name ${JSON.stringify(name)}: use lower-case letters, digits, '-' and '_' (at most 64)`,
      );
    const u = asUpstream(raw);
    if (!u.baseUrl)
      throw new ConfigError(
        `upstream ${name}: no base URL (set GLOSS_UPSTREAM_${name.toUpperCase().replace(/-/g, '_')}_URL or upstreams.${name}.baseUrl)`,
      );
    for (const h of Object.keys(u.headers ?? {})) {
      if (/^(host|content-length|connection|transfer-encoding|x-gloss-.*)$/i.test(h))
        throw new ConfigError(`upstream ${name}: header ${h} cannot be set`);
    }
    upstreams.set(name, {
      name,
      base: parseBaseUrl(u.baseUrl, name),
      apiKey: u.apiKey,
      apiKeyHeader: u.apiKeyHeader,
      headers: Object.entries(u.headers ?? {}),
      timeoutMs: u.timeoutMs ?? timeoutMs,
    });
  }
  const routes = { openai: cfg.routes?.openai ?? 'openai', anthropic: cfg.routes?.anthropic ?? 'anthropic' };
  // The API an upstream speaks, where only one family routes to it (or it is Anthropic's host):
  // its injected key then goes where that API takes it, whatever the request's headers say.
  for (const u of upstreams.values()) {
    const a = routes.anthropic === u.name || /(^|\.)anthropic\.com$/i.test(u.base.hostname);
    const o = routes.openai === u.name;
    if (a !== o) u.apiFamily = a ? 'anthropic' : 'openai';
  }
  for (const [apiFamily, name] of Object.entries(cfg.routes ?? {})) {
    if (name !== undefined && !upstreams.has(name))
      throw new ConfigError(`routes.${apiFamily}: no upstream named ${JSON.stringify(name)}`);
  }
  return {
    upstreams,
    routes,
    headerRouting: cfg.headerRouting ?? true,
    scan: cfg.scan ?? RUN_DEFAULTS.scan,
    dryRun: cfg.dryRun ?? RUN_DEFAULTS.dryRun,
    failOpen: cfg.failOpen ?? RUN_DEFAULTS.failOpen,
    budgetMs: cfg.budgetMs ?? PROXY_DEFAULTS.budgetMs,
    maxGlosses: cfg.maxGlosses,
    families: cfg.families,
    maxBodyBytes: cfg.maxBodyBytes ?? PROXY_DEFAULTS.maxBodyBytes,
    maxForwardBytes: Math.max(
      cfg.maxForwardBytes ?? PROXY_DEFAULTS.maxForwardBytes,
      cfg.maxBodyBytes ?? PROXY_DEFAULTS.maxBodyBytes,
    ),
    scanTokens: cfg.scanTokens ?? PROXY_DEFAULTS.scanTokens,
    allowOpenProxy: cfg.allowOpenProxy ?? false,
    corsOrigins: cfg.corsOrigins ?? [],
    injectsKeys: [...upstreams.values()].some((u) => u.apiKey !== undefined),
    timeoutMs,
    streamIdleTimeoutMs: cfg.streamIdleTimeoutMs ?? PROXY_DEFAULTS.streamIdleTimeoutMs,
    retries: cfg.retries ?? PROXY_DEFAULTS.retries,
    requireToken: cfg.requireToken ?? false,
    cacheEntries: cfg.cacheEntries ?? PROXY_DEFAULTS.cacheEntries,
    logPrompts: cfg.logPrompts ?? false,
  };
}
