// The card's evaluation prose and the manifest's `evaluation` numbers, generated from the protocol's
// figures: every sentence that states a result is built from the number it states, and every goal
// says "met" or "not met" by comparing the figure with the goal, so no fixed sentence can contradict
// a figure. Validation (development) and the one test look stand in separate sections.
import { formatInterval, type Interval } from './bootstrap.ts';
import type { ConstructionRisk } from './construction-risk.ts';
import type { ProtocolResult } from './run.ts';
import type { ShipDecision } from './ship.ts';
import {
  GSM8K_SPLIT_SEED,
  GSM8K_TEST_FRACTION,
  GSM8K_VALIDATION_FRACTION_OF_REST,
  MOHX_FOLD_SEED,
  MOHX_TEST_FOLDS,
} from './splits.ts';

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const iv = (x: Interval | undefined, asPct = false) =>
  !x ? 'n/a' : asPct ? `${pct(x.value)} [${pct(x.lo)}, ${pct(x.hi)}]` : formatInterval(x, 3);
/** A number to 2 decimals; JSON turns Infinity into null, so both read as 'inf' (or 'n/a' for NaN). */
const f2 = (v: number | null | undefined) =>
  v === null || v === Infinity ? 'inf' : v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(2);
const orS = (x: readonly (number | null)[]) => `${f2(x[0])} [${f2(x[1])}, ${f2(x[2])}]`;
const met = (ok: boolean) => (ok ? 'met' : 'not met');

/** The protocol in words, from splits.ts's constants. */
export function protocolText(): string {
  const test = GSM8K_TEST_FRACTION;
  const val = (1 - test) * GSM8K_VALIDATION_FRACTION_OF_REST;
  return [
    '## Evaluation protocol',
    '',
    `GSM8K outcome questions (857, four GPT-3 models) are split by a seeded hash of the question text (offline-training/protocol/splits.ts, seed ${GSM8K_SPLIT_SEED}): ${pct(1 - test - val)} mining (risk order), ${pct(val)} validation (every choice: which families ship on, caps), ${pct(test)} test, read once per bundle at the end and reported as it came out. VUA keeps its own train / val / test files; MOH-X is cut into ten folds by a seeded hash of verb and sentence (seed ${MOHX_FOLD_SEED}), folds ${MOHX_TEST_FOLDS.join(' and ')} test. Hand-written development data (test/data/dev) is development only.`,
  ].join('\n');
}

/** Per-family risk and the on/off decision, as a table. */
export function familyTable(decisions: readonly ShipDecision[]): string {
  const r = (x: ConstructionRisk | undefined) => (x ? `${orS([x.or.or, x.or.lo, x.or.hi])} (${x.exposed} q)` : 'n/a');
  const ms = (x: ConstructionRisk | undefined) => (x && Number.isFinite(x.misreadShare) ? pct(x.misreadShare) : 'n/a');
  return [
    '## Families: misreading risk and default',
    '',
    'Failure odds ratio when the construction grammar finds the family in a question (Mantel-Haenszel within length quartile x GPT-3 model, 95% CI; q = questions found); misread = share of the failed runs there that a same-family misreading label explains (wrong solution vs the reference calculator steps). Priority in rules.json follows the mining order.',
    '',
    '| family | default | mining OR | validation OR | misread (mining) | why |',
    '| --- | --- | --- | --- | --- | --- |',
    ...[...decisions]
      .sort((a, b) => a.rank - b.rank || a.family.localeCompare(b.family))
      .map(
        (d) =>
          `| ${d.family} | ${d.on ? 'on' : 'off'} | ${r(d.mining)} | ${r(d.validation)} | ${ms(d.mining)} | ${d.reason} |`,
      ),
  ].join('\n');
}

/** Appends one table row: figure, bundle, baseline, goal. */
type AddRow = (what: string, value: string, baseline: string, goal: string) => void;

/** The checks of one protocol run as table rows: figure, bundle, baseline, goal. */
function rows(p: ProtocolResult): string[] {
  const out: string[] = [];
  const add: AddRow = (what, value, baseline, goal) => out.push(`| ${what} | ${value} | ${baseline} | ${goal} |`);
  trapRows(p, add);
  offTopicRows(p, add);
  gsm8kRows(p, add);
  figurativeRows(p, add);
  return out;
}

/** Trap sets, trap-free problems and paraphrase pairs: does the right family fire, and only there. */
function trapRows(p: ProtocolResult, add: AddRow): void {
  if (p.traps_reworded)
    add(
      `${p.traps_reworded.traps} traps phrased away from textbook forms: right family`,
      iv(p.traps_reworded.right_family, true),
      `keyword matcher ${iv(p.traps_reworded.keyword_matcher_right_family, true)}`,
      `>= 80%: ${met(p.traps_reworded.right_family.value >= 0.8)}`,
    );
  if (p.traps_classic)
    add(
      `${p.traps_classic.traps} textbook traps: right family`,
      iv(p.traps_classic.right_family, true),
      `keyword matcher ${iv(p.traps_classic.keyword_matcher_right_family, true)}`,
      '',
    );
  if (p.trap_free)
    add(
      `${p.trap_free.problems} trap-free math problems glossed`,
      iv(p.trap_free.glossed, true),
      `keyword matcher ${iv(p.trap_free.keyword_matcher, true)}`,
      `<= 10%: ${met(p.trap_free.glossed.value <= 0.1)}`,
    );
  if (p.paraphrases)
    add(
      `${p.paraphrases.pairs} paraphrase pairs: the family fires on the paraphrase (of the ${p.paraphrases.kept_given_original.of} where it fires on the original: ${pct(p.paraphrases.kept_given_original.value)})`,
      iv(p.paraphrases.fires_on_paraphrase, true),
      `keyword matcher ${iv(p.paraphrases.keyword_matcher_fires_on_paraphrase, true)}`,
      `>= 70%: ${met(p.paraphrases.fires_on_paraphrase.value >= 0.7)}`,
    );
}

/** Text that is not a math problem (injected triggers, chat prompts, news): math glosses stay off. */
function offTopicRows(p: ProtocolResult, add: AddRow): void {
  if (p.injected_triggers)
    add(
      `${p.injected_triggers.texts} trigger phrases in non-math text: math glosses`,
      iv(p.injected_triggers.math_glossed, true),
      `keyword matcher ${iv(p.injected_triggers.keyword_matcher, true)}`,
      `<= 2%: ${met(p.injected_triggers.math_glossed.value <= 0.02)}`,
    );
  if (p.chat_prompts)
    add(
      `${p.chat_prompts.texts} chat prompts: with a math gloss / with a figurative gloss`,
      `${p.chat_prompts.math_glossed_count} / ${p.chat_prompts.figurative_glossed_count}`,
      `keyword matcher ${Math.round(p.chat_prompts.keyword_matcher.value * p.chat_prompts.texts)}`,
      `<= 3 and 0: ${met(p.chat_prompts.math_glossed_count <= 3 && p.chat_prompts.figurative_glossed_count === 0)}`,
    );
  if (p.chat_numeric)
    add(
      `${p.chat_numeric.texts} chat prompts with numbers, rates or percentages that ask for no computation: math glosses`,
      iv(p.chat_numeric.math_glossed, true),
      `keyword matcher ${iv(p.chat_numeric.keyword_matcher, true)}`,
      `<= 3%: ${met(p.chat_numeric.math_glossed.value <= 0.03)}`,
    );
  if (p.chat_asking)
    add(
      `${p.chat_asking.texts} chat questions that ask "how many / how much" and mention rates or percentages but are advice or facts: math glosses`,
      iv(p.chat_asking.math_glossed, true),
      `keyword matcher ${iv(p.chat_asking.keyword_matcher, true)}`,
      `<= 3%: ${met(p.chat_asking.math_glossed.value <= 0.03)}`,
    );
  const ge = p.general_english;
  add(
    `${ge.texts} ${ge.corpus} sentences (news): math glosses`,
    iv(ge.math_glossed, true),
    `keyword matcher ${iv(ge.keyword_matcher, true)}`,
    `<= 1%: ${met(ge.math_glossed.value <= 0.01)}`,
  );
}

/** GSM8K: failure odds ratio with a gloss, and where the glosses land. */
function gsm8kRows(p: ProtocolResult, add: AddRow): void {
  const g = p.gsm8k;
  add(
    `GSM8K ${p.split} questions (${g.questions} x 4 GPT-3 models): failure OR, math gloss vs none, MH within length quartile x model; glossed ${pct(g.glossed.value)}`,
    orS(g.gloss_mh_or),
    `keyword matcher ${orS(g.keyword_matcher_mh_or)} (glosses ${pct(g.keyword_matcher_glossed.value)}); length-only AUC ${g.length_only_auc.toFixed(3)}`,
    `>= 1.5 with CI above 1: ${met((g.gloss_mh_or[0] ?? Infinity) >= 1.5 && g.gloss_mh_or[1] > 1)}${
      (g.gloss_mh_or[0] ?? 0) < (g.keyword_matcher_mh_or[0] ?? 0) ? '; below the keyword matcher' : ''
    }`,
  );
  add(
    `GSM8K ${p.split}: median growth of glossed questions (${g.placement.glossed_texts}); most glosses in one`,
    `${iv(g.placement.median_growth, true)}; ${g.placement.max_glosses_per_text}`,
    '',
    `<= 35%: ${met(g.placement.median_growth.value <= 0.35)}`,
  );
  add(
    `GSM8K ${p.split}: glosses inside a word, number, time or phrase, of ${g.placement.glosses}`,
    String(g.placement.bad_placements),
    '',
    `0: ${met(g.placement.bad_placements === 0)}`,
  );
}

/** VUA and MOH-X verb uses: figurative precision / recall / F1, and glosses on function words. */
function figurativeRows(p: ProtocolResult, add: AddRow): void {
  for (const [name, f] of [
    ['VUA', p.figurative_vua],
    ['MOH-X', p.figurative_mohx],
  ] as const) {
    if (!f) continue;
    add(
      `${name} ${p.split === 'test' ? 'test' : 'validation'} verb uses (${f.verb_uses}): figurative precision / recall / F1${name === 'MOH-X' ? " (in the probe's training data: in-sample)" : ''}`,
      `${iv(f.precision)} / ${iv(f.recall)} / ${iv(f.f1)}`,
      `figurative share ${f.figurative_share.toFixed(3)}; all-figurative F1 ${f.all_figurative_f1.toFixed(3)}; per-verb majority F1 ${f.per_verb_majority.f1.toFixed(3)}`,
      `precision >= share + 0.15 and recall >= 0.30: ${met(f.meets_bar)}`,
    );
    add(
      `${name}: figurative glosses on auxiliaries, copulas, punctuation or non-words`,
      String(f.glosses_on_function_words_or_non_words),
      '',
      `0: ${met(f.glosses_on_function_words_or_non_words === 0)}`,
    );
  }
}

/** One protocol run as a markdown section with a heading. */
export function checksSection(title: string, p: ProtocolResult, note = ''): string {
  const opts = Object.keys(p.match).length ? ` Run options: \`${JSON.stringify(p.match)}\`.` : '';
  return [
    `## ${title}`,
    '',
    `${note}${opts}`.trim(),
    '',
    '| figure | bundle | baseline | goal |',
    '| --- | --- | --- | --- |',
    ...rows(p),
  ]
    .filter((l, i, a) => !(l === '' && a[i - 1] === ''))
    .join('\n');
}

/** Why figurative glosses are off (or on), from the validation figures. */
export function figurativeText(on: boolean, p: ProtocolResult): string {
  const f = p.figurative_vua;
  if (!f) return '';
  const bar = f.figurative_share + 0.15;
  const parts = [
    `On VUA val verb uses the figurative probe reaches precision ${iv(f.precision)} against a bar of ${bar.toFixed(3)} (share + 0.15) and recall ${iv(f.recall)} against 0.30: the bar is ${met(f.meets_bar)} there${f.meets_bar ? ', but' : ' (and'} VUA val is where its threshold was chosen, so it is not out-of-domain text${f.meets_bar ? '' : ')'}.`,
    `Its F1 ${f.f1.value.toFixed(3)} is ${f.f1.value < f.per_verb_majority.f1 ? 'below' : 'above'} the per-verb majority's ${f.per_verb_majority.f1.toFixed(3)} and ${f.f1.value < f.all_figurative_f1 ? 'below' : 'above'} the all-figurative F1 ${f.all_figurative_f1.toFixed(3)}.`,
  ];
  if (p.chat_prompts)
    parts.push(
      `With it on, ${p.chat_prompts.figurative_glossed_count} of ${p.chat_prompts.texts} chat prompts get a figurative gloss.`,
    );
  return [
    '## Figurative glosses',
    '',
    `The figurative probe rule is in the bundle and ${on ? 'on' : 'off'} by default (run option \`families\` turns it on). ${parts.join(' ')}`,
  ].join('\n');
}

/** Flat numbers for manifest.json `evaluation`, each figure beside its baseline, keyed by split. */
export function protocolFigures(p: ProtocolResult): Record<string, number> {
  const s = p.split;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const out: Record<string, number> = {};
  const put = (k: string, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) out[`${s}_${k}`] = r(v);
  };
  put('traps_reworded_right_family', p.traps_reworded?.right_family.value);
  put('traps_reworded_keyword_right_family', p.traps_reworded?.keyword_matcher_right_family.value);
  put('trap_free_glossed', p.trap_free?.glossed.value);
  put('paraphrase_fires', p.paraphrases?.fires_on_paraphrase.value);
  put('paraphrase_keyword_fires', p.paraphrases?.keyword_matcher_fires_on_paraphrase.value);
  put('injected_math_glossed', p.injected_triggers?.math_glossed.value);
  put('chat_math_glossed', p.chat_prompts?.math_glossed_count);
  put('chat_figurative_glossed', p.chat_prompts?.figurative_glossed_count);
  put('chat_numeric_math_glossed', p.chat_numeric?.math_glossed.value);
  put('chat_asking_math_glossed', p.chat_asking?.math_glossed.value);
  put('news_math_glossed', p.general_english.math_glossed.value);
  put('news_keyword', p.general_english.keyword_matcher.value);
  put('gsm8k_glossed', p.gsm8k.glossed.value);
  put('gsm8k_failure_or', p.gsm8k.gloss_mh_or[0]);
  put('gsm8k_failure_or_lo', p.gsm8k.gloss_mh_or[1]);
  put('gsm8k_failure_or_hi', p.gsm8k.gloss_mh_or[2]);
  put('gsm8k_keyword_or', p.gsm8k.keyword_matcher_mh_or[0]);
  put('gsm8k_length_auc', p.gsm8k.length_only_auc);
  put('gsm8k_median_growth', p.gsm8k.placement.median_growth.value);
  put('gsm8k_bad_placements', p.gsm8k.placement.bad_placements);
  if (p.figurative_vua) {
    put('vua_figurative_precision', p.figurative_vua.precision.value);
    put('vua_figurative_recall', p.figurative_vua.recall.value);
    put('vua_figurative_share', p.figurative_vua.figurative_share);
    put('vua_all_figurative_f1', p.figurative_vua.all_figurative_f1);
    put('vua_per_verb_majority_f1', p.figurative_vua.per_verb_majority.f1);
  }
  return out;
}
