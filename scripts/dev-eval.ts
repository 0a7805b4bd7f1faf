// tsx scripts/dev-eval.ts [--bundle DIR] [--out FILE] [--readmes FILE]: the default bundle's four goals as
// development checks through the core rewrite of a bundle (offline-training/evaluate/dev-run.ts),
// each beside its baseline; prints one JSON object. Needs ../shared.
import { writeFileSync } from 'node:fs';
import { runDevChecks } from '../offline-training/evaluate/dev-run.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const out = arg('--out', '');
const result = await runDevChecks({
  bundle: arg('--bundle', 'models/default'),
  shared: process.env.GLOSS_SHARED ?? '../shared',
  devData: 'test/data/dev',
  readmes: arg('--readmes', '') || undefined,
});
const json = JSON.stringify(result, null, 2);
if (out) writeFileSync(out, json + '\n');
console.log(json);
