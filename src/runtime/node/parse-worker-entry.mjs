// Entry of a body-reading worker thread when running from sources (see detect-worker-entry.mjs):
// tsx's loader first, then the TypeScript worker. The compiled package starts parse-worker.js.
import { register } from 'tsx/esm/api';
register();
await import('./parse-worker.ts');
