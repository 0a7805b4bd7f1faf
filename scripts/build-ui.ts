// npm run build:ui: builds the explorer page's assets into src/ui/dist (see src/ui/build.ts). The
// Node server also builds them on first use when they are missing or stale.
import { buildUi } from '../src/ui/build.ts';

const b = await buildUi();
console.log(
  `src/ui/dist: ${b.files.length} files, ${(b.bytes / 1e3).toFixed(0)} kB, built in ${(b.ms / 1000).toFixed(1)} s`,
);
