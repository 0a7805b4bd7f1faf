// tsx scripts/card-protocol.ts --risk RISK.json --validation VAL.json --test TEST.json
//   --figurative-validation FVAL.json --figurative-test FTEST.json [--card ...] [--figures ...] [--rules ...] [--test-looks N]:
// rewrites the default card's rules, dev-check and figurative sections from the figures of
// scripts/construction-risk.ts and scripts/protocol-eval.ts (validation, and the test split's one
// look; the figurative rows from runs with `families` asking for the probe, since it is off by
// default) and the manifest's `evaluation` numbers (figures.json): every sentence is built from a figure (offline-training/protocol/card-section.ts), so no
// fixed sentence can contradict one. The card's detector, SAE, task-gate and uplift sections stay.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  checksSection,
  familyTable,
  figurativeText,
  protocolFigures,
  protocolText,
} from '../offline-training/protocol/card-section.ts';
import { decisionsWithFigures, type RiskFile } from '../offline-training/protocol/risk-file.ts';

const { values: v } = parseArgs({
  options: {
    risk: { type: 'string' },
    validation: { type: 'string' },
    test: { type: 'string' },
    'figurative-validation': { type: 'string' },
    'figurative-test': { type: 'string' },
    card: { type: 'string', default: 'models/default/trained/card.md' },
    figures: { type: 'string', default: 'models/default/trained/figures.json' },
    rules: { type: 'string', default: 'models/default/trained/rules.json' },
    // How many times the test split was looked at for this bundle, this run included (the card says it).
    'test-looks': { type: 'string', default: '1' },
  },
});
if (!v.risk || !v.validation || !v.test || !v['figurative-validation'] || !v['figurative-test']) {
  console.error(
    'card-protocol: --risk, --validation, --test, --figurative-validation and --figurative-test are required',
  );
  process.exit(1);
}
const json = async (f: string) => JSON.parse(await readFile(f, 'utf8'));
const risk = { decisions: decisionsWithFigures((await json(v.risk)) as RiskFile) };
const val = await json(v.validation);
const test = await json(v.test);
// The probe is off by default, so its rows come from the runs that turned it on.
const figurativeVal = await json(v['figurative-validation']!);
for (const [p, f] of [
  [val, figurativeVal],
  [test, await json(v['figurative-test']!)],
]) {
  p.figurative_vua = f.figurative_vua;
  p.figurative_mohx = f.figurative_mohx;
}
const card = await readFile(v.card!, 'utf8');

/** The card's sentence on how often the test split was seen, from --test-looks (never a fixed sentence). */
function testLooks(n: number): string {
  if (!Number.isInteger(n) || n < 1) {
    console.error(`card-protocol: --test-looks must be a whole number of at least 1, not ${v['test-looks']}`);
    process.exit(1);
  }
  return n === 1
    ? 'The test split was looked at once for this bundle, after every choice (earlier versions of this grammar were scored on it too). '
    : `The test split was looked at ${n} times for this bundle; only the last look is reported here. `;
}

/** The gate's thresholds as rules.json states them: " (gate open at score >= 0.5, or >= 0.4 …)". */
function askedGate(gate: { threshold: number; askedThreshold?: number } | undefined): string {
  if (!gate) return '';
  return gate.askedThreshold === undefined
    ? ` (gate open at score >= ${gate.threshold})`
    : ` (gate open at score >= ${gate.threshold}, or >= ${gate.askedThreshold} for construction rules where the prompt asks for a quantity)`;
}
const gate = ((await json(v.rules!)) as { gate?: { threshold: number; askedThreshold?: number } }).gate;

// Sections are `## Title` blocks; the ones rebuilt here are dropped and written anew.
const REBUILT = /^## (Dev checks|Rules|Evaluation|Construction families|Families|Validation|Test split|Figurative)/;
const blocks = card.split(/\n(?=## )/);
const kept = blocks.filter((b) => !REBUILT.test(b));
const on = risk.decisions.filter((d) => d.on).map((d) => d.family);
const rebuilt = [
  protocolText(),
  [
    '## Construction families',
    '',
    `Glosses are written by the construction grammar (src/core/grammar) from the parsed phrase: rules are driven by a cue pattern (the grammar), not by an SAE latent, and fire only where the SAE task gate is open and the prompt asks for a quantity (src/core/grammar/asks.ts, also a cue pattern)${askedGate(gate)}. On by default: ${on.join(', ') || 'none'}; the others are in the bundle, off, and the run option \`families\` turns them on. Decided on the validation split only:`,
    '',
    familyTable(risk.decisions),
  ].join('\n'),
  checksSection('Validation split (every choice was made here)', val),
  checksSection(
    'Test split (looked at after the choices; reported as it came out)',
    test,
    testLooks(Number(v['test-looks'])),
  ),
  // "With it on, N of 100 chat prompts …": from the run that turned it on only (none where it has no count)
  figurativeText(false, { ...val, chat_prompts: figurativeVal.chat_prompts }),
];
const out = [...kept.slice(0, 1), ...rebuilt, ...kept.slice(1)].join('\n\n').replace(/\n{3,}/g, '\n\n');
await writeFile(v.card!, out.endsWith('\n') ? out : out + '\n');
const figures = await json(v.figures!);
figures.evaluation = { ...protocolFigures(val), ...protocolFigures(test) };
await writeFile(v.figures!, JSON.stringify(figures, null, 2) + '\n');
console.log(`card-protocol: ${v.card} (${rebuilt.length} sections from the figures)`);
