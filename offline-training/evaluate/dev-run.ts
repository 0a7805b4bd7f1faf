// Development checks of the default bundle's four goals (no math gloss on general English, classic
// math traps glossed with the right family, failure odds on held-out GSM8K, figurative precision),
// through the core rewrite (GlossEngine.rewrite, what /v1/rewrite runs) of a bundle:
//   1. math glosses on general English (VUA test and MOH-X sentences) and on 100 hand-written chat
//      prompts (test/data/dev/chat-prompts.txt);
//   2. hand-written classic math traps (test/data/dev/math-traps.jsonl) glossed, and with the right family;
//   3. on the GSM8K questions the miner holds out (isHeldOut(id, 0.3, seed 0)), the failure odds
//      when a math gloss fires vs not, Mantel-Haenszel within length quartile x GPT-3 model;
//   4. figurative glosses on VUA test verb uses: precision against the figurative share, recall.
// Each figure stands beside its baseline. Needs ../shared (data). Run by scripts/dev-eval.ts and
// npm run train:default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { loadEngine } from '../../src/runtime/node/server.ts';
import type { GlossEngine, RewriteOutcome } from '../../src/core/engine/engine.ts';
import { readOutcomes } from '../llm/outcomes-format.ts';
import { detokenize } from '../data/detokenize.ts';
import { verbSpan } from '../data/verb-csv.ts';
import { isHeldOut } from '../data/splits.ts';
import { auc } from '../learn/stats.ts';
import {
  KEYWORD_RE,
  binaryScores,
  keywordFamily,
  lengthAuc,
  mhOddsRatio,
  perVerbMajority,
  quartileTables,
  type StratifiedRow,
} from './dev-checks.ts';

/** Where runDevChecks reads from: the bundle folder and the data folders (paths). */
export interface DevCheckOptions {
  bundle: string;
  /** The ../shared folder (data/metaphor, data/gsm8k). */
  shared: string;
  /** test/data/dev (chat-prompts.txt, math-traps.jsonl). */
  devData: string;
  /** README sentences (scripts/readme-corpus.ts); the held-out packages are a further negative set. */
  readmes?: string;
}

/** Rounds to three decimals (the report's precision). */
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** One CSV row of VUA / MOH-X (sentence, verb, verb_idx, label). */
type VerbRow = Record<string, string>;

/** What every check needs: the engine's rewrite and the misreading family of a fired rule. */
interface DevContext {
  engine: GlossEngine;
  rewrite: (text: string) => Promise<RewriteOutcome>;
  misreadingFamilyOf: (ruleId: string) => string;
  /** The inserted glosses of math families (all but figurative). */
  mathFired: (o: RewriteOutcome) => RewriteOutcome['inserted'];
}

/** The checks' context over a loaded engine. */
function devContext(engine: GlossEngine): DevContext {
  // Bundles whose rules carry no `family` (older than the misreading families): their rules were
  // all multiplicative, rate or percent, as their ids say.
  const legacyFamily = (id: string) => (/percent/.test(id) ? 'percent' : /rate/.test(id) ? 'rate' : 'multiplicative');
  const misreadingFamilyOf = (ruleId: string): string => {
    const r = engine.rulesById.get(ruleId) as { family?: string } | undefined;
    return r?.family ?? legacyFamily(ruleId);
  };
  return {
    engine,
    rewrite: (t) => engine.rewrite(t),
    misreadingFamilyOf,
    mathFired: (o) => o.inserted.filter((f) => misreadingFamilyOf(f.ruleId) !== 'figurative'),
  };
}

/**
 * Rewrites each text in order; returns how many got a math gloss and the first `maxExamples` of
 * those rewritten texts, each cut to `exampleChars` characters (for the report).
 */
async function countMathGlossed(ctx: DevContext, texts: readonly string[], maxExamples = 0, exampleChars = 0) {
  let glossed = 0;
  const examples: string[] = [];
  for (const t of texts) {
    const o = await ctx.rewrite(t);
    if (ctx.mathFired(o).length) {
      glossed++;
      if (examples.length < maxExamples) examples.push(o.rewritten.slice(0, exampleChars));
    }
  }
  return { glossed, examples };
}

/** The data the checks read: VUA / MOH-X rows, held-out README sentences, chat prompts, math traps. */
function readDevData(o: DevCheckOptions) {
  const csv = (f: string) =>
    parseCsv(readFileSync(join(o.shared, 'data/metaphor', f), 'utf8'), {
      columns: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as VerbRow[];
  // Technical English: README sentences of the npm packages the gate never trained on.
  const readmes = o.readmes
    ? readFileSync(o.readmes, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { text: string; package: string })
        .filter((r) => isHeldOut(r.package, 0.3, 7))
        .map((r) => r.text)
    : [];
  const chat = readFileSync(join(o.devData, 'chat-prompts.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  const traps = readFileSync(join(o.devData, 'math-traps.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { family: string; phrase: string; text: string });
  return {
    vuaTest: csv('VUA_test.csv'),
    vuaTrain: csv('VUA_train.csv'),
    mohx: csv('MOH-X.csv'),
    readmes,
    chat,
    traps,
  };
}

type DevData = ReturnType<typeof readDevData>;

/** Goal 1: math glosses on general English (VUA / MOH-X sentences), README sentences and chat prompts. */
async function generalEnglishCheck(ctx: DevContext, data: DevData) {
  const { readmes, chat } = data;
  const sentences = [...new Set([...data.vuaTest, ...data.mohx].map((r) => r.sentence.trim()))];
  const { glossed: sentGlossed, examples: sentExamples } = await countMathGlossed(ctx, sentences, 8, 160);
  const sentKeyword = sentences.filter((s) => KEYWORD_RE.test(s)).length;
  const { glossed: readmeGlossed } = await countMathGlossed(ctx, readmes);
  const readmeKeyword = readmes.filter((s) => KEYWORD_RE.test(s)).length;
  const { glossed: chatGlossed, examples: chatExamples } = await countMathGlossed(ctx, chat, 10, 200);
  const chatKeyword = chat.filter((p) => KEYWORD_RE.test(p)).length;
  return {
    goal1_general_english: {
      sentences: sentences.length,
      math_glossed_share: r3(sentGlossed / sentences.length),
      keyword_matcher_share: r3(sentKeyword / sentences.length),
      goal: '<= 0.01',
      examples: sentExamples,
    },
    goal1_technical_english: {
      sentences: readmes.length,
      math_glossed_share: r3(readmes.length ? readmeGlossed / readmes.length : 0),
      keyword_matcher_share: r3(readmes.length ? readmeKeyword / readmes.length : 0),
      goal: '<= 0.01',
    },
    goal1_chat_prompts: {
      prompts: chat.length,
      math_glossed: chatGlossed,
      keyword_matcher: chatKeyword,
      goal: '<= 3',
      examples: chatExamples,
    },
  };
}

/** Goal 2: hand-written math traps glossed, and with the right misreading family (beside a keyword matcher). */
async function trapCheck(ctx: DevContext, traps: DevData['traps']) {
  let trapGlossed = 0,
    trapRight = 0,
    kwGlossed = 0,
    kwRight = 0;
  const trapMisses: string[] = [];
  const perFamily: Record<string, { n: number; glossed: number; right: number }> = {};
  for (const t of traps) {
    const o = await ctx.rewrite(t.text);
    const fams = ctx.mathFired(o).map((f) => ctx.misreadingFamilyOf(f.ruleId));
    const pf = (perFamily[t.family] ??= { n: 0, glossed: 0, right: 0 });
    pf.n++;
    if (fams.length) {
      trapGlossed++;
      pf.glossed++;
    }
    if (fams.includes(t.family)) {
      trapRight++;
      pf.right++;
    } else trapMisses.push(`${t.family}: "${t.phrase}" -> ${fams.join(',') || 'none'}`);
    const kf = keywordFamily(t.text);
    if (kf) kwGlossed++;
    if (kf === t.family) kwRight++;
  }
  return {
    traps: traps.length,
    glossed_share: r3(trapGlossed / traps.length),
    right_family_share_of_glossed: r3(trapGlossed ? trapRight / trapGlossed : 0),
    keyword_matcher_glossed_share: r3(kwGlossed / traps.length),
    keyword_matcher_right_family_share_of_glossed: r3(kwGlossed ? kwRight / kwGlossed : 0),
    goal: 'glossed >= 0.7, right family >= 0.5 of glossed',
    per_family: perFamily,
    misses: trapMisses,
  };
}

/** Goal 3: held-out GSM8K failure odds when a math gloss fires vs not, pooled over the four GPT-3 models. */
async function heldOutGsm8kCheck(ctx: DevContext, shared: string) {
  const outcomes = await readOutcomes(join(shared, 'data/gsm8k/test_outcomes.jsonl'));
  const held = outcomes.filter((r) => isHeldOut(r.id, 0.3, 0));
  const rows: StratifiedRow[] = [];
  const kwRows: StratifiedRow[] = [];
  let heldGlossed = 0;
  for (const r of held) {
    const o = await ctx.rewrite(r.prompt);
    const fired = ctx.mathFired(o).length > 0;
    if (fired) heldGlossed++;
    const kw = KEYWORD_RE.test(r.prompt);
    for (const m of r.outcomes) {
      const base = { stratum: m.model, length: r.prompt.length, failed: !m.correct };
      rows.push({ ...base, exposed: fired });
      kwRows.push({ ...base, exposed: kw });
    }
  }
  const glossOr = mhOddsRatio(quartileTables(rows));
  const kwOr = mhOddsRatio(quartileTables(kwRows));
  return {
    questions: held.length,
    rows: rows.length,
    glossed_share: r3(heldGlossed / held.length),
    gloss_mh_or: [r3(glossOr.or), r3(glossOr.lo), r3(glossOr.hi)],
    keyword_matcher_mh_or: [r3(kwOr.or), r3(kwOr.lo), r3(kwOr.hi)],
    length_only_auc: r3(lengthAuc(rows)),
    goal: 'OR >= 1.5 with 95% CI above 1',
  };
}

/** A verb use sent as `text`, the verb at [start, end) of it. */
type VerbWrap = (sentence: string, verbIdx: number) => { text: string; span: [number, number] };

/** The sentence as it is, the verb word verbIdx of its space split. */
const asIs: VerbWrap = (text, vi) => ({ text, span: verbSpan(text, vi)! });

/**
 * Figurative glosses at verb uses: for each row whose verb index is in range, whether a figurative
 * rule fired on the verb's span of the text `wrap` gives, its strongest ratio, the label and the verb.
 */
async function verbChecks(ctx: DevContext, rows: readonly VerbRow[], wrap: VerbWrap = asIs) {
  const pred: boolean[] = [];
  const score: number[] = [];
  const labels: (0 | 1)[] = [];
  const verbs: string[] = [];
  // Verb uses of one sentence come in a row: its rewrite is computed once for all of them.
  let last: { text: string; out: RewriteOutcome } | undefined;
  for (const r of rows) {
    const s = r.sentence.trim();
    const words = s.split(' ');
    const vi = Number(r.verb_idx);
    if (!(vi >= 0 && vi < words.length)) continue;
    const w = wrap(s, vi);
    const [start, end] = w.span;
    if (last?.text !== w.text) last = { text: w.text, out: await ctx.rewrite(w.text) };
    const hit = last.out.fired.filter(
      (f) => ctx.misreadingFamilyOf(f.ruleId) === 'figurative' && f.span.start < end && f.span.end > start,
    );
    pred.push(hit.length > 0);
    score.push(Math.max(0, ...hit.map((h) => h.ratio)));
    labels.push(Number(r.label) ? 1 : 0);
    verbs.push(r.verb);
  }
  return { pred, score, labels, verbs };
}

/** Precision and recall of figurative glosses, beside the figurative share. */
function shareFigures(f: ReturnType<typeof binaryScores>) {
  return { figurative_share: r3(f.base), precision: r3(f.precision), recall: r3(f.recall) };
}

/**
 * Goal 4 on VUA test: as tokenized, as people write it (detokenized: "didn't", not "did n't"), and
 * (the first 1500 verb uses) asked about in a task prompt, as an app would send them; beside the
 * all-figurative and per-verb-majority baselines.
 */
async function vuaFigurativeCheck(ctx: DevContext, data: DevData) {
  const { vuaTest, vuaTrain } = data;
  const vt = await verbChecks(ctx, vuaTest);
  const gold = vt.labels;
  const task = 'Is the verb "{verb}" used metaphorically in the following sentence? Answer yes or no.\n\n';
  const inTask = await verbChecks(ctx, vuaTest.slice(0, 1500), (sentence, vi) => {
    const head = task.replace('{verb}', sentence.split(' ')[vi]);
    const w = asIs(sentence, vi);
    return { text: head + sentence, span: [head.length + w.span[0], head.length + w.span[1]] };
  });
  const natural = await verbChecks(ctx, vuaTest, (sentence, vi) => {
    const d = detokenize(sentence);
    return { text: d.text, span: d.words[vi] };
  });
  const fig = binaryScores(vt.pred, gold);
  const allPos = binaryScores(
    gold.map(() => true),
    gold,
  );
  const inRange = (r: VerbRow) => {
    const vi = Number(r.verb_idx);
    return vi >= 0 && vi < r.sentence.trim().split(' ').length;
  };
  const majority = binaryScores(
    perVerbMajority(
      vuaTrain.map((r) => ({ verb: r.verb, label: Number(r.label) ? (1 as const) : (0 as const) })),
      vuaTest.filter(inRange).map((r) => ({ verb: r.verb })),
    ),
    gold,
  );
  return {
    goal4_figurative_vua_test: {
      verb_uses: gold.length,
      ...shareFigures(fig),
      f1: r3(fig.f1),
      auc: r3(
        auc(
          vt.score,
          gold.map((g) => g === 1),
        ),
      ),
      all_figurative_f1: r3(allPos.f1),
      per_verb_majority: { precision: r3(majority.precision), recall: r3(majority.recall), f1: r3(majority.f1) },
      goal: 'precision >= share + 0.15, recall >= 0.30',
    },
    goal4_figurative_vua_test_detokenized: {
      verb_uses: natural.labels.length,
      ...shareFigures(binaryScores(natural.pred, natural.labels)),
    },
    goal4_figurative_vua_test_in_task_prompt: {
      verb_uses: inTask.labels.length,
      prompt: task.trim(),
      ...shareFigures(binaryScores(inTask.pred, inTask.labels)),
    },
  };
}

/** Per-verb majority on MOH-X by 10-fold cross-validation (folds by row index). */
function mohxMajority(verbs: readonly string[], labels: readonly (0 | 1)[]): boolean[] {
  const out: boolean[] = [];
  for (let k = 0; k < labels.length; k++) {
    const train = verbs.map((verb, i) => ({ verb, label: labels[i], i })).filter((x) => x.i % 10 !== k % 10);
    out.push(perVerbMajority(train, [{ verb: verbs[k] }])[0]);
  }
  return out;
}

/**
 * Goal 4 on MOH-X (which the figurative probe may be fitted on: then its figures here are in-sample
 * and the rule's evidence carries the 10-fold cross-validated ones), and figurative glosses on the
 * chat prompts.
 */
async function mohxFigurativeCheck(ctx: DevContext, data: DevData) {
  const mx = await verbChecks(ctx, data.mohx);
  const figRule = ctx.engine.rules.find((r) => r.family === 'figurative' && r.probe);
  const mxFig = binaryScores(mx.pred, mx.labels);
  const mxMaj = binaryScores(mohxMajority(mx.verbs, mx.labels), mx.labels);
  let chatFigurative = 0;
  for (const p of data.chat)
    if ((await ctx.rewrite(p)).fired.some((f) => ctx.misreadingFamilyOf(f.ruleId) === 'figurative')) chatFigurative++;
  return {
    /** True when the bundle's figurative probe was fitted on MOH-X (its figures here are then in-sample). */
    in_probe_training: Boolean(figRule?.evidence.datasets.includes('MOH-X')),
    cross_validated_10fold: (figRule?.evidence as { mohx_10fold?: Record<string, number> } | undefined)?.mohx_10fold,
    verb_uses: mx.labels.length,
    ...shareFigures(mxFig),
    f1: r3(mxFig.f1),
    auc: r3(
      auc(
        mx.score,
        mx.labels.map((g) => g === 1),
      ),
    ),
    all_figurative_f1: r3(
      binaryScores(
        mx.labels.map(() => true),
        mx.labels,
      ).f1,
    ),
    per_verb_majority_10fold: { precision: r3(mxMaj.precision), recall: r3(mxMaj.recall), f1: r3(mxMaj.f1) },
    chat_prompts_with_figurative_gloss: chatFigurative,
  };
}

/**
 * Runs the four dev checks on a bundle through its engine's rewrite; returns the figures with their
 * baselines (JSON-ready, three decimals). Throws where a data file is missing or unreadable.
 */
export async function runDevChecks(o: DevCheckOptions) {
  const engine = await loadEngine(o.bundle);
  try {
    const ctx = devContext(engine);
    const data = readDevData(o);
    const general = await generalEnglishCheck(ctx, data);
    const goal2_traps = await trapCheck(ctx, data.traps);
    const goal3_gsm8k_heldout = await heldOutGsm8kCheck(ctx, o.shared);
    const vua = await vuaFigurativeCheck(ctx, data);
    const goal4_figurative_mohx = await mohxFigurativeCheck(ctx, data);
    return {
      bundle: o.bundle,
      rules: engine.rules.length,
      ...general,
      goal2_traps,
      goal3_gsm8k_heldout,
      ...vua,
      goal4_figurative_mohx,
    };
  } finally {
    await engine.detector.release();
  }
}
