// npm run pack:worker [-- --bundle dir --out dir]: wrangler's build step (wrangler.toml [build]).
// Packs a bundle folder as modules for the Cloudflare Worker; see src/runtime/worker/pack.ts.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { packWorker } from '../src/runtime/worker/pack.ts';
import { runCli } from '../src/runtime/node/run-cli.ts';

const program = new Command('pack-worker')
  .description('pack a bundle as modules for the Cloudflare Worker (run by wrangler before it bundles)')
  .option(
    '--bundle <dir>',
    'bundle folder ($GLOSS_BUNDLE overrides the default)',
    process.env.GLOSS_BUNDLE || 'models/default',
  )
  .option('--out <dir>', 'output folder', '.wrangler/gloss-bundle')
  .action(async (o: { bundle: string; out: string }) => {
    const r = await packWorker({ bundle: o.bundle, out: resolve(o.out) });
    console.log(
      `pack-worker: packed ${r.files.length} files (${(r.bytes / 1e6).toFixed(2)} MB) from ${o.bundle} into ${o.out}`,
    );
  });

process.exitCode = await runCli(program, process.argv.slice(2));
