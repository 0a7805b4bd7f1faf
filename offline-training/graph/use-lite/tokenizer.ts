// tokenizer.json (Hugging Face format, for @huggingface/tokenizers) reproducing the tokenizer of
// `@energetic-ai/embeddings` (a port of tfjs-models' universal-sentence-encoder tokenizer) over the
// vocab.json that ships with the model.
//
// What the package does (dist/index.js, `Tokenizer.encode`):
//   1. NFKC, then every U+0020 becomes "▁" and one "▁" is prepended (nothing for an empty string).
//      No lowercasing, no whitespace collapsing: tabs and newlines stay and become unknowns.
//   2. Viterbi over code points with the pieces of vocab.json from id 6 on (ids 0..5 are reserved
//      and never produced except 0, the unknown), maximizing the sum of piece scores. A position
//      where no piece starts becomes the unknown (id 0) with score 0; consecutive unknowns merge.
//   3. No BOS/EOS. The ids go to the graph as they are (no offset).
//
// The same as a Unigram model: normalizer NFKC + Replace(" ", "▁") + Prepend("▁"), Unigram with
// the vocabulary's scores and unk_id 0 (HF fuses consecutive unknowns too). The quirks handled:
//   - Some scores in vocab.json are null (":", "▁:", "://", "▁:)", "▁:(", "):", "▁:-)"); in the
//     package `null + x` is x, so they count as 0 (":30" has 30 and ":00" 0, also kept as they are).
//   - The package treats a best score of exactly 0 as "unset" and overwrites it with any later
//     candidate. Scores are negative except those above, so this only happens at the very start of
//     a text that begins with ":" (the "▁:" family, score 0): the package then never takes a piece
//     spanning the leading "▁". A Split pre-tokenizer isolating a leading "▁" before ":" does that.
//   - The reserved entries 1..5 ("<s>", "</s>", "extra_token_id_N") are not in the package's trie,
//     so text "<s>" is "<", "s", ">". HF's Unigram trie holds every vocab entry, so these get
//     names that normalized text can never contain (a U+0020 space; the normalizer replaced all).
//   - The duplicated piece "”5" (ids 230, 238, 4464): both the package's trie and HF's token map
//     keep the last one, 4464, with its score.
//   - Ties, the one difference left: on an exact floating-point tie between two segmentations the
//     package keeps the candidate it sees last (>=), HF's Unigram (like SentencePiece) the first (>).
//     Such ties are orderings of pieces of one repeated character: "worth $30000" is ▁$3|000|0 in
//     the package and ▁$3|0|000 here (whether two orders tie exactly depends on the rounding of the
//     running sums). No Unigram scores can change that (both orders have the same multiset of
//     scores). 4 of the 7,473 GSM8K training questions differ this way, none otherwise.

/** A SentencePiece vocabulary entry: the piece and its log-probability score (null for reserved ids). */
export type VocabEntry = [string, number | null];

/** Ids 0..5 of USE-lite's vocabulary are reserved (unk, padding, control). */
export const RESERVED_COUNT = 6;
/** The unknown-piece id. */
export const UNK_ID = 0;
const SEP = '\u2581';

/** A USE-lite vocabulary that cannot be turned into a tokenizer. */
export class UseTokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UseTokenizerError';
  }
}

/**
 * Checks USE-lite's vocab.json: an array of [piece, score] pairs, reserved ids first. Throws UseTokenizerError
 * for anything else.
 */
export function parseVocab(json: unknown, what = 'vocab.json'): VocabEntry[] {
  if (!Array.isArray(json)) throw new UseTokenizerError(`${what}: expected an array of [piece, score] pairs`);
  if (json.length <= RESERVED_COUNT) throw new UseTokenizerError(`${what}: only ${json.length} entries`);
  return json.map((e, i) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !(e[1] === null || typeof e[1] === 'number')) {
      throw new UseTokenizerError(
        `${what}: entry ${i} is not a [string, number|null] pair: ${JSON.stringify(e)?.slice(0, 80)}`,
      );
    }
    return [e[0], e[1]] as VocabEntry;
  });
}

/**
 * A Hugging Face tokenizer.json (Unigram model, Metaspace pre-tokenizer) equivalent to USE-lite's SentencePiece
 * tokenizer for the given vocabulary.
 */
export function useLiteTokenizerJson(vocab: VocabEntry[]): Record<string, unknown> {
  const pieces: [string, number][] = vocab.map(([piece, score], i) => {
    if (i === UNK_ID) return [piece, 0];
    // Unreachable names for the reserved ids: normalized text holds no U+0020.
    if (i < RESERVED_COUNT) return [`${piece} (reserved)`, 0];
    return [piece, score ?? 0];
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKC' },
        { type: 'Replace', pattern: { String: ' ' }, content: SEP },
        { type: 'Prepend', prepend: SEP },
      ],
    },
    pre_tokenizer: { type: 'Split', pattern: { Regex: `^${SEP}(?=:)` }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: SEP, prepend_scheme: 'always', split: false },
    model: { type: 'Unigram', unk_id: UNK_ID, vocab: pieces, byte_fallback: false },
  };
}
