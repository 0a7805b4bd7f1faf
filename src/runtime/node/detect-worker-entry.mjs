// Entry of a detection worker thread: the worker is TypeScript, run through tsx's loader (as
// bin/gloss.mjs runs the CLI), so the pool works the same under `gloss serve`, tsx and vitest.
import { register } from 'tsx/esm/api';
register();
await import('./detect-worker.ts');
