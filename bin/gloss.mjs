#!/usr/bin/env node
// `gloss`: in a checkout it runs the TypeScript CLI through tsx's loader (no build step); in the
// installed package, which ships compiled JavaScript and no sources, it runs dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fromSource = existsSync(fileURLToPath(new URL('../src/runtime/node/cli.ts', import.meta.url)));
if (fromSource) (await import('tsx/esm/api')).register();
const [cli, { defaultBundleDir }] = fromSource
  ? await Promise.all([import('../src/runtime/node/cli.ts'), import('../src/runtime/node/embedded.ts')])
  : await Promise.all([import('../dist/src/runtime/node/cli.js'), import('../dist/src/runtime/node/embedded.js')]);

const args = process.argv.slice(2);
// Without --bundle (or $GLOSS_BUNDLE for pack-worker), the CLI reads ./models/default: a folder of
// the checkout. Anywhere else that folder is absent, and the embedded copy in this package serves.
const named =
  args.some((a) => a === '--bundle' || a.startsWith('--bundle=')) ||
  (args[0] === 'pack-worker' && process.env.GLOSS_BUNDLE);
if (['serve', 'pack-worker'].includes(args[0]) && !named && !existsSync('models/default/manifest.json'))
  args.splice(1, 0, '--bundle', defaultBundleDir);
process.exitCode = await cli.main(args);
