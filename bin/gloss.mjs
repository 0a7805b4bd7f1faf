#!/usr/bin/env node
// `gloss`: in a checkout it runs the TypeScript CLI through tsx's loader (no build step); in the
// installed package, which ships compiled JavaScript and no sources, it runs dist/. Without
// --bundle the CLI itself uses the package's embedded default bundle.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fromSource = existsSync(fileURLToPath(new URL('../src/runtime/node/cli.ts', import.meta.url)));
if (fromSource) (await import('tsx/esm/api')).register();
const cli = fromSource ? await import('../src/runtime/node/cli.ts') : await import('../dist/src/runtime/node/cli.js');
process.exitCode = await cli.main(process.argv.slice(2));
