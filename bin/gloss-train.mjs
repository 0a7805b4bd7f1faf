#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so `npx gloss-train` works without a build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../offline-training/cli.ts');
process.exitCode = await main(process.argv.slice(2));
