// tsx scripts/construction-rules.ts --risk RISK.json [--rules models/default/trained/rules.json]:
// rewrites the default bundle's rules.json for the construction grammar. One construction rule per
// math family (the grammar writes each gloss from the parsed phrase; the task gate decides where),
// priority in the mining split's risk order, `off` where the family's evidence does not hold on
// validation (scripts/construction-risk.ts decides, offline-training/protocol/ship.ts says how);
// the figurative probe rule stays but is `off` (it has not met its bar); the latent and cue rules
// with fixed family templates are dropped (held-out reading found them wrong or misleading).
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseRules, type Rule } from '../src/core/rules/schema.ts';
import type { ShipDecision } from '../offline-training/protocol/ship.ts';

const { values } = parseArgs({
  options: {
    risk: { type: 'string' },
    rules: { type: 'string', default: 'models/default/trained/rules.json' },
  },
});
if (!values.risk) {
  console.error('construction-rules: --risk RISK.json (from scripts/construction-risk.ts) is required');
  process.exit(1);
}
const risk = JSON.parse(await readFile(values.risk, 'utf8')) as { decisions: ShipDecision[] };
const file = JSON.parse(await readFile(values.rules!, 'utf8')) as {
  version: number;
  rules: Rule[];
  gate: { features: number[]; families: string[] };
};
const figurative = file.rules.filter((r) => r.family === 'figurative').map((r) => ({ ...r, off: true }));
const n = risk.decisions.length;
const f3 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(3)));
const constructions = risk.decisions
  .filter((d) => file.gate.families.includes(d.family))
  .map(
    (d): Rule =>
      ({
        id: `construction-${d.family}`,
        // A construction rule reads no latent of its own; the gate's first latent keeps the schema's
        // feature reference valid (the head ships it anyway).
        feature: file.gate.features[0],
        threshold: 1,
        scope: 'span',
        placement: 'after-phrase',
        gloss: '{span}',
        priority: n - d.rank,
        label: `${d.family} constructions, parsed by the construction grammar (src/core/grammar), behind the task gate`,
        family: d.family,
        construction: d.family,
        ...(d.on ? {} : { off: true }),
        evidence: {
          support: d.validation?.exposed ?? 0,
          lift: f3(d.validation?.or.or) ?? 0,
          q_value: 1,
          datasets: [
            'test_outcomes.jsonl (mining split: risk order)',
            'test_outcomes.jsonl (validation split: on/off)',
          ],
          driven_by: 'construction grammar (a cue pattern, not an SAE latent); the SAE task gate decides where',
          decision: d.reason,
          mining_failure_or: d.mining ? [f3(d.mining.or.or), f3(d.mining.or.lo), f3(d.mining.or.hi)] : null,
          validation_failure_or: d.validation
            ? [f3(d.validation.or.or), f3(d.validation.or.lo), f3(d.validation.or.hi)]
            : null,
        },
      }) as unknown as Rule,
  );
const out = { ...file, rules: [...constructions, ...figurative] };
parseRules(out); // refuses to write a file the runtime would refuse to load
await writeFile(values.rules!, JSON.stringify(out, null, 1) + '\n');
console.log(
  `construction-rules: ${constructions.length} construction rules (${constructions.filter((r) => !r.off).length} on), ${figurative.length} figurative (off) -> ${values.rules}`,
);
