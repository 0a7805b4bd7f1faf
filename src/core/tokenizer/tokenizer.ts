// Tokenization with character offsets. @huggingface/tokenizers gives ids and token strings but no
// offsets, and glosses must land at exact places in the caller's text, so each token's surface
// form is aligned back to the original string. Alignment is tolerant of what normalizers do
// (case folding, NFKC, whitespace collapsing): it compares folded characters and skips spaces.
import { Tokenizer } from '@huggingface/tokenizers';

/** Token ids, token strings and their character offsets in the original text. */
export interface TokenizedText {
  ids: number[];
  tokens: string[];
  /** [start, end) in UTF-16 code units of the original text; [p, p] for tokens with no surface. */
  offsets: [number, number][];
}

interface TokenizerJson {
  added_tokens?: { id: number; content: string; special?: boolean }[];
  decoder?: { type?: string; decoders?: { type?: string }[] } | null;
  model?: { type?: string; byte_fallback?: boolean; unk_token?: string; unk_id?: number };
}

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;
const UTF8 = new TextDecoder();

/**
 * A tokenizer.json tokenizer (@huggingface/tokenizers) that also returns each token's [start, end) offsets in
 * the original text (UTF-16 code units).
 */
export class GlossTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly special: Set<string>;
  private readonly byteLevel: boolean;
  private readonly byteDecoder = byteLevelDecoder();
  private readonly unkId: number | undefined;

  constructor(json: object, config: object = {}) {
    this.tokenizer = new Tokenizer(json, config);
    const j = json as TokenizerJson;
    this.special = new Set((j.added_tokens ?? []).filter((t) => t.special).map((t) => t.content));
    const decoders = [j.decoder?.type, ...(j.decoder?.decoders ?? []).map((d) => d.type)];
    this.byteLevel = decoders.includes('ByteLevel');
    const unk = j.model?.unk_token;
    this.unkId = j.model?.unk_id ?? (unk !== undefined ? this.tokenizer.token_to_id(unk) : undefined);
  }

  encode(text: string): TokenizedText {
    const enc = this.tokenizer.encode(text);
    const surfaces = this.surfaces(enc.tokens);
    // @huggingface/tokenizers' WordLevel model leaves out-of-vocabulary ids undefined: use <unk>.
    const ids = (enc.ids as (number | undefined | null)[]).map((id, i): number => {
      if (id !== undefined && id !== null) return id;
      if (this.unkId === undefined)
        throw new Error(`tokenizer has no id for token ${i} of the text and no unknown token`);
      return this.unkId;
    });
    return { ids, tokens: enc.tokens, offsets: alignSurfaces(text, surfaces) };
  }

  decode(ids: number[]): string {
    return this.tokenizer.decode(ids, { skip_special_tokens: true });
  }

  /** What each token stands for in text ('' for special tokens). */
  private surfaces(tokens: string[]): string[] {
    const out: string[] = [];
    let bytes: number[] = [];
    let byteStart = -1;
    const flushBytes = () => {
      if (bytes.length === 0) return;
      // A multi-byte character split over byte tokens: its text goes to the first of them.
      out[byteStart] = UTF8.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    tokens.forEach((tok, i) => {
      const m = BYTE_TOKEN.exec(tok);
      if (m) {
        if (bytes.length === 0) byteStart = i;
        bytes.push(parseInt(m[1], 16));
        out.push('');
        return;
      }
      flushBytes();
      if (this.special.has(tok)) out.push('');
      else if (this.byteLevel) out.push(this.fromByteLevel(tok));
      else out.push(tok.replace(/▁/g, ' '));
    });
    flushBytes();
    return out;
  }

  private fromByteLevel(tok: string): string {
    const bytes: number[] = [];
    for (const ch of tok) {
      const b = this.byteDecoder.get(ch);
      if (b === undefined) return tok;
      bytes.push(b);
    }
    return UTF8.decode(Uint8Array.from(bytes));
  }
}

/**
 * GPT-2's byte-level alphabet (`bytes_to_unicode` in openai/gpt-2 src/encoder.py, as byte-level BPE
 * tokenizers use it): element b is the character that stands for byte b (0..255). Printable Latin-1
 * bytes stand for themselves; the others map, in byte order, to U+0100 onwards (space is 'Ġ').
 */
export function gpt2ByteChars(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const out: string[] = [];
  for (const b of bs) out[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) out[b] = String.fromCodePoint(256 + n++);
  return out;
}

/** GPT-2's byte-to-unicode table, inverted: character -> byte. */
function byteLevelDecoder(): Map<string, number> {
  return new Map(gpt2ByteChars().map((ch, b) => [ch, b]));
}

interface FoldedChar {
  ch: string;
  start: number;
  end: number;
}

/** Case- and compatibility-folded characters of text, each pointing at its original span. */
function foldText(text: string): FoldedChar[] {
  const out: FoldedChar[] = [];
  let i = 0;
  for (const cp of text) {
    const start = i;
    i += cp.length;
    if (/\s/u.test(cp)) continue;
    for (const f of fold(cp)) out.push({ ch: f, start, end: i });
  }
  return out;
}

function fold(s: string): string[] {
  return [...s.normalize('NFKC').toLowerCase().normalize('NFKD')].filter((c) => !/[\s\p{Mn}]/u.test(c));
}

/** How far ahead a token's first character may be found before the token counts as unmatched. */
const LOOKAHEAD = 16;

/**
 * Aligns token surface strings back to `text` (folding case, compatibility forms and spaces as normalizers do):
 * one [start, end) per surface, [p, p] where a surface cannot be found.
 */
export function alignSurfaces(text: string, surfaces: string[]): [number, number][] {
  const folded = foldText(text);
  const offsets: [number, number][] = [];
  let cursor = 0; // index into folded
  let lastEnd = 0; // offset in text
  for (const surface of surfaces) {
    const chars = fold(surface);
    if (chars.length === 0) {
      offsets.push([lastEnd, lastEnd]);
      continue;
    }
    // Find where the token's first character occurs next, then match the rest in sequence.
    let found = -1;
    for (let k = cursor; k < Math.min(folded.length, cursor + LOOKAHEAD); k++) {
      if (folded[k].ch === chars[0]) {
        found = k;
        break;
      }
    }
    if (found < 0) {
      offsets.push([lastEnd, lastEnd]); // <unk> or text the normalizer removed
      continue;
    }
    let k = found;
    let matched = 0;
    while (matched < chars.length && k < folded.length && folded[k].ch === chars[matched]) {
      k++;
      matched++;
    }
    const start = folded[found].start;
    const end = folded[k - 1].end;
    offsets.push([start, end]);
    cursor = k;
    lastEnd = end;
  }
  return offsets;
}
