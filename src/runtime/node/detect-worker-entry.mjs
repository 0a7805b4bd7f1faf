// Entry of a detection worker thread when running from sources: the worker is TypeScript, run
// through tsx's loader (as bin/gloss.mjs runs the CLI), so the pool works the same under
// `gloss serve`, tsx and vitest. The compiled package (dist/) starts detect-worker.js instead
// (detect-pool.ts chooses), so tsx, a devDependency, is never needed there.
import { register } from 'tsx/esm/api';
register();
await import('./detect-worker.ts');
