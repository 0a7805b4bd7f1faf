// tsx scripts/rule-odds.ts [BUNDLE]: each math rule's failure odds ratio on the GSM8K mining split
// (the 70% of test questions the dev checks do not hold out), Mantel-Haenszel within length quartile
// x GPT-3 model: the cue-rule criterion of the default bundle's review (a rule that glosses at least
// 10 mining-split questions ships only if its odds ratio is at least 1). Reads ../shared
// (GLOSS_SHARED). Prints one line per rule: questions glossed, OR and its 95% CI.
import { join } from 'node:path';
import { loadEngine } from '../src/runtime/node/server.ts';
import { readOutcomes } from '../offline-training/llm/outcomes-format.ts';
import { isHeldOut } from '../offline-training/data/splits.ts';
import { mhOddsRatio, quartileTables, type StratifiedRow } from '../offline-training/evaluate/dev-checks.ts';

const SHARED = process.env.GLOSS_SHARED ?? '../shared';
const engine = await loadEngine(process.argv[2] ?? 'models/default');
const outcomes = (await readOutcomes(join(SHARED, 'data/gsm8k/test_outcomes.jsonl'))).filter(
  (r) => !isHeldOut(r.id, 0.3, 0),
);
const mathRules = engine.rules.filter((r) => r.family !== 'figurative');
const rows = new Map(mathRules.map((r) => [r.id, [] as StratifiedRow[]]));
const glossed = new Map(mathRules.map((r) => [r.id, 0]));
for (const q of outcomes) {
  const fired = new Set((await engine.analyze(q.prompt)).fired.map((f) => f.ruleId));
  for (const r of mathRules) {
    if (fired.has(r.id)) glossed.set(r.id, glossed.get(r.id)! + 1);
    for (const m of q.outcomes)
      rows.get(r.id)!.push({ stratum: m.model, length: q.prompt.length, failed: !m.correct, exposed: fired.has(r.id) });
  }
}
console.log(`${outcomes.length} mining-split questions x 4 models`);
for (const r of mathRules) {
  const or = mhOddsRatio(quartileTables(rows.get(r.id)!));
  console.log(
    `${r.id.padEnd(32)} ${String(glossed.get(r.id)).padStart(4)} glossed  OR ${or.or.toFixed(2)} [${or.lo.toFixed(2)}, ${or.hi.toFixed(2)}]`,
  );
}
await engine.detector.release();
