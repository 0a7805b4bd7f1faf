// tsx scripts/construction-rules.ts --risk RISK.json [--rules models/default/trained/rules.json] [--review scripts/default-review.json]:
// rewrites the default bundle's rules.json for the construction grammar
// (offline-training/protocol/construction-rules.ts). One construction rule per
// math family (the grammar writes each gloss from the parsed phrase; the task gate decides where),
// priority in the mining split's risk order, `off` where the family's evidence does not hold on
// validation (scripts/construction-risk.ts decides, offline-training/protocol/ship.ts says how);
// the figurative probe rule stays but is `off` (it has not met its bar); the latent and cue rules
// with fixed family templates are dropped (held-out reading found them wrong or misleading).
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { RulesFile } from '../src/core/rules/schema.ts';
import { constructionRulesFile } from '../offline-training/protocol/construction-rules.ts';
import { decisionsWithFigures, type RiskFile } from '../offline-training/protocol/risk-file.ts';

const { values } = parseArgs({
  options: {
    risk: { type: 'string' },
    rules: { type: 'string', default: 'models/default/trained/rules.json' },
    review: { type: 'string', default: 'scripts/default-review.json' },
  },
});
if (!values.risk) {
  console.error('construction-rules: --risk RISK.json (from scripts/construction-risk.ts) is required');
  process.exit(1);
}
const risk = { decisions: decisionsWithFigures(JSON.parse(await readFile(values.risk, 'utf8')) as RiskFile) };
const file = JSON.parse(await readFile(values.rules!, 'utf8')) as RulesFile;
// The review's gate thresholds (the lower one for prompts that ask for a quantity, chosen on the
// validation dev checks) apply to the gate the file already has.
const review = JSON.parse(await readFile(values.review!, 'utf8')) as {
  gate?: { threshold?: number; askedThreshold?: number };
};
if (file.gate && review.gate?.threshold !== undefined) file.gate.threshold = review.gate.threshold;
if (file.gate && review.gate?.askedThreshold !== undefined) file.gate.askedThreshold = review.gate.askedThreshold;
const figurative = file.rules.filter((r) => r.family === 'figurative').map((r) => ({ ...r, off: true }));
// Refuses to write a file the runtime would refuse to load.
const out = constructionRulesFile(file, risk.decisions, figurative);
const constructions = out.rules.filter((r) => r.family !== 'figurative');
await writeFile(values.rules!, JSON.stringify(out, null, 1) + '\n');
console.log(
  `construction-rules: ${constructions.length} construction rules (${constructions.filter((r) => !r.off).length} on), ${figurative.length} figurative (off) -> ${values.rules}`,
);
