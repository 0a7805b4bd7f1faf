// Material: text a user hands over to be worked on (proofread, translated, judged, summarized), not a
// problem put to the model. A gloss inside it would change the very text the user asked about, so
// rules skip every construction that overlaps one of these ranges. Pure and deterministic; UTF-16
// offsets like the rest of src/core/rules.
//
// What counts, always: fenced blocks (``` or ~~~, to the closing fence or the end of the text),
// inline code (`...`), lines of code or data (a "//" comment, braces, "key=value", a trailing ";"),
// Markdown block quotes (lines opening with ">"), text inside tags such as <text>...</text> or
// <document>...</document>, and quoted statements of six words or more (someone's text).
// What counts where the prompt asks for work on text (an editing, translating or judging word such
// as "proofread", "translate", "rewrite", "is this sentence grammatical", outside the quotes):
// quoted spans ("...", “...”, '...', ‘...’, «...»), the rest of the text after such an instruction's
// colon ("Proofread this: ..."), and the lines after "the following sentence" / "the text below".
// A quote inside a math problem ("the sign reads \"50% off\"") is not material: no instruction asks
// for work on it.
import type { TextRange } from './boundaries.ts';

/** Why a range is material. */
export type MaterialKind =
  'fence' | 'inline-code' | 'code-line' | 'block-quote' | 'tagged' | 'quoted' | 'after-instruction';

/** One range of material: UTF-16 offsets `[start, end)` and why it counts. */
export interface MaterialRange extends TextRange {
  kind: MaterialKind;
}

// Words that ask for work on a text, not for a solution: alone (rare in word problems)...
const STRONG = String.raw`proof-?read(?:ing)?|translat(?:e|ion|ing)|paraphras(?:e|ing)|rephras(?:e|ing)|reword(?:ing)?|summari[sz](?:e|ing)|summary|tl;?dr|copy-?edit|spell-?check|transliterate|grammar|grammatical(?:ly)?|ungrammatical|spelling|typos?|punctuation|metaphor(?:ic(?:al(?:ly)?)?)?|idiom(?:atic)?|figurative(?:ly)?`;
// ...or an editing or judging verb with its object, a text ("rewrite this sentence", "grade my answer").
const EDIT_VERB = String.raw`rewrite|re-write|edit|correct|fix|improve|polish|shorten|simplify|condense|tighten|critique|review|judge|grade|evaluate|assess|rate|score|check|format|classify|categori[sz]e|label|annotate|analy[sz]e|interpret|punctuate|capitali[sz]e`;
const TEXT_NOUN = String.raw`(?:text|sentences?|paragraphs?|passage|essay|e-?mail|message|letter|draft|story|poem|lines?|post|tweet|caption|abstract|article|excerpt|snippet|quote|phrase|statement|wording|copy|answer|response|reply|document|transcript|title|headline|slogan|bio|intro|introduction|summary|regex|regexp|code|function|query|script|config|json|pattern|log|string)`;
const EDIT = String.raw`(?:${EDIT_VERB})\s+(?:(?:this|that|these|the|my|our|his|her|their|following|an?)\s+)?(?:[\w-]+\s+){0,2}?${TEXT_NOUN}\b|(?:${EDIT_VERB})\s+(?:this|these|it|the following|below)\s*[:\n]|what (?:does|do|did) .{1,60}? mean\b|\bmeaning of\b`;
/** An instruction to work on text (STRONG alone, or EDIT), case-insensitive. */
const INSTRUCTION = new RegExp(String.raw`\b(?:${STRONG})\b|\b(?:${EDIT})`, 'i');
// "the following sentence", "the paragraph below" (a pointer to material that follows).
const POINTER = new RegExp(
  String.raw`\b(?:the following|following|below)\s+(?:\w+\s+){0,2}?${TEXT_NOUN}\b|\b${TEXT_NOUN}\s+(?:(?:is|are)\s+)?(?:below|that follows)\b`,
  'i',
);

const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})[^\n]*(?:\n|$)/gm;
const INLINE_CODE = /(?<!`)(`{1,2})(?!`)[^`\n](?:[^\n]*?[^`\n])?\1(?!`)/g;
const TAGGED =
  /<(text|document|doc|passage|essay|email|input|quote|article|source|context|draft|paragraph|sentence)\b[^>]*>([\s\S]*?)<\/\1\s*>/gi;
const BLOCK_QUOTE_LINE = /^[ \t]{0,3}>[^\n]*(?:\n|$)/gm;
// A line of code or data outside a fence: a comment ("// 18% tip"), braces, "key=value", a trailing ";".
const CODE_LINE = /^[^\n]*(?:\/\/|\/\*|[{}]|\b\w+=\S|;[ \t]*$)[^\n]*$/gm;
// A quoted statement of this many words or more is someone's text, whatever the prompt asks of it
// ("we grew 300% year over year"); a short label in a word problem ("50% off") is not.
const QUOTED_STATEMENT_WORDS = 6;

/** Fenced blocks: from an opening fence line to its closing fence (same character, at least as long), or to the end. */
function fences(text: string): MaterialRange[] {
  const out: MaterialRange[] = [];
  FENCE.lastIndex = 0;
  for (let m = FENCE.exec(text); m; m = FENCE.exec(text)) {
    const start = m.index;
    const marker = m[1];
    const close = new RegExp(String.raw`^[ \t]{0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \t]*$`, 'gm');
    close.lastIndex = m.index + m[0].length;
    const c = close.exec(text);
    const end = c ? c.index + c[0].length : text.length;
    out.push({ start, end, kind: 'fence' });
    FENCE.lastIndex = Math.max(end, m.index + 1);
  }
  return out;
}

/** Every match of a global pattern as a range of `kind`, skipping those inside `outside`. */
function matches(text: string, re: RegExp, kind: MaterialKind, outside: readonly TextRange[]): MaterialRange[] {
  const out: MaterialRange[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const r = { start: m.index, end: m.index + m[0].length, kind };
    if (!outside.some((o) => r.start < o.end && r.end > o.start)) out.push(r);
  }
  return out;
}

/** Consecutive block-quote lines as one range each. */
function blockQuotes(text: string, outside: readonly TextRange[]): MaterialRange[] {
  const lines = matches(text, BLOCK_QUOTE_LINE, 'block-quote', outside);
  const out: MaterialRange[] = [];
  for (const l of lines) {
    const last = out[out.length - 1];
    if (last && last.end === l.start) last.end = l.end;
    else out.push({ ...l });
  }
  return out;
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Quoted spans: straight double quotes paired in order; curly “...” and ‘...’ and guillemets by their
 * own open and close marks; straight single quotes only where the opening one starts a word and the
 * closing one ends one (so "Tom's" and "don't" are apostrophes). A quote must be closed on the same
 * paragraph (no blank line inside).
 */
export function quotedSpans(text: string): TextRange[] {
  const out: TextRange[] = [];
  const pairs: [string, string][] = [
    ['\u201C', '\u201D'],
    ['\u00AB', '\u00BB'],
    ['\u2018', '\u2019'],
  ];
  for (const [open, close] of pairs) {
    for (let i = text.indexOf(open); i >= 0; i = text.indexOf(open, i + 1)) {
      let j = text.indexOf(close, i + 1);
      // A closing single curly quote is also the apostrophe: skip those inside words.
      while (j >= 0 && close === '\u2019' && isWordChar(text[j + 1]) && isWordChar(text[j - 1]))
        j = text.indexOf(close, j + 1);
      if (j < 0 || /\n[ \t]*\n/.test(text.slice(i, j))) continue;
      out.push({ start: i, end: j + 1 });
      i = j;
    }
  }
  // Straight double quotes, paired in order within a paragraph; an inch mark after a digit ("24" tall") does not open.
  let openAt = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n' && text[i + 1] === '\n') openAt = -1;
    if (text[i] !== '"') continue;
    if (openAt < 0) {
      if (!/\d/.test(text[i - 1] ?? '')) openAt = i;
    } else {
      out.push({ start: openAt, end: i + 1 });
      openAt = -1;
    }
  }
  // Straight single quotes: 'like this', opening at a word start, closing at a word end.
  const single = /(?<![\p{L}\p{N}])'(?=\S)((?:[^'\n]|'(?=[\p{L}]))*?)(?<=\S)'(?![\p{L}\p{N}])/gu;
  for (const m of text.matchAll(single)) out.push({ start: m.index, end: m.index + m[0].length });
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  // Nested or overlapping quotes: keep the outer ones.
  const kept: TextRange[] = [];
  for (const r of out) {
    const last = kept[kept.length - 1];
    if (last && r.start < last.end) {
      last.end = Math.max(last.end, r.end);
      continue;
    }
    kept.push({ ...r });
  }
  return kept;
}

/** The text with the given ranges blanked (same length), so instructions are looked for outside quotes and code. */
function blank(text: string, ranges: readonly TextRange[]): string {
  let out = '';
  let at = 0;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    if (r.start < at) continue;
    out += text.slice(at, r.start) + ' '.repeat(r.end - r.start);
    at = r.end;
  }
  return out + text.slice(at);
}

/** After an instruction's colon ("Proofread this: ...", "Translate into French: ..."): the rest of the text. */
function afterInstruction(text: string, plain: string): MaterialRange[] {
  const out: MaterialRange[] = [];
  // The instruction and its colon in one sentence (no . ! ? between them), at most ~15 words apart.
  const re = new RegExp(String.raw`(?:\b(?:${STRONG})\b|\b(?:${EDIT}))[^.!?\n:]{0,100}:`, 'gi');
  for (const m of plain.matchAll(re)) {
    const start = m.index + m[0].length;
    if (start < text.length) out.push({ start, end: text.length, kind: 'after-instruction' });
    break; // the first one already runs to the end
  }
  // "the following sentence ... ?\n\n<material>": the material starts on the next line.
  const p = POINTER.exec(plain);
  if (p) {
    const nl = plain.indexOf('\n', p.index + p[0].length);
    const colon = plain.indexOf(':', p.index + p[0].length);
    const starts = [nl, colon].filter((x) => x >= 0);
    // Only when the pointer's sentence ends in a line break or a colon close by (the material is then what follows).
    const s = starts.length ? Math.min(...starts) : -1;
    if (s >= 0 && s - (p.index + p[0].length) <= 120)
      out.push({ start: s + 1, end: text.length, kind: 'after-instruction' });
  }
  return out;
}

/** Sorted ranges, each range's overlaps folded into the first of them (the kind of the earliest one is kept). */
function merge(ranges: MaterialRange[]): MaterialRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: MaterialRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start < last.end) last.end = Math.max(last.end, r.end);
    else if (r.end > r.start) out.push({ ...r });
  }
  return out;
}

/** Every range of material in `text`, sorted and non-overlapping. */
export function findMaterial(text: string): MaterialRange[] {
  const code = fences(text);
  code.push(...matches(text, TAGGED, 'tagged', code));
  code.push(...matches(text, INLINE_CODE, 'inline-code', code));
  code.push(...matches(text, CODE_LINE, 'code-line', code));
  const quotesBlock = blockQuotes(text, code);
  const always: MaterialRange[] = [...code, ...quotesBlock];
  // Is the prompt asking for work on text? Looked for outside code, block quotes and quoted spans.
  const quoted = quotedSpans(text).filter((q) => !always.some((a) => q.start < a.end && q.end > a.start));
  for (const q of quoted)
    if ((text.slice(q.start, q.end).match(/[\p{L}\p{N}]+/gu)?.length ?? 0) >= QUOTED_STATEMENT_WORDS)
      always.push({ ...q, kind: 'quoted' });
  const plain = blank(text, [...always, ...quoted]);
  const out: MaterialRange[] = [...always];
  if (INSTRUCTION.test(plain) || POINTER.test(plain)) {
    for (const q of quoted) out.push({ ...q, kind: 'quoted' });
    out.push(...afterInstruction(text, plain));
  }
  return merge(out);
}

/** Whether [start, end) touches any of `ranges` (material ranges from findMaterial, sorted). */
export function overlapsMaterial(ranges: readonly TextRange[], start: number, end: number): boolean {
  for (const r of ranges) {
    if (r.start >= Math.max(end, start + 1)) break;
    if (start < r.end && Math.max(end, start + 1) > r.start) return true;
  }
  return false;
}
