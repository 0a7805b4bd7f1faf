// Issue 19's goal checks, development versions, over any glosser (a bundle's rewrite, with the family
// of each gloss): reworded traps, trap-free problems, paraphrase pairs, trigger phrases in non-math
// text, chat prompts, general English, placement and growth, GSM8K failure odds on one locked split,
// and figurative precision and recall at verb uses. Each figure stands beside its baseline (the old
// cue regexes as a keyword matcher, length-only AUC, all-figurative F1, per-verb majority) and, where
// it is a rate, a bootstrap CI. Pure over the glosser: the engine and the data files are wired in by
// the caller (evaluate's dev checks, scripts/dev-eval.ts).
import { cuesOf } from '../mine/misreadings.ts';
import {
  binaryScores,
  lengthAuc,
  mhOddsRatio,
  perVerbMajority,
  quartileTables,
  type OddsRatio,
  type StratifiedRow,
} from '../evaluate/dev-checks.ts';
import { bootstrapCi, rateCi, type Interval } from './bootstrap.ts';
import type { OutcomeQuestion } from './construction-risk.ts';
import { isContentVerbWord } from '../../src/core/rules/content-verb.ts';

/** One gloss a glosser inserted: its family, where it went (offset into the original) and its text. */
export interface PlacedGloss {
  family: string;
  at: number;
  gloss: string;
  /** The phrase it annotates, offsets into the original. */
  span: { start: number; end: number };
}

/** A text as glossed: the rewritten text and the glosses put into it. */
export interface Glossed {
  text: string;
  rewritten: string;
  glosses: PlacedGloss[];
}

/** Text -> its glossed form (a bundle's rewrite under some run options). */
export type Glosser = (text: string) => Promise<Glossed>;

const isMath = (g: PlacedGloss) => g.family !== 'figurative';
const mathOf = (g: Glossed) => g.glosses.filter(isMath);

/** The old cue regexes (misreadings.ts CUES) as a keyword matcher: the families they would claim. */
export function keywordFamilies(text: string): string[] {
  return [...new Set(cuesOf(text).map((c) => c.family as string))];
}

const share = (k: number, n: number) => (n ? k / n : NaN);

/** Traps with an expected family: glossed, and glossed with the right family (of all traps). */
export async function trapsCheck(glosser: Glosser, traps: readonly { family: string; phrase: string; text: string }[]) {
  const right: boolean[] = [];
  const glossed: boolean[] = [];
  const kwRight: boolean[] = [];
  const misses: string[] = [];
  const perFamily: Record<string, { n: number; right: number }> = {};
  for (const t of traps) {
    const fams = mathOf(await glosser(t.text)).map((g) => g.family);
    const ok = fams.includes(t.family);
    right.push(ok);
    glossed.push(fams.length > 0);
    kwRight.push(keywordFamilies(t.text).includes(t.family));
    const pf = (perFamily[t.family] ??= { n: 0, right: 0 });
    pf.n++;
    if (ok) pf.right++;
    else misses.push(`${t.family}: "${t.phrase}" -> ${fams.join(',') || 'none'}`);
  }
  return {
    traps: traps.length,
    right_family: rateCi(right),
    glossed: rateCi(glossed),
    keyword_matcher_right_family: rateCi(kwRight),
    per_family: perFamily,
    misses,
  };
}

/** Math problems with no trap: the share glossed at all (math families), beside the keyword matcher. */
export async function trapFreeCheck(glosser: Glosser, texts: readonly string[]) {
  const hit: boolean[] = [];
  const examples: string[] = [];
  for (const t of texts) {
    const g = await glosser(t);
    hit.push(mathOf(g).length > 0);
    if (mathOf(g).length) examples.push(g.rewritten);
  }
  return {
    problems: texts.length,
    glossed: rateCi(hit),
    keyword_matcher: rateCi(texts.map((t) => keywordFamilies(t).length > 0)),
    examples,
  };
}

/**
 * Paraphrase pairs: where the family fires on the original (a), how often it still fires on the
 * paraphrase (b); and how often it fires on b at all.
 */
export async function paraphraseCheck(
  glosser: Glosser,
  pairs: readonly { id: string; family: string; a: string; b: string }[],
) {
  const onA: boolean[] = [];
  const onB: boolean[] = [];
  const lost: string[] = [];
  for (const p of pairs) {
    const fa = mathOf(await glosser(p.a)).some((g) => g.family === p.family);
    const fb = mathOf(await glosser(p.b)).some((g) => g.family === p.family);
    onA.push(fa);
    onB.push(fb);
    if (fa && !fb) lost.push(p.id);
  }
  const firedA = onA.filter(Boolean).length;
  const kept = onA.filter((a, i) => a && onB[i]).length;
  return {
    pairs: pairs.length,
    fires_on_original: rateCi(onA),
    fires_on_paraphrase: rateCi(onB),
    kept_given_original: { value: share(kept, firedA), kept, of: firedA },
    keyword_matcher_fires_on_paraphrase: rateCi(pairs.map((p) => keywordFamilies(p.b).includes(p.family))),
    lost,
  };
}

/** Non-math texts (injected triggers, chat prompts, news): math glosses and figurative glosses, beside the keyword matcher. */
export async function negativesCheck(glosser: Glosser, texts: readonly string[], maxExamples = 10) {
  const math: boolean[] = [];
  const fig: boolean[] = [];
  const examples: string[] = [];
  for (const t of texts) {
    const g = await glosser(t);
    const m = mathOf(g).length > 0;
    math.push(m);
    fig.push(g.glosses.some((x) => !isMath(x)));
    if (m && examples.length < maxExamples) examples.push(g.rewritten.slice(0, 240));
  }
  return {
    texts: texts.length,
    math_glossed: rateCi(math),
    math_glossed_count: math.filter(Boolean).length,
    figurative_glossed_count: fig.filter(Boolean).length,
    keyword_matcher: rateCi(texts.map((t) => keywordFamilies(t).length > 0)),
    examples,
  };
}

const WORDCH = /[\p{L}\p{N}]/u;
const PARTICLES = new Set(['up', 'down', 'out', 'off', 'over', 'away', 'back', 'in', 'on']);

/** Why an insertion point is a bad place, or undefined where it is fine. */
export function badPlacement(text: string, at: number): string | undefined {
  const before = text[at - 1];
  const after = text[at];
  if (before === undefined || after === undefined) return undefined;
  if (WORDCH.test(before) && WORDCH.test(after)) return 'inside a word';
  if (/\d/.test(before) && /^[.,:/]\d/.test(text.slice(at, at + 2))) return 'inside a number or time';
  if (/[.,:/]/.test(before) && /\d/.test(text[at - 2] ?? '') && /\d/.test(after)) return 'inside a number or time';
  // "6 ⟦⟧:00 am", "$ ⟦⟧5": the gloss splits a number from its unit or sign.
  if (/\d/.test(before) && /^\s*(?:am|pm|a\.m\.|p\.m\.|%)\b/i.test(text.slice(at)))
    return 'inside a time or percentage';
  if (before === '$') return 'between a currency sign and its number';
  const next = /^\s+([A-Za-z]+)/.exec(text.slice(at))?.[1]?.toLowerCase();
  const prev = /([A-Za-z'\u2019]+)$/.exec(text.slice(0, at))?.[1]?.toLowerCase().replace('\u2019', "'");
  if (next && prev && PARTICLES.has(next) && /(?:ed|ot|ut|ew|ook)$/.test(prev)) return 'splitting a phrasal verb';
  // Inside a noun phrase: between a determiner or possessive and its noun ("in the ⟦⟧ crate", "Jamal's ⟦⟧ photograph").
  if (prev && next && (/^(?:the|a|an|his|her|their|its|my|our|your|this|that)$/.test(prev) || /'s$/.test(prev)))
    return 'inside a noun phrase';
  // "does ⟦⟧ each adult get", "than they ⟦⟧ had planned", "of ⟦⟧ the money", "plus ⟦⟧ a fee": the
  // gloss splits an auxiliary, a subject pronoun, a preposition or a conjunction from what follows.
  if (prev && next && CLAUSE_INSIDE.test(prev)) return 'inside a clause or phrase';
  // "does ⟦⟧ each adult get" (not "than she did ⟦⟧ on Monday")
  if (prev && next && AUXILIARY.test(prev) && SUBJECT_START.test(next)) return 'inside a clause or phrase';
  return undefined;
}

const CLAUSE_INSIDE = /^(?:i|you|he|she|we|they|of|to|for|with|from|than|by|at|and|or|but|plus|minus)$/;
const AUXILIARY = /^(?:do|does|did|is|are|was|were|has|have|had|will|would|can|could|should)$/;
const SUBJECT_START =
  /^(?:each|every|the|a|an|he|she|it|they|we|you|i|his|her|their|my|our|your|this|that|these|those)$/;

/** Placement of every gloss in a set of glossed texts, and the growth of the glossed ones. */
export function placementCheck(glossed: readonly Glossed[]) {
  const bad: string[] = [];
  let glosses = 0;
  const growth: number[] = [];
  const perPrompt: number[] = [];
  for (const g of glossed) {
    if (!g.glosses.length) continue;
    glosses += g.glosses.length;
    perPrompt.push(g.glosses.length);
    growth.push((g.rewritten.length - g.text.length) / g.text.length);
    for (const x of g.glosses) {
      const why = badPlacement(g.text, x.at);
      if (why) bad.push(`${why}: "${g.text.slice(Math.max(0, x.at - 30), x.at)}|${g.text.slice(x.at, x.at + 20)}"`);
    }
  }
  growth.sort((a, b) => a - b);
  const median = growth.length ? growth[Math.floor((growth.length - 1) / 2)] : NaN;
  return {
    glossed_texts: growth.length,
    glosses,
    bad_placements: bad.length,
    bad,
    median_growth: bootstrapCi(growth.length, (idx) => {
      const s = idx.map((i) => growth[i]).sort((a, b) => a - b);
      return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
    }),
    max_glosses_per_text: Math.max(0, ...perPrompt),
    median_check: median,
  };
}

/** GSM8K questions of one split: failure odds ratio, math gloss vs none (MH, length quartile x model), beside the keyword matcher and length-only AUC. */
export async function gsm8kCheck(glosser: Glosser, qs: readonly OutcomeQuestion[]) {
  const rows: StratifiedRow[] = [];
  const kwRows: StratifiedRow[] = [];
  const glossed: Glossed[] = [];
  const perFamily = new Map<string, StratifiedRow[]>();
  const famSets: Set<string>[] = [];
  for (const q of qs) {
    const g = await glosser(q.question);
    glossed.push(g);
    famSets.push(new Set(mathOf(g).map((x) => x.family)));
  }
  const families = [...new Set(famSets.flatMap((s) => [...s]))].sort();
  qs.forEach((q, i) => {
    const fired = famSets[i].size > 0;
    const kw = keywordFamilies(q.question).length > 0;
    for (const r of q.runs) {
      const base = { stratum: r.model, length: q.question.length, failed: !r.correct };
      rows.push({ ...base, exposed: fired });
      kwRows.push({ ...base, exposed: kw });
      for (const f of families) {
        const list = perFamily.get(f) ?? [];
        list.push({ ...base, exposed: famSets[i].has(f) });
        perFamily.set(f, list);
      }
    }
  });
  const r3 = (o: OddsRatio) => [o.or, o.lo, o.hi].map((x) => Math.round(x * 1000) / 1000);
  return {
    questions: qs.length,
    glossed: rateCi(famSets.map((s) => s.size > 0)),
    gloss_mh_or: r3(mhOddsRatio(quartileTables(rows))),
    keyword_matcher_mh_or: r3(mhOddsRatio(quartileTables(kwRows))),
    keyword_matcher_glossed: rateCi(qs.map((q) => keywordFamilies(q.question).length > 0)),
    length_only_auc: lengthAuc(rows),
    per_family: Object.fromEntries(
      families.map((f) => [
        f,
        {
          questions: famSets.filter((s) => s.has(f)).length,
          mh_or: r3(mhOddsRatio(quartileTables(perFamily.get(f)!))),
        },
      ]),
    ),
    placement: placementCheck(glossed),
    glossed_texts: glossed,
  };
}

/** One verb use of VUA or MOH-X as the check sends it: the text, the verb's span in it, the gold label, the verb. */
export interface VerbUse {
  text: string;
  span: [number, number];
  label: 0 | 1;
  verb: string;
}

/** Figurative glosses at verb uses: precision, recall, F1 (bootstrap CIs) beside the share, all-figurative F1 and per-verb majority. */
export async function figurativeCheck(
  glosser: Glosser,
  uses: readonly VerbUse[],
  /** The per-verb majority's training uses, or its predictions for `uses` (cross-validated). */
  majorityFrom: readonly { verb: string; label: 0 | 1 }[] | { pred: readonly boolean[] },
) {
  const pred: boolean[] = [];
  const badWords: string[] = [];
  let last: { text: string; g: Glossed } | undefined;
  for (const u of uses) {
    if (last?.text !== u.text) {
      last = { text: u.text, g: await glosser(u.text) };
      for (const x of last.g.glosses.filter((y) => !isMath(y))) {
        const w = u.text.slice(x.span.start, x.span.end).toLowerCase();
        if (!isContentVerbWord(u.text, x.span.start, x.span.end)) badWords.push(w);
      }
    }
    const [s, e] = u.span;
    pred.push(last.g.glosses.some((x) => !isMath(x) && x.span.start < e && x.span.end > s));
  }
  const gold = uses.map((u) => u.label);
  const f = binaryScores(pred, gold);
  const sub = (idx: readonly number[]) =>
    binaryScores(
      idx.map((i) => pred[i]),
      idx.map((i) => gold[i]),
    );
  const majority = binaryScores(
    'pred' in majorityFrom
      ? majorityFrom.pred
      : perVerbMajority(
          majorityFrom,
          uses.map((u) => ({ verb: u.verb })),
        ),
    gold,
  );
  const allFig = binaryScores(
    gold.map(() => true),
    gold,
  );
  return {
    verb_uses: uses.length,
    figurative_share: f.base,
    precision: bootstrapCi(uses.length, (idx) => sub(idx).precision),
    recall: bootstrapCi(uses.length, (idx) => sub(idx).recall),
    f1: bootstrapCi(uses.length, (idx) => sub(idx).f1),
    all_figurative_f1: allFig.f1,
    per_verb_majority: { precision: majority.precision, recall: majority.recall, f1: majority.f1 },
    meets_bar: f.precision >= f.base + 0.15 && f.recall >= 0.3,
    glosses_on_function_words_or_non_words: badWords.length,
    bad_words: [...new Set(badWords)].slice(0, 20),
  };
}

/** Interval-valued figure -> [value, lo, hi] rounded to 3 decimals (for JSON and cards). */
export function r3i(x: Interval): [number, number, number] {
  return [x.value, x.lo, x.hi].map((v) => Math.round(v * 1000) / 1000) as [number, number, number];
}
