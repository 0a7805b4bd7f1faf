// Hugging Face tokenizer.json from GGUF tokenizer metadata, loadable by @huggingface/tokenizers.
//
// tokenizer.ggml.model = "llama": SentencePiece BPE (llama.cpp's SPM tokenizer). GGUF keeps pieces
// and scores, not merges; llama.cpp merges the adjacent pair whose merged piece has the highest
// score. A BPE model whose merge ranks follow the merged piece's score does the same (this is how
// transformers' LlamaConverter derives merges from a SentencePiece model), with `▁` for spaces, a
// prefix space, byte fallback to <0xXX> pieces and BOS added by the post-processor.
//
// tokenizer.ggml.model = "gpt2": byte-level BPE with the merges GGUF stores (SmolLM2, Qwen2.5,
// Llama 3), pre-split with the regex that llama.cpp picks by tokenizer.ggml.pre.
import { GgufError, type GgufFile, type GgufValue } from './gguf.ts';

/** llama.cpp token types (tokenizer.ggml.token_type). */
export const TokenType = {
  UNDEFINED: 0,
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/** A tokenizer.json and tokenizer_config.json built from GGUF metadata, with BOS/EOS ids and whether BOS is added. */
export interface GgufTokenizer {
  /** tokenizer.json contents. */
  tokenizerJson: Record<string, unknown>;
  /** tokenizer_config.json contents to pass as the Tokenizer's second argument. */
  tokenizerConfig: Record<string, unknown>;
  bosId?: number;
  eosId?: number;
  addBos: boolean;
}

type Meta = Record<string, GgufValue>;

function arr(meta: Meta, key: string, what: string): GgufValue[] {
  const v = meta[key];
  if (!Array.isArray(v)) throw new GgufError(`${what}: metadata ${key} is missing or not an array`);
  return v;
}

function optNum(meta: Meta, key: string): number | undefined {
  const v = meta[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

function optBool(meta: Meta, key: string): boolean | undefined {
  const v = meta[key];
  return typeof v === 'boolean' ? v : undefined;
}

/** Pre-tokenizer regexes llama.cpp uses for byte-level BPE vocabularies, by tokenizer.ggml.pre. */
const GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const LLAMA3_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function byteLevelPreTokenizer(pre: string): Record<string, unknown> {
  const split = (regex: string) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
  switch (pre) {
    case 'llama3':
    case 'llama-v3':
    case 'llama-bpe':
    case 'smaug-bpe':
    case 'falcon3':
      return { type: 'Sequence', pretokenizers: [split(LLAMA3_REGEX), byteLevel] };
    case 'qwen2':
    case 'deepseek-r1-qwen':
      return { type: 'Sequence', pretokenizers: [split(QWEN2_REGEX), byteLevel] };
    case 'smollm':
    case 'starcoder':
    case 'refact':
    case 'command-r':
      // Digits one at a time, then GPT-2's regex.
      return { type: 'Sequence', pretokenizers: [split('\\p{N}'), split(GPT2_REGEX), byteLevel] };
    case 'default':
    case 'gpt-2':
    case 'gpt2':
    case '':
      return { type: 'Sequence', pretokenizers: [split(GPT2_REGEX), byteLevel] };
    default:
      throw new GgufError(
        `unsupported tokenizer.ggml.pre "${pre}" for a gpt2 (byte-level BPE) vocabulary; supported: llama-bpe, qwen2, smollm, starcoder, gpt-2, default`,
      );
  }
}

function templateProcessor(
  bos: string | undefined,
  bosId: number | undefined,
  eos: string | undefined,
  eosId: number | undefined,
  addBos: boolean,
  addEos: boolean,
) {
  const single: unknown[] = [];
  const pair: unknown[] = [];
  const special: Record<string, unknown> = {};
  if (addBos && bos !== undefined && bosId !== undefined) {
    single.push({ SpecialToken: { id: bos, type_id: 0 } });
    pair.push({ SpecialToken: { id: bos, type_id: 0 } });
    special[bos] = { id: bos, ids: [bosId], tokens: [bos] };
  }
  single.push({ Sequence: { id: 'A', type_id: 0 } });
  pair.push({ Sequence: { id: 'A', type_id: 0 } });
  if (addEos && eos !== undefined && eosId !== undefined) {
    single.push({ SpecialToken: { id: eos, type_id: 0 } });
    pair.push({ SpecialToken: { id: eos, type_id: 0 } });
    special[eos] = { id: eos, ids: [eosId], tokens: [eos] };
  }
  if (addBos && bos !== undefined && bosId !== undefined) pair.push({ SpecialToken: { id: bos, type_id: 1 } });
  pair.push({ Sequence: { id: 'B', type_id: 1 } });
  if (addEos && eos !== undefined && eosId !== undefined) pair.push({ SpecialToken: { id: eos, type_id: 1 } });
  return { type: 'TemplateProcessing', single, pair, special_tokens: special };
}

/**
 * Merges for a SentencePiece BPE vocabulary from piece scores: every split of a normal piece into
 * two pieces of the vocabulary, ranked by the merged piece's score (highest first), ties by the
 * ids of the merged piece and then of its parts (transformers' SentencePieceExtractor order).
 */
export function spmMerges(tokens: string[], scores: number[], types: number[]): [string, string][] {
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (!ids.has(t)) ids.set(t, i);
  });
  const found: { l: string; r: string; score: number; id: number; lid: number; rid: number }[] = [];
  for (let id = 0; id < tokens.length; id++) {
    if (types[id] !== TokenType.NORMAL && types[id] !== TokenType.UNDEFINED) continue;
    const piece = tokens[id];
    const chars = Array.from(piece);
    if (chars.length < 2) continue;
    let prefix = '';
    for (let k = 1; k < chars.length; k++) {
      prefix += chars[k - 1];
      const rest = piece.slice(prefix.length);
      const lid = ids.get(prefix);
      const rid = ids.get(rest);
      if (lid !== undefined && rid !== undefined)
        found.push({ l: prefix, r: rest, score: scores[id] ?? 0, id, lid, rid });
    }
  }
  found.sort((a, b) => b.score - a.score || a.id - b.id || a.lid - b.lid || a.rid - b.rid);
  return found.map((m) => [m.l, m.r]);
}

/**
 * A Hugging Face tokenizer.json equivalent to the GGUF's own tokenizer (`tokenizer.ggml.*` metadata:
 * SentencePiece `llama` or byte-level BPE `gpt2`; GGUF spec, ggml docs/gguf.md). Throws GgufError when the
 * metadata has no or an unsupported tokenizer.
 */
export function tokenizerFromGguf(gguf: GgufFile | { metadata: Meta; what?: string }): GgufTokenizer {
  const meta = gguf.metadata;
  const what = ('what' in gguf && gguf.what) || 'GGUF';
  const model = meta['tokenizer.ggml.model'];
  if (typeof model !== 'string')
    throw new GgufError(`${what}: no tokenizer.ggml.model in the metadata (no tokenizer in this GGUF)`);
  const vocab = readGgufVocab(meta, what);
  if (model === 'llama' || model === 'spm') return spmTokenizer(vocab);
  if (model === 'gpt2') return byteLevelBpeTokenizer(vocab);
  throw new GgufError(`${what}: unsupported tokenizer.ggml.model "${model}" (supported: llama, gpt2)`);
}

/** What both tokenizer models read from the GGUF: tokens, their types, special ids and the added tokens. */
interface GgufVocab {
  meta: Meta;
  what: string;
  tokens: string[];
  types: number[];
  /** BOS/EOS/UNK ids, undefined when absent or out of range. */
  bosId: number | undefined;
  eosId: number | undefined;
  unkId: number | undefined;
  bos: string | undefined;
  eos: string | undefined;
  added: Record<string, unknown>[];
}

/** Reads the model-independent part of the tokenizer metadata, so each model's builder starts from checked tokens. */
function readGgufVocab(meta: Meta, what: string): GgufVocab {
  const tokens = arr(meta, 'tokenizer.ggml.tokens', what).map(String);
  const n = tokens.length;
  const typesRaw = meta['tokenizer.ggml.token_type'];
  const types = Array.isArray(typesRaw) ? typesRaw.map(Number) : new Array<number>(n).fill(TokenType.NORMAL);
  if (types.length !== n) throw new GgufError(`${what}: ${types.length} token types for ${n} tokens`);
  const valid = (id: number | undefined) => (id !== undefined && id >= 0 && id < n ? id : undefined);
  const bosId = valid(optNum(meta, 'tokenizer.ggml.bos_token_id'));
  const eosId = valid(optNum(meta, 'tokenizer.ggml.eos_token_id'));
  const unkId = valid(optNum(meta, 'tokenizer.ggml.unknown_token_id'));
  const bos = bosId !== undefined ? tokens[bosId] : undefined;
  const eos = eosId !== undefined ? tokens[eosId] : undefined;
  return { meta, what, tokens, types, bosId, eosId, unkId, bos, eos, added: addedTokens(tokens, types) };
}

/** Control, unknown and user-defined tokens, which are matched before the model sees the text. */
function addedTokens(tokens: string[], types: number[]): Record<string, unknown>[] {
  const added: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  tokens.forEach((t, id) => {
    const ty = types[id];
    const special = ty === TokenType.CONTROL || ty === TokenType.UNKNOWN;
    if ((special || ty === TokenType.USER_DEFINED) && !seen.has(t) && t.length > 0) {
      seen.add(t);
      added.push({ id, content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special });
    }
  });
  return added;
}

/** token -> first id holding it (later duplicates lose, as in llama.cpp). */
function vocabMap(tokens: string[]): Record<string, number> {
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => {
    if (!(t in vocab)) vocab[t] = i;
  });
  return vocab;
}

/** The SentencePiece (`llama`/`spm`) tokenizer: merges rebuilt from scores, ▁ for spaces, byte fallback. */
function spmTokenizer(v: GgufVocab): GgufTokenizer {
  const { meta, what, tokens, types, added, bos, eos, bosId, eosId } = v;
  const n = tokens.length;
  const scoresRaw = meta['tokenizer.ggml.scores'];
  const scores = Array.isArray(scoresRaw) ? scoresRaw.map(Number) : tokens.map((_, i) => -i);
  if (scores.length !== n) throw new GgufError(`${what}: ${scores.length} token scores for ${n} tokens`);
  const addBos = optBool(meta, 'tokenizer.ggml.add_bos_token') ?? true;
  const addEos = optBool(meta, 'tokenizer.ggml.add_eos_token') ?? false;
  const addSpacePrefix = optBool(meta, 'tokenizer.ggml.add_space_prefix') ?? true;
  const unk = v.unkId !== undefined ? tokens[v.unkId] : undefined;
  const normalizers: unknown[] = [];
  if (addSpacePrefix) normalizers.push({ type: 'Prepend', prepend: '\u2581' });
  normalizers.push({ type: 'Replace', pattern: { String: ' ' }, content: '\u2581' });
  const decoders: unknown[] = [
    { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
  ];
  if (addSpacePrefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'Sequence', normalizers },
    pre_tokenizer: null,
    post_processor: templateProcessor(bos, bosId, eos, eosId, addBos, addEos),
    decoder: { type: 'Sequence', decoders },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: unk ?? null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: tokens.some((_, i) => types[i] === TokenType.BYTE),
      ignore_merges: false,
      vocab: vocabMap(tokens),
      merges: spmMerges(tokens, scores, types),
    },
  };
  return {
    tokenizerJson,
    tokenizerConfig: {
      bos_token: bos,
      eos_token: eos,
      unk_token: unk,
      add_bos_token: addBos,
      add_eos_token: addEos,
      clean_up_tokenization_spaces: false,
      legacy: true,
    },
    bosId,
    eosId,
    addBos,
  };
}

/** The byte-level BPE (`gpt2`) tokenizer: merges from the file, pre-tokenizer chosen by tokenizer.ggml.pre. */
function byteLevelBpeTokenizer(v: GgufVocab): GgufTokenizer {
  const { meta, what, tokens, added, bos, eos, bosId, eosId } = v;
  const mergesRaw = arr(meta, 'tokenizer.ggml.merges', what).map(String);
  const merges = mergesRaw.map((m, i): [string, string] => {
    const at = m.indexOf(' ', 1);
    if (at < 0) throw new GgufError(`${what}: merge ${i} "${m}" has no space separator`);
    return [m.slice(0, at), m.slice(at + 1)];
  });
  const pre = typeof meta['tokenizer.ggml.pre'] === 'string' ? (meta['tokenizer.ggml.pre'] as string) : 'default';
  // llama.cpp adds BOS for byte-level vocabularies only when the file says so.
  const addBos = optBool(meta, 'tokenizer.ggml.add_bos_token') ?? false;
  const addEos = optBool(meta, 'tokenizer.ggml.add_eos_token') ?? false;
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    // Qwen2's tokenizer.json normalizes to NFC before splitting; the others do not normalize.
    normalizer: pre === 'qwen2' || pre === 'deepseek-r1-qwen' ? { type: 'NFC' } : null,
    pre_tokenizer: byteLevelPreTokenizer(pre),
    post_processor: templateProcessor(bos, bosId, eos, eosId, addBos, addEos),
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: pre === 'llama-bpe' || pre === 'llama3' || pre === 'llama-v3',
      vocab: vocabMap(tokens),
      merges,
    },
  };
  return {
    tokenizerJson,
    tokenizerConfig: {
      bos_token: bos,
      eos_token: eos,
      add_bos_token: addBos,
      add_eos_token: addEos,
      clean_up_tokenization_spaces: false,
    },
    bosId,
    eosId,
    addBos,
  };
}
