// Fires rules on per-token feature activations: thresholds, spans merged and grown to whole words,
// per-rule limits, dedupe, ranking and the cap. Pure and deterministic; never throws on rules.
import {
  asksForQuantity,
  CONSTRUCTION_KINDS,
  findConstructions,
  inFirstPersonSentence,
  type Construction,
} from '../grammar/index.ts';
import { expandToWords, phraseEnd, type TextRange } from './boundaries.ts';
import { findMaterial, overlapsMaterial } from './material.ts';
import { openForConstructions, scoreGate, type GateResult } from './gate.ts';
import type { WordTagger } from './pos.ts';
import { probeSentences, probeTokens, scoreProbe } from './probe.ts';
import { renderGloss } from './render.ts';
import type { Gate, Rule } from './schema.ts';

/** Where one detector token lies in the prompt text (the tokenizer's offsets, UTF-16, end exclusive). */
export type TokenOffset = TextRange;

/** A stretch of the prompt: UTF-16 offsets `[start, end)` and the text they cover. */
export interface Span extends TextRange {
  text: string;
}

/** One rule that fires on one span and is inserted: where, how strongly (activation units of its latent), and why. */
export interface FiredRule {
  ruleId: string;
  feature: number;
  column: number;
  scope: Rule['scope'];
  /** Where the gloss goes: a prompt-scope rule always goes to the note block. */
  placement: Rule['placement'];
  priority: number;
  /**
   * The words that fired (for a prompt-scope rule: the strongest firing run, for explanations);
   * for an `after-phrase` rule, those words and the rest of their phrase (the gloss goes after it).
   */
  span: Span;
  peak: number;
  threshold: number;
  /** peak / threshold: how far past its threshold the rule fired. */
  ratio: number;
  /** Indices into the token list of the tokens at or above threshold in this span. */
  tokens: number[];
  /**
   * A construction rule's gloss, written by the grammar from the parsed phrase (used instead of the
   * rule's template); its span runs from the phrase's start to the grammar's `insertAt`.
   */
  gloss?: string;
  /** A construction rule's parse: the construction kind, and whether the phrase is ambiguous in English. */
  construction?: { kind: string; ambiguous?: boolean };
}

/** Why a rule did not insert a gloss on a text; reported in explanations so no rule is dropped silently. */
export type SkipReason =
  | 'feature-not-in-bundle'
  | 'column-out-of-range'
  | 'span-too-short'
  | 'max-per-prompt'
  | 'duplicate'
  | 'cap'
  | 'gate-closed'
  | 'cue-missing'
  | 'untagged'
  | 'construction-unknown'
  | 'material'
  | 'family-off'
  | 'budget'
  | 'no-quantity-asked';

/** A rule (or one occurrence of it) that matchRules did not insert, with the reason and, where known, the span. */
export interface SkippedRule {
  ruleId: string;
  reason: SkipReason;
  span?: Span;
}

/** Limits on what matchRules inserts into one text. */
export interface MatchOptions {
  /** Most glosses inserted into one text (default 2). */
  maxGlosses?: number;
  /**
   * The misreading families to gloss. Absent: every rule that is not `off`. Present: exactly the
   * rules of these families (off or not), and rules without a family unless they are `off`.
   */
  families?: readonly string[];
  /** Spans shorter than this (after word expansion) are dropped (default 1). */
  minSpanChars?: number;
  /**
   * Added-text budget: a family rule's gloss beyond the first is inserted only while the family
   * glosses' added text (markers included) stays within this fraction of the text's length
   * (default 1/3; Infinity: no budget).
   * The first, riskiest gloss always goes in, as in the protocol's measurement (grammar-glosser.ts).
   */
  maxAddedFraction?: number;
}

/** Everything matchRules needs for one text: tokens with offsets, the detector's feature activations, the rules. */
export interface MatchInput {
  text: string;
  tokens: readonly TokenOffset[];
  /** Row-major [T, F], T = tokens.length. */
  activations: Float32Array;
  numFeatures: number;
  /** Feature id -> column in the activations. */
  featureColumns: ReadonlyMap<number, number>;
  rules: readonly Rule[];
  /** The bundle's task gate (rules.json `gate`), if any. */
  gate?: Gate;
  /** Tags a sentence's words (pos.ts loadWordTagger), needed by probe rules; without it those rules skip. */
  tagger?: WordTagger;
  options?: MatchOptions;
}

/** matchRules' answer: the glosses to insert (ranked, at most `maxGlosses`) and every rule skipped, with why. */
export interface MatchResult {
  fired: FiredRule[];
  skipped: SkippedRule[];
  /** The task gate's verdict on this text, when the bundle has a gate. */
  gate?: GateResult;
}

/** Most glosses inserted into one text when MatchOptions.maxGlosses is not given. */
export const DEFAULT_MAX_GLOSSES = 2;

/** Added text may be at most this fraction of a text's length (beyond its first gloss) when MatchOptions.maxAddedFraction is not given. */
export const DEFAULT_MAX_ADDED_FRACTION = 1 / 3;

/** Characters an inline marker adds around its gloss: ` ⟦gloss: ` and `⟧` (rewrite/markers.ts inlineMarker; a test holds them equal). */
export const INLINE_MARKER_CHARS = 10;

/** Tokens that carry no text (special tokens: empty width or outside the text) never fire. */
function usableTokens(text: string, tokens: readonly TokenOffset[]): number[] {
  const out: number[] = [];
  tokens.forEach((t, i) => {
    if (Number.isInteger(t.start) && Number.isInteger(t.end) && t.start >= 0 && t.end > t.start && t.end <= text.length)
      out.push(i);
  });
  return out;
}

interface Run extends TextRange {
  peak: number;
  tokens: number[];
}

/**
 * Consecutive firing tokens form runs; each run grows to whole words; runs that then overlap (two
 * firing pieces of one word) merge. Tokens may repeat offsets (byte-level pieces of one character).
 */
function spansFor(input: MatchInput, usable: number[], column: number, threshold: number): Run[] {
  const { text, tokens, activations, numFeatures } = input;
  const runs: Run[] = [];
  let cur: Run | null = null;
  for (const t of usable) {
    const a = activations[t * numFeatures + column];
    if (a >= threshold) {
      const tok = tokens[t];
      if (cur) {
        cur.start = Math.min(cur.start, tok.start);
        cur.end = Math.max(cur.end, tok.end);
        cur.peak = Math.max(cur.peak, a);
        cur.tokens.push(t);
      } else cur = { start: tok.start, end: tok.end, peak: a, tokens: [t] };
    } else if (cur) {
      runs.push(cur);
      cur = null;
    }
  }
  if (cur) runs.push(cur);

  // Tokens normally come in text order; sort anyway so merging below sees runs left to right.
  runs.sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Run[] = [];
  for (const r of runs) {
    const last = merged[merged.length - 1];
    if (last && r.start < last.end) {
      // Inside the previous span (another piece of the same word): merge, growing only past its
      // end, so each character is walked about once however many runs fall in one long word.
      if (r.end > last.end) last.end = expandToWords(text, last.end, r.end, last.end)?.end ?? last.end;
      last.peak = Math.max(last.peak, r.peak);
      for (const t of r.tokens) last.tokens.push(t); // no spread: runs can exceed the argument limit
      continue;
    }
    const w = expandToWords(text, r.start, r.end, last ? last.end : 0);
    if (w) merged.push({ ...r, start: w.start, end: w.end });
  }
  for (const m of merged) m.tokens.sort((x, y) => x - y);
  return merged;
}

/** How far before a firing span (UTF-16 units) a cue match may begin. */
export const CUE_LOOKBEHIND = 128;

/**
 * The extent of all matches of `cue` that overlap [start, end) (UTF-16 offsets), or undefined when
 * none does: a cue may begin before the firing words ("three times fewer" when the latent fires on
 * "times") but must touch them; several touching matches ("ratio", "2:3") are quoted together.
 */
export function cueOverlap(cue: RegExp, text: string, start: number, end: number): TextRange | undefined {
  // A cue is a short phrase: start looking a little before the span, so long prompts stay linear.
  cue.lastIndex = Math.max(0, start - CUE_LOOKBEHIND);
  let out: TextRange | undefined;
  for (let m = cue.exec(text); m && m.index < end; m = cue.exec(text)) {
    const e = m.index + m[0].length;
    if (m[0].length === 0)
      cue.lastIndex++; // an empty match would loop forever
    else if (e > start) out = out ? { start: out.start, end: e } : { start: m.index, end: e };
  }
  return out;
}

/** One firing of `rule` on `span`: `peak` in the rule's threshold units (activation, or a probe's probability). */
function firing(
  rule: Rule,
  column: number,
  placement: Rule['placement'],
  span: Span,
  peak: number,
  tokens: number[],
): FiredRule {
  return {
    ruleId: rule.id,
    feature: rule.feature,
    column,
    scope: rule.scope,
    placement,
    priority: rule.priority,
    span,
    peak,
    threshold: rule.threshold,
    ratio: peak / rule.threshold,
    tokens,
  };
}

/** A latent rule's firings: runs of tokens at or above its threshold, grown to words (and phrase), meeting its cue. */
function latentFirings(
  input: MatchInput,
  usable: number[],
  rule: Rule,
  column: number,
  placement: Rule['placement'],
  minSpanChars: number,
  skipped: SkippedRule[],
): FiredRule[] {
  const { text } = input;
  const fired: FiredRule[] = [];
  const cue = rule.cue === undefined ? undefined : new RegExp(rule.cue, 'giu');
  for (const run of spansFor(input, usable, column, rule.threshold)) {
    if (run.end - run.start < minSpanChars) {
      const span = { start: run.start, end: run.end, text: text.slice(run.start, run.end) };
      skipped.push({ ruleId: rule.id, reason: 'span-too-short', span });
      continue;
    }
    let start = run.start;
    let wordsEnd = run.end;
    if (cue) {
      const m = cueOverlap(cue, text, run.start, placement === 'after-phrase' ? phraseEnd(text, run.end) : run.end);
      if (!m) {
        const end = placement === 'after-phrase' ? phraseEnd(text, run.end) : run.end;
        skipped.push({ ruleId: rule.id, reason: 'cue-missing', span: { start, end, text: text.slice(start, end) } });
        continue;
      }
      // The gloss quotes the cue's words too ("three times as many toys", not "as many toys").
      const w = expandToWords(text, Math.min(start, m.start), Math.max(wordsEnd, m.end), 0);
      if (w) [start, wordsEnd] = [w.start, w.end];
    }
    const end = placement === 'after-phrase' ? phraseEnd(text, wordsEnd) : wordsEnd;
    fired.push(firing(rule, column, placement, { start, end, text: text.slice(start, end) }, run.peak, run.tokens));
  }
  return fired;
}

/**
 * A probe rule's firings: each tagged main verb, in a sentence its context gate opens on, whose probe
 * probability is at or above the rule's threshold. Closed sentences are reported (`gate-closed`).
 */
function probeFirings(
  input: MatchInput,
  usable: number[],
  rule: Rule,
  column: number,
  placement: Rule['placement'],
  skipped: SkippedRule[],
): FiredRule[] {
  const probe = rule.probe!;
  const { text, tokens, activations, numFeatures, featureColumns } = input;
  const fired: FiredRule[] = [];
  if ([...probe.features, ...(probe.context?.features ?? [])].some((f) => !featureColumns.has(f))) {
    skipped.push({ ruleId: rule.id, reason: 'feature-not-in-bundle' });
    return fired;
  }
  const sentences = probeSentences(
    probe,
    text,
    tokens,
    usable,
    activations,
    numFeatures,
    featureColumns,
    input.tagger!,
  );
  for (const { span, open, words, tokens: inside } of sentences) {
    if (!open) {
      skipped.push({
        ruleId: rule.id,
        reason: 'gate-closed',
        span: { ...span, text: text.slice(span.start, span.end) },
      });
      continue;
    }
    words.forEach((w, at) => {
      if (!w.verb) return;
      // Only the sentence's own tokens: a verb and its next words lie inside it.
      const toks = probeTokens(words, at, probe.rightWords, tokens, inside);
      if (!toks.word.length) return; // past the detector's window: no activations for it
      const p = scoreProbe(probe, activations, numFeatures, featureColumns, toks);
      if (p === undefined || p < rule.threshold) return;
      fired.push(
        firing(rule, column, placement, { start: w.start, end: w.end, text: text.slice(w.start, w.end) }, p, toks.word),
      );
    });
  }
  return fired;
}

/**
 * A construction rule's firings: the phrases the grammar parses in `text` of the rule's family (or
 * of its kinds), each with the grammar's gloss, its span ending at the grammar's `insertAt`. Its
 * strength is the task gate's score over the threshold it passed (the caller fires it only then).
 */
function constructionFirings(
  input: MatchInput,
  usable: number[],
  rule: Rule,
  column: number,
  gate: GateResult,
  found: () => Construction[],
): FiredRule[] {
  const { text, tokens } = input;
  const want = rule.construction!;
  const fits = (c: Construction) => (typeof want === 'string' ? c.family === want : want.includes(c.kind));
  // The threshold the gate passed: its own, or the lower one for a prompt that asks for a quantity.
  const threshold = gate.open ? input.gate!.threshold : (input.gate!.askedThreshold ?? input.gate!.threshold);
  return found()
    .filter(fits)
    .map((c) => {
      const span = { start: c.span.start, end: c.insertAt, text: text.slice(c.span.start, c.insertAt) };
      const inside = usable.filter((t) => tokens[t].start < c.span.end && tokens[t].end > c.span.start);
      const f = firing(rule, column, 'after-phrase', span, gate.score, inside);
      f.threshold = threshold;
      f.ratio = threshold > 0 ? gate.score / threshold : gate.score;
      f.gloss = c.gloss;
      f.construction = c.ambiguous ? { kind: c.kind, ambiguous: true } : { kind: c.kind };
      return f;
    });
}

/** Ranking: priority, then strength past threshold, then position, then id (total order). */
function compareFired(a: FiredRule, b: FiredRule): number {
  return (
    b.priority - a.priority ||
    b.ratio - a.ratio ||
    a.span.start - b.span.start ||
    a.span.end - b.span.end ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}

/**
 * Fires `rules` on one text. A rule fires on each run of usable tokens whose activation in its latent's column is
 * >= threshold; runs grow to whole words (and, for `after-phrase`, to the end of the phrase) and must meet the
 * rule's `cue` if it has one. Rules of families the task gate governs are skipped while the gate is closed.
 * Then per-rule `maxPerPrompt`, dedupe (same rendered gloss at one place, or same family+gloss anywhere) and the
 * `maxGlosses` cap apply, in ranking order: priority, peak/threshold, position, id; a gloss beyond the first goes in
 * only within the added-text budget (`maxAddedFraction` of the text, 'budget' when skipped). Pure and deterministic.
 * @throws RangeError when `activations.length !== tokens.length * numFeatures` (tokenizer and detector disagree).
 */
export function matchRules(input: MatchInput): MatchResult {
  const { text, tokens, activations, numFeatures, featureColumns } = input;
  if (!Number.isInteger(numFeatures) || numFeatures < 0 || activations.length !== tokens.length * numFeatures) {
    // A shape mismatch means tokenizer and detector disagree: a bug upstream, not a rule problem.
    throw new RangeError(
      `activations has ${activations.length} values, expected ${tokens.length} tokens x ${numFeatures} features`,
    );
  }
  const usable = usableTokens(text, tokens);
  const skipped: SkippedRule[] = [];
  const gate = input.gate ? scoreGate(input.gate, activations, numFeatures, usable, featureColumns) : undefined;
  const candidates = ruleCandidates(input, usable, gate, skipped);
  dropMaterial(text, candidates, skipped);
  const fired = selectGlosses(input, candidates, skipped);
  return gate ? { fired, skipped, gate } : { fired, skipped };
}

/** A firing that may become a gloss; perSpan: a probe rule's gloss names one word, so each word is its own meaning. */
interface Candidate {
  f: FiredRule;
  gloss: string;
  family?: string;
  perSpan: boolean;
}

/** Why `rule` cannot fire on this text before anything is matched (family off, gate closed), or undefined. */
function heldBack(
  input: MatchInput,
  rule: Rule,
  gate: GateResult | undefined,
  asked: () => boolean,
): SkipReason | undefined {
  const wanted = input.options?.families;
  if (wanted && rule.family ? !wanted.includes(rule.family) : rule.off) return 'family-off';
  if (
    rule.construction === undefined &&
    rule.family &&
    gate &&
    !gate.open &&
    input.gate!.families.includes(rule.family)
  )
    return 'gate-closed';
  // Precision first: a construction rule needs a task gate that governs its family and is open.
  if (rule.construction !== undefined) {
    if (!gate || !rule.family || !input.gate!.families.includes(rule.family)) return 'gate-closed';
    // A short word problem scores low on the mean-pooled gate; where the prompt asks for a quantity
    // the gate may open at its lower `askedThreshold`.
    if (!openForConstructions(input.gate!, gate, asked)) return 'gate-closed';
    // A prompt that asks for no quantity ("… 500 requests per second. How do I scale it?") is no word
    // problem, whatever the gate says: a math gloss there is noise (src/core/grammar/asks.ts).
    if (!asked()) return 'no-quantity-asked';
    const want = rule.construction;
    if (typeof want !== 'string' && want.some((k) => CONSTRUCTION_KINDS.get(k) !== rule.family))
      return 'construction-unknown';
  }
  return undefined;
}

/** Step 1: every rule's firings on the text (construction, probe or latent), each rule within its maxPerPrompt. */
function ruleCandidates(
  input: MatchInput,
  usable: number[],
  gate: GateResult | undefined,
  skipped: SkippedRule[],
): Candidate[] {
  const { text, numFeatures, featureColumns } = input;
  const minSpanChars = input.options?.minSpanChars ?? 1;
  const candidates: Candidate[] = [];
  // The grammar runs once per text, and only if a construction rule gets that far.
  let constructions: Construction[] | undefined;
  // A phrase in a first-person sentence is the writer's own context ("My plan is $60 a month."), not a
  // word problem's statement: no construction gloss there (src/core/grammar/asks.ts).
  const found = () =>
    (constructions ??= findConstructions(text).filter((c) => !inFirstPersonSentence(text, c.span.start, c.span.end)));
  let asksQuantity: boolean | undefined;
  const asked = () => (asksQuantity ??= asksForQuantity(text));
  for (const rule of input.rules) {
    const why = heldBack(input, rule, gate, asked);
    if (why) {
      skipped.push({ ruleId: rule.id, reason: why });
      continue;
    }
    if (rule.construction !== undefined) {
      const fired = constructionFirings(input, usable, rule, featureColumns.get(rule.feature) ?? -1, gate!, found);
      for (const f of fired) candidates.push({ f, gloss: f.gloss!, family: rule.family, perSpan: false });
      continue;
    }
    const column = featureColumns.get(rule.feature);
    if (column === undefined) {
      skipped.push({ ruleId: rule.id, reason: 'feature-not-in-bundle' });
      continue;
    }
    if (!Number.isInteger(column) || column < 0 || column >= numFeatures) {
      skipped.push({ ruleId: rule.id, reason: 'column-out-of-range' });
      continue;
    }
    const placement = rule.scope === 'prompt' ? 'note' : rule.placement;
    if (rule.probe && !input.tagger) {
      skipped.push({ ruleId: rule.id, reason: 'untagged' });
      continue;
    }
    let fired = rule.probe
      ? probeFirings(input, usable, rule, column, placement, skipped)
      : latentFirings(input, usable, rule, column, placement, minSpanChars, skipped);
    const limit = rule.maxPerPrompt ?? (rule.scope === 'prompt' ? 1 : Infinity);
    if (fired.length > limit) {
      // Keep the strongest occurrences of this rule; the rest are reported, not silently lost.
      fired = [...fired].sort(compareFired);
      for (const f of fired.slice(limit)) skipped.push({ ruleId: rule.id, reason: 'max-per-prompt', span: f.span });
      fired = fired.slice(0, limit);
    }
    for (const f of fired) candidates.push({ f, gloss: rule.gloss, family: rule.family, perSpan: !!rule.probe });
  }
  return candidates;
}

/** Step 2: never inside material the user hands over (text to proofread, translate or judge; code; quotes). */
function dropMaterial(text: string, candidates: Candidate[], skipped: SkippedRule[]): void {
  const material = findMaterial(text);
  if (!material.length) return;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const { f } = candidates[i];
    if (overlapsMaterial(material, f.span.start, f.span.end)) {
      skipped.push({ ruleId: f.ruleId, reason: 'material', span: f.span });
      candidates.splice(i, 1);
    }
  }
}

/** Step 3: in ranking order, dedupe (one gloss per place and per meaning), then the cap and the added-text budget. */
function selectGlosses(input: MatchInput, candidates: Candidate[], skipped: SkippedRule[]): FiredRule[] {
  const cap = input.options?.maxGlosses;
  const maxGlosses = cap === undefined || Number.isNaN(cap) ? DEFAULT_MAX_GLOSSES : Math.max(0, cap);
  const budget = input.text.length * (input.options?.maxAddedFraction ?? DEFAULT_MAX_ADDED_FRACTION);
  let added = 0;
  candidates.sort((a, b) => compareFired(a.f, b.f));
  const out: FiredRule[] = [];
  // Glosses already taken, by place ('note' or the span end), rendered only where places collide.
  const taken = new Map<string, Set<string>>();
  // Family rules: one gloss per meaning per prompt (family and gloss template), wherever it fired:
  // the strongest phrase of a family gets it.
  const meanings = new Set<string>();
  for (const { f, gloss, family, perSpan } of candidates) {
    // Two rules that would insert the same words at the same place say it once.
    const where = f.placement === 'note' ? 'note' : String(f.span.end);
    const here = taken.get(where);
    const rendered = here || family ? renderGloss(gloss, f.span.text) : '';
    const meaning = family ? `${family}\u0000${perSpan ? rendered : gloss}` : '';
    if (here?.has(rendered) || (family && meanings.has(meaning))) {
      skipped.push({ ruleId: f.ruleId, reason: 'duplicate', span: f.span });
      continue;
    }
    if (out.length >= maxGlosses) {
      skipped.push({ ruleId: f.ruleId, reason: 'cap', span: f.span });
      continue;
    }
    const cost = renderGloss(gloss, f.span.text).length + INLINE_MARKER_CHARS;
    // Only family rules (what the bundles' trainer writes) spend the budget; hand-written rules without one keep the cap alone.
    if (family && out.length && added + cost > budget) {
      skipped.push({ ruleId: f.ruleId, reason: 'budget', span: f.span });
      continue;
    }
    if (family) added += cost;
    out.push(f);
    if (family) meanings.add(meaning);
    if (here) here.add(rendered);
    else taken.set(where, new Set([renderGloss(gloss, f.span.text)]));
  }
  return out;
}
