// gloss: the runtime's command line.
//   gloss serve [--bundle dir] [--port n] [--host h] [--quiet]
//               [--config file.json] [--upstream NAME=BASE_URL]... [--scan mode] [--dry-run]
//               [--fail-closed] [--budget-ms n] [--scan-tokens n] [--cors-origin url]...
//               [--allow-open-proxy] [--detect-threads n] [--no-proxy]
//     The LLM proxy's configuration comes in layers, later ones winning: the public APIs as
//     upstreams `openai` and `anthropic`; the JSON file (--config, or $GLOSS_CONFIG); the
//     environment (GLOSS_UPSTREAM_<NAME>_URL / _KEY and the rest: src/core/proxy/config.ts); flags.
//     GLOSS_BEARER_TOKEN protects Gloss's own endpoints (/v1/rewrite, /v1/explain, /v1/bundle, /metrics),
//     and every proxy route when an upstream key is injected: with an injected key and no token,
//     serve refuses to start unless --allow-open-proxy says so.
//   gloss pack-worker [--bundle dir] [--out dir]   (wrangler's build step: the bundle as Worker modules)
// Without --bundle both use the embedded default bundle (models/default of this package).
// Expected failures print one line `gloss: ...` on stderr and exit 1.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { jsonLogger, silentLogger } from '../../core/http/logger.ts';
import {
  ConfigError,
  DEFAULT_UPSTREAMS,
  mergeProxyConfig,
  parseProxyConfig,
  parseUpstreamFlag,
  proxyConfigFromEnv,
  resolveProxyConfig,
  type ProxyConfig,
} from '../../core/proxy/config.ts';
import { packWorker, PackError, workerNodeProblem } from './pack-worker.ts';
import { defaultBundleDir, packageVersion } from './embedded.ts';
import { runCli } from './run-cli.ts';
import { addSchemaFlags, parseSchemaFlags } from './schema-flags.ts';
import { ServeOptionsSchema, type ServeFlags } from './serve-options.ts';
import { startServer } from './server.ts';

export { DEFAULT_PORT, type ServeFlags } from './serve-options.ts';
/** Folder `gloss pack-worker` writes without --out (what the README's wrangler.toml aliases). */
export const DEFAULT_PACK_OUT = '.wrangler/gloss-bundle';

class CliError extends Error {}

async function checkBundleDir(dir: string): Promise<void> {
  const s = await stat(dir).catch(() => undefined);
  if (!s)
    throw new CliError(
      `bundle folder ${dir} does not exist${dir === defaultBundleDir ? ' (build it with `npm run build:default`, or pass --bundle)' : ''}`,
    );
  if (!s.isDirectory()) throw new CliError(`bundle ${dir} is not a folder`);
}

/** Resolves when the process is told to stop (SIGINT/SIGTERM). */
function stopSignal(): Promise<string> {
  return new Promise((resolveSignal) => {
    const on = (sig: string) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      // A second signal while shutting down exits at once.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolveSignal(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** The proxy configuration `gloss serve` runs with: defaults < config file < environment < flags. */
export async function proxyConfigFor(
  o: Partial<Omit<ServeFlags, 'bundle' | 'port' | 'host'>>,
  env: Record<string, string | undefined> = process.env,
): Promise<ProxyConfig | undefined> {
  if (o.proxy === false) return undefined;
  const file = o.config ?? env.GLOSS_CONFIG;
  let fromFile: ProxyConfig | undefined;
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new CliError(
        `cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new CliError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
    fromFile = parseProxyConfig(json, `config file ${file}`);
  }
  const flags: ProxyConfig = {};
  if (o.upstream?.length) flags.upstreams = Object.fromEntries(o.upstream.map(parseUpstreamFlag));
  if (o.scan) flags.scan = o.scan;
  if (o.dryRun) flags.dryRun = true;
  if (o.failClosed) flags.failOpen = false;
  if (o.budgetMs !== undefined) flags.budgetMs = o.budgetMs;
  if (o.scanTokens !== undefined) flags.scanTokens = o.scanTokens;
  if (o.corsOrigin?.length) flags.corsOrigins = o.corsOrigin;
  if (o.allowOpenProxy) flags.allowOpenProxy = true;
  const cfg = mergeProxyConfig({ upstreams: { ...DEFAULT_UPSTREAMS } }, fromFile, proxyConfigFromEnv(env), flags);
  // Fail here, before the bundle loads, on a bad URL or name, or on a key anyone could spend.
  const resolved = resolveProxyConfig(cfg);
  if (resolved.injectsKeys && !env.GLOSS_BEARER_TOKEN && !resolved.allowOpenProxy) {
    const names = [...resolved.upstreams.values()].filter((u) => u.apiKey).map((u) => u.name);
    throw new CliError(
      `an upstream key is injected (${names.join(', ')}) but GLOSS_BEARER_TOKEN is not set: anyone who reaches this port could spend it; set the token, or pass --allow-open-proxy`,
    );
  }
  return cfg;
}

/** `gloss serve`: loads the bundle, listens, logs a start banner, stops on SIGINT/SIGTERM. Throws CliError (one line) for bad input. */
export async function serveCommand(o: ServeFlags & { bundle: string }): Promise<void> {
  let proxy: ProxyConfig | undefined;
  try {
    proxy = await proxyConfigFor(o);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
  await checkBundleDir(o.bundle);
  const logger = o.quiet ? silentLogger : jsonLogger((l) => process.stdout.write(l + '\n'));
  const stopped = stopSignal();
  let server;
  try {
    server = await startServer({
      bundle: o.bundle,
      port: o.port,
      host: o.host,
      logger,
      proxy,
      auth: { bearerToken: process.env.GLOSS_BEARER_TOKEN || undefined },
      detectThreads: o.detectThreads,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new CliError(`cannot listen on ${o.host}:${o.port}: address already in use`);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
      throw new CliError(`cannot listen on ${o.host}:${o.port}: no such address`);
    if (err.code === 'EACCES') throw new CliError(`cannot listen on ${o.host}:${o.port}: permission denied`);
    throw e;
  }
  const m = server.engine.bundle.manifest;
  console.log(
    `gloss: serving bundle ${m.name} (${m.detector.arch}, ${server.engine.rules.length} rules) with ${server.engine.backend} on ${server.url}`,
  );
  if (server.url) console.log(`gloss: explorer at ${server.url}/ui/, what this server is at ${server.url}/`);
  if (proxy) {
    const ups = resolveProxyConfig(proxy).upstreams;
    console.log(
      `gloss: proxying /v1/chat/completions, /v1/responses, /v1/messages (glossed) and other /v1 paths to ${[...ups.values()].map((u) => `${u.name}=${u.base.origin}${u.base.pathname}${u.apiKey ? ' (key injected)' : ''}`).join(', ')}`,
    );
  }
  const sig = await stopped;
  console.log(`gloss: ${sig}: finishing requests in flight, then stopping`);
  const force = setTimeout(() => {
    console.error('gloss: requests still running after 10 s; exiting');
    process.exit(1);
  }, 10_000);
  force.unref();
  await server.close();
  clearTimeout(force);
}

/** The `gloss` command line (commander): serve, pack-worker. */
export function makeProgram(): Command {
  const program = new Command('gloss')
    .description('Gloss: a sparse-autoencoder lens in front of LLM APIs')
    .version(packageVersion, '-V, --version', "print the package's version (from its package.json)");

  const serve = program
    .command('serve')
    .description(
      'serve the Gloss HTTP API (/v1/rewrite, /v1/explain, /v1/bundle, /healthz, /metrics) and the LLM proxy',
    );
  addSchemaFlags(serve, ServeOptionsSchema).action(async (raw: Record<string, unknown>) => {
    let o: ServeFlags;
    try {
      o = parseSchemaFlags(ServeOptionsSchema, raw);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    await serveCommand({ ...o, bundle: o.bundle ?? defaultBundleDir });
  });

  program
    .command('pack-worker')
    .description('pack a bundle as modules for the Cloudflare Worker (run by wrangler before it bundles)')
    .option('--bundle <dir>', 'bundle folder (default: $GLOSS_BUNDLE, else the embedded default bundle)')
    .option('--out <dir>', 'output folder', DEFAULT_PACK_OUT)
    .action(async (o: { bundle?: string; out: string }) => {
      const tooOld = workerNodeProblem();
      if (tooOld) throw new CliError(tooOld);
      const bundle = o.bundle ?? (process.env.GLOSS_BUNDLE || defaultBundleDir);
      await checkBundleDir(bundle);
      try {
        const r = await packWorker({ bundle, out: resolve(o.out) });
        console.log(
          `gloss: packed ${r.files.length} files (${(r.bytes / 1e6).toFixed(2)} MB) from ${bundle} into ${o.out}`,
        );
      } catch (e) {
        if (e instanceof PackError) throw new CliError(e.message);
        throw e;
      }
    });

  return program;
}

/** `gloss <argv>`: runs the command and returns the exit code (see runCli). */
export async function main(argv: string[]): Promise<number> {
  return runCli(makeProgram(), argv);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
