// tsx scripts/protocol-eval.ts [--bundle DIR] [--split validation|test] [--families a,b] [--no-figurative] [--out FILE]:
// the locked protocol's checks (offline-training/protocol/run.ts) on one bundle and one side of the
// split; prints one JSON object. `--split test` is the one look per bundle: run it once, at the end,
// and report what comes out. Needs ../shared (GLOSS_SHARED).
import { writeFileSync } from 'node:fs';
import { runProtocol } from '../offline-training/protocol/run.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const split = arg('--split', 'validation');
if (split !== 'validation' && split !== 'test') throw new Error(`--split: validation or test, not ${split}`);
const families = arg('--families', '');
const out = arg('--out', '');
const result = await runProtocol({
  bundle: arg('--bundle', 'models/default'),
  shared: process.env.GLOSS_SHARED ?? '../shared',
  devData: 'test/data/dev',
  split,
  ...(families ? { match: { families: families.split(',') } as never } : {}),
  skipFigurative: process.argv.includes('--no-figurative'),
});
const json = JSON.stringify(result, null, 2);
if (out) writeFileSync(out, json + '\n');
console.log(json);
