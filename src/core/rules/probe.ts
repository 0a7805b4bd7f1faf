// Probe rules (issue 14, figurative verbs): a logistic classifier over the SAE latents at a word and
// at the few words after it (a verb's object decides whether "grasp" is literal), instead of one
// latent over a threshold. The trainer fits it on labelled verb uses (VUA) and reads the same
// pooled codes through probeTokens, so training and the edge compute exactly one thing.
import type { TaggedWord } from './pos.ts';
import type { Probe } from './schema.ts';

/** Token indices a probe pools for one word: the word's own tokens and those of the next `rightWords` words. */
export interface ProbeTokens {
  word: number[];
  right: number[];
}

/**
 * The tokens of `words[at]` and of the `rightWords` words after it. A token belongs to a word when their
 * UTF-16 ranges overlap; `usable` lists the text-bearing token indices (special tokens never count).
 */
export function probeTokens(
  words: readonly TaggedWord[],
  at: number,
  rightWords: number,
  tokens: readonly { start: number; end: number }[],
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

/**
 * The tokens inside sentence `sentence` of `words` (from its first word's start to its last word's end): what a
 * probe's context gate pools. Empty when no word is in that sentence.
 */
export function sentenceTokens(
  words: readonly TaggedWord[],
  sentence: number,
  tokens: readonly { start: number; end: number }[],
  usable: readonly number[],
): number[] {
  const ws = words.filter((w) => w.sentence === sentence);
  if (!ws.length) return [];
  const [start, end] = [ws[0].start, ws[ws.length - 1].end];
  return usable.filter((t) => tokens[t].start < end && tokens[t].end > start);
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
