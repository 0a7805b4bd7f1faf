// npm run build (and `npm pack`'s prepack): what the published package holds besides its sources.
//   dist/             tsc's JavaScript and declarations (tsconfig.build.json; .ts import paths rewritten)
//   dist/src/ui/      the explorer's static files and its built page (the package has no esbuild)
//   dist/src/runtime/node/config.{schema,example}.json   the --config file format (npm run build:schema)
//   models/default/   the embedded default bundle (npm run build:default)
import { execFileSync } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import { buildUi } from '../src/ui/build.ts';

const t0 = performance.now();
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'inherit' });
await rm('dist', { recursive: true, force: true });
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
await cp('src/ui/static', 'dist/src/ui/static', { recursive: true });
for (const f of ['config.schema.json', 'config.example.json'])
  await cp(`src/runtime/node/${f}`, `dist/src/runtime/node/${f}`);
const ui = await buildUi({ out: 'dist/src/ui/dist' });
run('npm', ['run', '--silent', 'build:default']);
console.log(
  `package built in ${((performance.now() - t0) / 1000).toFixed(1)} s (explorer ${(ui.bytes / 1e6).toFixed(1)} MB)`,
);
