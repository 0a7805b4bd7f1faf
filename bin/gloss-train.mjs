#!/usr/bin/env node
// `gloss-train`: in a checkout it runs the TypeScript CLI through tsx's loader (no build step); in
// the installed package, which ships compiled JavaScript and no sources, it runs dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fromSource = existsSync(fileURLToPath(new URL('../offline-training/cli.ts', import.meta.url)));
if (fromSource) (await import('tsx/esm/api')).register();
const { main } = fromSource
  ? await import('../offline-training/cli.ts')
  : await import('../dist/offline-training/cli.js');
process.exitCode = await main(process.argv.slice(2));
