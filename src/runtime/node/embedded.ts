// Where the embedded default bundle lies: models/default at the package root, two folders up from
// src/runtime/node in a checkout (this file runs as .ts through tsx), three from the compiled
// dist/src/runtime/node of the installed package.
import { fileURLToPath } from 'node:url';

const fromSource = import.meta.url.endsWith('.ts');

/**
 * Absolute path of the embedded default bundle folder (`models/default`; `npm run build:default`
 * assembles it in a checkout, the published package ships it built).
 */
export const defaultBundleDir: string = fileURLToPath(
  new URL(fromSource ? '../../../models/default/' : '../../../../models/default/', import.meta.url),
).replace(/\/$/, '');
