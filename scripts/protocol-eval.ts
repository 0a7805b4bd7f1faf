// tsx scripts/protocol-eval.ts [--bundle DIR] [--split validation|test] [--families a,b] [--grammar RISK.json [--no-gate]] [--no-figurative] [--out FILE]:
// the locked protocol's checks (offline-training/protocol/run.ts) on one bundle and one side of the
// split; prints one JSON object. `--split test` is the one look per bundle: run it once, at the end,
// and report what comes out. Needs ../shared (GLOSS_SHARED).
import { writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { runProtocol } from '../offline-training/protocol/run.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const split = arg('--split', 'validation');
if (split !== 'validation' && split !== 'test') throw new Error(`--split: validation or test, not ${split}`);
const families = arg('--families', '');
const out = arg('--out', '');
// --grammar RISK.json: the composed grammar path (protocol/grammar-glosser.ts) with the families the
// decisions of scripts/construction-risk.ts turn on (or --families), priorities from the mining order.
const riskFile = arg('--grammar', '');
const grammar = riskFile
  ? (() => {
      const risk = JSON.parse(readFileSync(riskFile, 'utf8')) as {
        decisions: { family: string; on: boolean; rank: number }[];
      };
      return {
        families: families ? families.split(',') : risk.decisions.filter((d) => d.on).map((d) => d.family),
        priority: new Map(risk.decisions.map((d) => [d.family, 100 - d.rank] as const)),
        noGate: process.argv.includes('--no-gate'),
      };
    })()
  : undefined;
const result = await runProtocol({
  bundle: arg('--bundle', 'models/default'),
  shared: process.env.GLOSS_SHARED ?? '../shared',
  devData: 'test/data/dev',
  split,
  ...(families && !grammar ? { match: { families: families.split(',') } as never } : {}),
  ...(grammar ? { grammar } : {}),
  skipFigurative: process.argv.includes('--no-figurative'),
});
const json = JSON.stringify(result, null, 2);
if (out) writeFileSync(out, json + '\n');
console.log(json);
