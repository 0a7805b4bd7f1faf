// Probe rules (figurative verbs): a logistic classifier over the SAE latents at a word and
// at the few words after it (a verb's object decides whether "grasp" is literal), instead of one
// latent over a threshold, with an optional context gate per sentence. The trainer reads the same
// sentences, gate and pooled codes through these functions, so training and the edge compute one thing.
import { scoreGate } from './gate.ts';
import type { TextRange } from './boundaries.ts';
import { splitSentences, tagSentence, type TaggedWord, type WordTagger } from './pos.ts';
import type { Probe } from './schema.ts';

/** Token indices a probe pools for one word: the word's own tokens and those of the next `rightWords` words. */
export interface ProbeTokens {
  word: number[];
  right: number[];
}

/**
 * The tokens of `words[at]` and of the `rightWords` words after it (within `words`, one sentence). A token
 * belongs to a word when their UTF-16 ranges overlap; `usable` lists the text-bearing token indices.
 */
export function probeTokens(
  words: readonly TaggedWord[],
  at: number,
  rightWords: number,
  tokens: readonly TextRange[],
  usable: readonly number[],
): ProbeTokens {
  const w = words[at];
  const last = words[Math.min(words.length - 1, at + rightWords)];
  const word: number[] = [];
  const right: number[] = [];
  for (const t of usable) {
    const { start, end } = tokens[t];
    if (start < w.end && end > w.start) word.push(t);
    else if (at + 1 < words.length && start >= w.end && start < last.end) right.push(t);
  }
  return { word, right };
}

/** The usable tokens that overlap `span` (what a probe's context gate pools for a sentence). */
export function tokensIn(span: TextRange, tokens: readonly TextRange[], usable: readonly number[]): number[] {
  return usable.filter((t) => tokens[t].start < span.end && tokens[t].end > span.start);
}

/** Max over `toks` of column `col` of row-major activations [T, numFeatures]; 0 for no tokens (JumpReLU codes are >= 0). */
function maxOver(activations: Float32Array, numFeatures: number, toks: readonly number[], col: number): number {
  let m = 0;
  for (const t of toks) m = Math.max(m, activations[t * numFeatures + col]);
  return m;
}

/**
 * The probe's probability that the word is used as its rule says (figuratively):
 * sigmoid(bias + sum_i word[i] * max_word(latent_i) + right[i] * max_right(latent_i)).
 * Returns undefined when one of its latents has no column (a bundle missing a latent never fires it).
 */
export function scoreProbe(
  probe: Probe,
  activations: Float32Array,
  numFeatures: number,
  columns: ReadonlyMap<number, number>,
  at: ProbeTokens,
): number | undefined {
  let z = probe.bias;
  for (let i = 0; i < probe.features.length; i++) {
    const col = columns.get(probe.features[i]);
    if (col === undefined || col < 0 || col >= numFeatures) return undefined;
    if (probe.word[i]) z += probe.word[i] * maxOver(activations, numFeatures, at.word, col);
    if (probe.right[i]) z += probe.right[i] * maxOver(activations, numFeatures, at.right, col);
  }
  return 1 / (1 + Math.exp(-z));
}

/** One sentence as a probe sees it: its span, whether its context gate opened, and (when open) its tagged words. */
export interface ProbeSentence {
  span: TextRange;
  open: boolean;
  /** The context gate's score (absent without a gate). */
  gateScore?: number;
  /** Tagged words (offsets into the text); empty where the gate stayed closed: those sentences are never tagged. */
  words: TaggedWord[];
  /** The usable tokens inside the sentence (tokensIn): all a probe on its words reads. */
  tokens: number[];
}

/**
 * The text's sentences for a probe: each sentence's context gate (pooled over the tokens inside it) and,
 * only for sentences it opens on (all without a gate), the tagger's words. Tagging is the slow step, so
 * technical and math sentences, where the gate stays closed, cost no tagging.
 */
export function probeSentences(
  probe: Probe,
  text: string,
  tokens: readonly TextRange[],
  usable: readonly number[],
  activations: Float32Array,
  numFeatures: number,
  columns: ReadonlyMap<number, number>,
  tagger: WordTagger,
): ProbeSentence[] {
  return splitSentences(text).map((span) => {
    const inside = tokensIn(span, tokens, usable);
    if (!probe.context) return { span, open: true, words: tagSentence(tagger, text, span), tokens: inside };
    const g = scoreGate(probe.context, activations, numFeatures, inside, columns);
    const words = g.open ? tagSentence(tagger, text, span) : [];
    return { span, open: g.open, gateScore: g.score, words, tokens: inside };
  });
}
