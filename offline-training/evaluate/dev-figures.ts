// The dev checks' figures (dev-run.ts) as manifest numbers and as a card section, every figure
// beside its baseline.
import type { runDevChecks } from './dev-run.ts';

type Dev = Awaited<ReturnType<typeof runDevChecks>>;

/** Flat numbers for manifest.json `evaluation`. */
export function devFigures(d: Dev): Record<string, number> {
  const g3 = d.goal3_gsm8k_heldout;
  const g4 = d.goal4_figurative_vua_test;
  const cv = d.goal4_figurative_mohx.cross_validated_10fold;
  return {
    general_english_math_gloss_rate: d.goal1_general_english.math_glossed_share,
    general_english_keyword_rate: d.goal1_general_english.keyword_matcher_share,
    technical_english_math_gloss_rate: d.goal1_technical_english.math_glossed_share,
    technical_english_keyword_rate: d.goal1_technical_english.keyword_matcher_share,
    chat_prompts_math_glossed: d.goal1_chat_prompts.math_glossed,
    chat_prompts_keyword: d.goal1_chat_prompts.keyword_matcher,
    traps_glossed_rate: d.goal2_traps.glossed_share,
    traps_right_family_rate: d.goal2_traps.right_family_share_of_glossed,
    traps_keyword_glossed_rate: d.goal2_traps.keyword_matcher_glossed_share,
    traps_keyword_right_family_rate: d.goal2_traps.keyword_matcher_right_family_share_of_glossed,
    gsm8k_heldout_glossed_rate: g3.glossed_share,
    gsm8k_heldout_failure_or: g3.gloss_mh_or[0],
    gsm8k_heldout_failure_or_lo: g3.gloss_mh_or[1],
    gsm8k_heldout_failure_or_hi: g3.gloss_mh_or[2],
    gsm8k_heldout_keyword_or: g3.keyword_matcher_mh_or[0],
    gsm8k_heldout_length_auc: g3.length_only_auc,
    vua_test_figurative_precision: g4.precision,
    vua_test_figurative_recall: g4.recall,
    vua_test_figurative_share: g4.figurative_share,
    vua_test_all_figurative_f1: g4.all_figurative_f1,
    vua_test_per_verb_majority_f1: g4.per_verb_majority.f1,
    vua_test_detokenized_figurative_precision: d.goal4_figurative_vua_test_detokenized.precision,
    vua_test_detokenized_figurative_recall: d.goal4_figurative_vua_test_detokenized.recall,
    vua_test_in_task_prompt_figurative_precision: d.goal4_figurative_vua_test_in_task_prompt.precision,
    vua_test_in_task_prompt_figurative_recall: d.goal4_figurative_vua_test_in_task_prompt.recall,
    ...(cv
      ? {
          mohx_10fold_figurative_precision: cv.precision,
          mohx_10fold_figurative_recall: cv.recall,
          mohx_10fold_figurative_auc: cv.auc,
        }
      : {}),
    mohx_figurative_precision: d.goal4_figurative_mohx.precision,
    mohx_figurative_recall: d.goal4_figurative_mohx.recall,
    mohx_figurative_share: d.goal4_figurative_mohx.figurative_share,
    mohx_all_figurative_f1: d.goal4_figurative_mohx.all_figurative_f1,
    mohx_per_verb_majority_f1: d.goal4_figurative_mohx.per_verb_majority_10fold.f1,
    chat_prompts_figurative_glossed: d.goal4_figurative_mohx.chat_prompts_with_figurative_gloss,
  };
}

/** "; F1 below the all-figurative F1 ..." for each baseline F1 above `f1` (a figure below its baseline says so). */
function versus(f1: number, baselines: [string, number][]): string {
  const above = baselines.filter(([, b]) => b > f1).map(([name]) => name);
  return above.length ? `; F1 below the ${above.join(' and the ')} F1 (the threshold is set for precision)` : '';
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Markdown: the four goals, each figure beside its baseline. */
export function devSection(d: Dev): string {
  const g3 = d.goal3_gsm8k_heldout;
  const g4 = d.goal4_figurative_vua_test;
  const mx = d.goal4_figurative_mohx;
  const tp = d.goal4_figurative_vua_test_in_task_prompt;
  const cv = mx.cross_validated_10fold;
  const mxBase = `figurative share ${mx.figurative_share.toFixed(3)}; all-figurative F1 ${mx.all_figurative_f1.toFixed(3)}; per-verb majority (10-fold) F1 ${mx.per_verb_majority_10fold.f1.toFixed(3)}`;
  const or = (x: number[]) => `${x[0].toFixed(2)} [${x[1].toFixed(2)}, ${x[2].toFixed(2)}]`;
  return [
    '## Dev checks (data the miner never read)',
    '',
    '| check | bundle | baseline |',
    '| --- | --- | --- |',
    `| math glosses on ${d.goal1_general_english.sentences} VUA test + MOH-X sentences (goal <= 1%) | ${pct(d.goal1_general_english.math_glossed_share)} | keyword matcher ${pct(d.goal1_general_english.keyword_matcher_share)} |`,
    `| math glosses on ${d.goal1_technical_english.sentences} README sentences of held-out npm packages | ${pct(d.goal1_technical_english.math_glossed_share)} | keyword matcher ${pct(d.goal1_technical_english.keyword_matcher_share)} |`,
    `| chat prompts with a math gloss, of ${d.goal1_chat_prompts.prompts} hand-written (goal <= 3) | ${d.goal1_chat_prompts.math_glossed} | keyword matcher ${d.goal1_chat_prompts.keyword_matcher} |`,
    `| ${d.goal2_traps.traps} hand-written math traps glossed (goal >= 70%) | ${pct(d.goal2_traps.glossed_share)} | keyword matcher ${pct(d.goal2_traps.keyword_matcher_glossed_share)} |`,
    `| of those, with the right family (goal >= 50%) | ${pct(d.goal2_traps.right_family_share_of_glossed)} | keyword matcher ${pct(d.goal2_traps.keyword_matcher_right_family_share_of_glossed)} |`,
    `| held-out GSM8K (${g3.questions} questions x 4 GPT-3 models): failure odds ratio, math gloss vs none, MH within length quartile x model (goal >= 1.5, CI above 1) | ${or(g3.gloss_mh_or)}, glossed ${pct(g3.glossed_share)} | keyword matcher ${or(g3.keyword_matcher_mh_or)}; length-only AUC ${g3.length_only_auc.toFixed(3)} |`,
    `| VUA test verb uses (${g4.verb_uses}): figurative gloss precision / recall / F1 (goal: precision >= share + 0.15, recall >= 0.30) | ${g4.precision.toFixed(3)} / ${g4.recall.toFixed(3)} / ${g4.f1.toFixed(3)}, AUC ${g4.auc.toFixed(3)}${versus(
      g4.f1,
      [
        ['all-figurative', g4.all_figurative_f1],
        ['per-verb majority', g4.per_verb_majority.f1],
      ],
    )} | figurative share ${g4.figurative_share.toFixed(3)}; all-figurative F1 ${g4.all_figurative_f1.toFixed(3)}; per-verb majority P/R/F1 ${g4.per_verb_majority.precision.toFixed(3)} / ${g4.per_verb_majority.recall.toFixed(3)} / ${g4.per_verb_majority.f1.toFixed(3)} |`,
    `| the same verb uses as people write them ("didn't", "hopes."; the corpus has "did n't", "hopes ."): precision / recall | ${d.goal4_figurative_vua_test_detokenized.precision.toFixed(3)} / ${d.goal4_figurative_vua_test_detokenized.recall.toFixed(3)} | figurative share ${d.goal4_figurative_vua_test_detokenized.figurative_share.toFixed(3)} |`,
    `| the first ${tp.verb_uses} of those verb uses inside a task prompt ("${tp.prompt.replace(/\n/g, ' ')}"): precision / recall | ${tp.precision.toFixed(3)} / ${tp.recall.toFixed(3)} | figurative share ${tp.figurative_share.toFixed(3)} |`,
    ...(cv
      ? [
          `| MOH-X verb uses (${cv.n}), 10-fold cross-validation (each fold's probe fitted on VUA train and the other folds; not through the bundle): precision / recall / F1 | ${cv.precision.toFixed(3)} / ${cv.recall.toFixed(3)} / ${cv.f1.toFixed(3)}, AUC ${cv.auc.toFixed(3)}${versus(
            cv.f1,
            [
              ['all-figurative', mx.all_figurative_f1],
              ['per-verb majority', mx.per_verb_majority_10fold.f1],
            ],
          )} | ${mxBase} |`,
        ]
      : []),
    `| MOH-X verb uses (${mx.verb_uses}${mx.in_probe_training ? "; in the probe's training data, so in-sample" : '; no training step reads MOH-X'}): figurative gloss precision / recall | ${mx.precision.toFixed(3)} / ${mx.recall.toFixed(3)}, AUC ${mx.auc.toFixed(3)} | ${mxBase} |`,
    `| chat prompts with a figurative gloss, of ${d.goal1_chat_prompts.prompts} | ${d.goal4_figurative_mohx.chat_prompts_with_figurative_gloss} | |`,
  ].join('\n');
}
