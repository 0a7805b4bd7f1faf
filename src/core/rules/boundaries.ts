// Text boundaries on UTF-16 strings: word expansion for fired spans and grapheme-safe offsets for
// insertions. Hand-written rules instead of Intl.Segmenter so Node and workerd (different ICU
// builds) cut at exactly the same places.

// A word is a run of letters, digits, marks, apostrophes and hyphens...
const WORD = /[\p{L}\p{N}\p{M}'\u2019\u02BC-]/u;
// ...except in scripts written without spaces, where such a run is a whole clause, not a word.
const UNSPACED = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;
// Code points that attach to the one before them: combining marks (incl. variation selectors),
// ZWJ, emoji skin-tone modifiers, emoji tag characters, Hangul medial/final jamo.
const EXTEND = /[\p{M}\u200D\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}\u1160-\u11FF\uD7B0-\uD7FF]/u;

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
const isRegional = (cp: number) => cp >= 0x1f1e6 && cp <= 0x1f1ff;

/** Code point starting at i (whole pair when i is on a high surrogate) and its UTF-16 length. */
function cpAt(text: string, i: number): [number, number] {
  const cp = text.codePointAt(i)!;
  return [cp, cp > 0xffff ? 2 : 1];
}

/** Code point ending at i (exclusive) and its UTF-16 length. */
function cpBefore(text: string, i: number): [number, number] {
  const lo = text.charCodeAt(i - 1);
  if (isLow(lo) && i >= 2 && isHigh(text.charCodeAt(i - 2))) return [text.codePointAt(i - 2)!, 2];
  return [lo, 1];
}

function isWordCp(cp: number): boolean {
  // ASCII fast path: letters, digits, apostrophe, hyphen.
  if (cp < 0x80)
    return (
      (cp >= 0x61 && cp <= 0x7a) ||
      (cp >= 0x41 && cp <= 0x5a) ||
      (cp >= 0x30 && cp <= 0x39) ||
      cp === 0x27 ||
      cp === 0x2d
    );
  const ch = String.fromCodePoint(cp);
  return WORD.test(ch) && !UNSPACED.test(ch);
}

/** A stretch of text as UTF-16 offsets `[start, end)` (end exclusive): spans, token offsets, cue matches. */
export interface TextRange {
  start: number;
  end: number;
}

/** True where cutting between i-1 and i would split a grapheme (approximation of UAX #29). */
export function insideGrapheme(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  // Fast path: nothing below U+0300 attaches to what precedes it except LF after CR.
  if (c < 0x300 && c !== 0x0a && text.charCodeAt(i - 1) !== 0x200d) return false;
  if (isLow(c) && isHigh(text.charCodeAt(i - 1))) return true;
  if (c === 0x0a && text.charCodeAt(i - 1) === 0x0d) return true;
  const [cp] = cpAt(text, i);
  if (EXTEND.test(String.fromCodePoint(cp))) return true;
  const [prev] = cpBefore(text, i);
  if (prev === 0x200d) return true; // ZWJ sequences (family emoji and the like)
  if (isRegional(cp) && isRegional(prev)) {
    // Flags are pairs of regional indicators: inside one when an odd number of them precede i
    // (counted up to a bound, to stay linear on absurd runs of them).
    let n = 0;
    for (let j = i; j > 0 && n < 256;) {
      const [p, len] = cpBefore(text, j);
      if (!isRegional(p)) break;
      n++;
      j -= len;
    }
    return n % 2 === 1;
  }
  return false;
}

/** Moves i forward to the next grapheme boundary (used for end offsets and insertion points). */
export function snapForward(text: string, i: number): number {
  let j = Math.min(Math.max(0, i), text.length);
  while (insideGrapheme(text, j)) j++;
  return j;
}

/** Moves i backward to the previous grapheme boundary (used for start offsets). */
export function snapBackward(text: string, i: number): number {
  let j = Math.min(Math.max(0, i), text.length);
  while (insideGrapheme(text, j)) j--;
  return j;
}

/** Most UTF-16 units a span grows by on each side to reach a word boundary. */
export const MAX_WORD_GROWTH = 64;

/**
 * Grows [start, end) so it neither starts nor ends inside a word or a grapheme, then trims
 * surrounding white space. Returns null when nothing but white space is left.
 * Growth is bounded by MAX_WORD_GROWTH on each side and stops at `floor` on the left.
 */
export function expandToWords(text: string, start: number, end: number, floor = 0): TextRange | null {
  let s = snapBackward(text, start);
  let e = snapForward(text, end);
  if (s < e) {
    // Bounded (and never below `floor`, where a previous span ended), so a huge "word" (a base64
    // blob) with many firing tokens stays linear overall.
    const minS = Math.max(0, floor, s - MAX_WORD_GROWTH);
    const maxE = Math.min(text.length, e + MAX_WORD_GROWTH);
    while (s > minS && isWordCp(cpAt(text, s)[0]) && isWordCp(cpBefore(text, s)[0]))
      s = snapBackward(text, s - cpBefore(text, s)[1]);
    while (e < maxE && isWordCp(cpBefore(text, e)[0]) && isWordCp(cpAt(text, e)[0]))
      e = snapForward(text, e + cpAt(text, e)[1]);
  }
  while (s < e && /\s/.test(text[s])) s++;
  while (e > s && /\s/.test(text[e - 1])) e--;
  if (s >= e) return null;
  // A space can carry a combining mark; trimming must not leave half of that grapheme behind.
  return { start: snapBackward(text, s), end: snapForward(text, e) };
}

/** Most words a phrase may run past its firing words before an `after-phrase` gloss goes in. */
export const MAX_PHRASE_WORDS = 6;
// Words that open a new clause: the phrase a gloss annotates ends before them.
const CLAUSE_WORDS = new Set([
  'and',
  'but',
  'or',
  'so',
  'then',
  'while',
  'which',
  'who',
  'whom',
  'whose',
  'if',
  'because',
  'when',
  'where',
  'that',
  'how',
  'what',
]);

/**
 * End of the phrase that the words ending at `end` open: the following words up to a clause
 * boundary (sentence or clause punctuation, a line break, a clause-opening word such as "and" or
 * "which") and at most `maxWords` words. "16 eggs per| day and she..." -> after "day"; "three
 * times| as many toys as Mandy." -> after "Mandy". Decimal points and thousands separators ("2.5",
 * "1,000") do not end a phrase. Returns `end` itself when punctuation follows right away.
 */
export function phraseEnd(text: string, end: number, maxWords = MAX_PHRASE_WORDS): number {
  let e = end;
  let i = end;
  for (let words = 0; words < maxWords; words++) {
    let j = i;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
    if (j >= text.length || text[j] === '\n' || text[j] === '\r') break;
    let k = j;
    while (k < text.length && !/\s/.test(text[k])) k++;
    const word = text.slice(j, k);
    if (CLAUSE_WORDS.has(word.toLowerCase())) break;
    // A stop inside or after the word: punctuation not between two digits ("2.5", "1,000").
    let stop = -1;
    for (let c = 0; c < word.length; c++) {
      if (!/[.,;:!?()[\]{}"“”]/.test(word[c])) continue;
      if ((word[c] === '.' || word[c] === ',') && /\d/.test(word[c - 1] ?? '') && /\d/.test(word[c + 1] ?? ''))
        continue;
      stop = c;
      break;
    }
    if (stop === 0) break;
    if (stop > 0) {
      e = snapForward(text, j + stop);
      break;
    }
    e = snapForward(text, k);
    i = k;
  }
  return e;
}
