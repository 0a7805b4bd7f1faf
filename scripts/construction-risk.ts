// tsx scripts/construction-risk.ts [--out FILE]: the construction grammar's misreading risk per family
// and kind (offline-training/protocol/construction-risk.ts) on the mining and validation splits of the
// locked protocol, and the on/off decision per family (offline-training/protocol/ship.ts). Never
// reads the test split. Needs ../shared (GLOSS_SHARED). Prints one JSON object.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findConstructions } from '../src/core/grammar/index.ts';
import { constructionRisk, readOutcomeQuestions } from '../offline-training/protocol/construction-risk.ts';
import { decideFamilies } from '../offline-training/protocol/ship.ts';

const SHARED = process.env.GLOSS_SHARED ?? '../shared';
const i = process.argv.indexOf('--out');
const qs = readOutcomeQuestions(join(SHARED, 'data/gsm8k/test_outcomes.jsonl')).filter((q) => q.split !== 'test');
const mining = constructionRisk(qs, findConstructions, { split: 'mine' });
const validation = constructionRisk(qs, findConstructions, { split: 'validation' });
const decisions = decideFamilies(mining, validation).map(({ mining: _m, validation: _v, ...d }) => d);
const json = JSON.stringify({ mining, validation, decisions }, null, 1);
if (i >= 0) writeFileSync(process.argv[i + 1], json + '\n');
const row = (r: (typeof mining)[number]) =>
  `${(r.family + (r.kind ? '/' + r.kind : '')).padEnd(44)} ${String(r.exposed).padStart(4)}/${r.questions}  OR ${r.or.or.toFixed(2)} [${r.or.lo.toFixed(2)}, ${r.or.hi.toFixed(2)}]  fail ${r.failExposed.toFixed(2)} vs ${r.failUnexposed.toFixed(2)}  misread ${r.misreadShare.toFixed(2)}`;
console.error('== mining split');
for (const r of mining) console.error(row(r));
console.error('== validation split');
for (const r of validation) console.error(row(r));
console.error('== decisions');
for (const d of decisions) console.error(`${d.family.padEnd(22)} ${d.on ? 'ON ' : 'off'} rank ${d.rank}: ${d.reason}`);
