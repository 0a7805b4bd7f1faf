// Where the embedded default bundle lies: models/default at the package root, two folders up from
// src/runtime/node in a checkout (this file runs as .ts through tsx), three from the compiled
// dist/src/runtime/node of the installed package.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fromSource = import.meta.url.endsWith('.ts');

/**
 * Absolute path of the embedded default bundle folder (`models/default`; `npm run build:default`
 * assembles it in a checkout, the published package ships it built).
 */
export const defaultBundleDir: string = fileURLToPath(
  new URL(fromSource ? '../../../models/default/' : '../../../../models/default/', import.meta.url),
).replace(/\/$/, '');

/** The package's version, from its package.json (the package root, as for the bundle above). */
export const packageVersion: string = (
  JSON.parse(
    readFileSync(new URL(fromSource ? '../../../package.json' : '../../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;
