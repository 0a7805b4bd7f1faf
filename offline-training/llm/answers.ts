// Answer extraction from LLM outputs.
//
// Numeric answers (GSM8K style). The first of these that yields a number wins:
//   1. "#### 72"                                  (last such line)
//   2. "\boxed{72}"                                (last; \frac{a}{b}, \$, \%, \text{} understood)
//   3. "final answer: 72" / "final answer is 72"   (last)
//   4. "the answer is 72" / "Answer: 72"           (last)
//   5. a line "A: 72"                              (last)
//   6. the last number in the text
// In 1-5 the number is the first one in the rest of that sentence, or, when that number opens a
// calculation, its result ("The answer is 9 * 2 = 18" gives 18, "The answer is 18, since
// 16 - 3 - 4 = 9 ..." gives 18); "a/b" there is a fraction. Text after the answer
// where the model goes on with a new "Q:"/"Question:" is cut off first, and GSM8K calculator
// annotations "<<9*2=18>>" are removed. Numbers are normalised: thousands commas, currency signs
// ($ € £ ¥), a trailing ".0", and a percent sign are dropped ("$1,234.50" -> 1234.5, "45%" -> 45);
// "-$5" and "$-5" are -5. Number words ("eighteen") are not read.
//
// Yes/no labels (metaphor detection: 1 = metaphorical). The first of these that yields a label wins:
//   1. "Answer: yes" / "the answer is no" / "Label: literal" (last such marker)
//   2. the response's first word(s): "Yes, ...", "No.", "Metaphorical", "Not metaphorical"
//   3. a line that is only "yes" or "no"
//   4. the last of the label words anywhere (metaphorical/figurative/literal and their -ly forms),
//      flipped by a negation up to three words before it ("is not used metaphorically" -> 0)
// yes/true/metaphorical/metaphoric/metaphor/figurative/non-literal -> 1;
// no/false/literal/non-metaphorical -> 0.

/** Where in the output a numeric answer was found (most explicit first). */
export type NumberMethod = 'hashes' | 'boxed' | 'final-answer' | 'answer-is' | 'a-colon' | 'last-number';

/** A numeric answer extracted from an LLM output, with how it was found. */
export interface NumericAnswer {
  value: number;
  /** The normalised number as text: "1234.5", "72", "-5". */
  text: string;
  method: NumberMethod;
}

// A number with optional sign and currency: -5, $-5, -$5, $1,234.50, .5, 3.
const NUMBER =
  /(?<![\w.])([-−]?)(?:[$€£¥]\s?)?([-−]?)((?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)(?!\.?\d)(\s*(?:%|percent\b))?/g;

interface NumMatch {
  value: number;
  index: number;
  end: number;
}

function numbersIn(s: string): NumMatch[] {
  const out: NumMatch[] = [];
  for (const m of s.matchAll(NUMBER)) {
    const neg = (m[1] || m[2]) !== '';
    const v = Number(m[3].replace(/,/g, ''));
    if (!Number.isFinite(v)) continue;
    out.push({ value: neg ? -v : v, index: m.index!, end: m.index! + m[0].length });
  }
  return out;
}

/** Canonical text of a number: at most 6 decimals, no trailing zeros, no "-0". */
export function formatNumber(v: number): string {
  const r = Math.round(v * 1e6) / 1e6;
  return Object.is(r, -0) || r === 0 ? '0' : String(r);
}

/** Parse one number as written ("$1,234.50", "45%", "-3", "3/4"); null when there is none. */
export function parseNumber(s: string): number | null {
  const t = s.trim();
  const frac = /^([-−]?)\s*(\d+)\s*\/\s*(\d+)$/.exec(t);
  if (frac && Number(frac[3]) !== 0) return (frac[1] ? -1 : 1) * (Number(frac[2]) / Number(frac[3]));
  const n = numbersIn(t);
  return n.length ? n[0].value : null;
}

/** Numbers equal up to float noise (relative 1e-6). */
export function sameNumber(a: number | null | undefined, b: number | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

// An arithmetic run from the first number on: numbers, operators, "=", parentheses, currency.
const EXPRESSION = /^(?:[-−+*/×÷=()$€£¥]|x(?=\s*[\d$(])|\s+|\d[\d,]*(?:\.\d+)?)*/;

/**
 * The number in an answer segment: the first number, unless it opens an arithmetic run with "="
 * ("9 * 2 = 18", "48/2 + 48 = 24 + 48 = 72": the run's last number) or is a fraction ("3/4").
 */
function numberInSegment(seg: string): number | null {
  const nums = numbersIn(seg);
  if (!nums.length) return null;
  const first = nums[0];
  const run = EXPRESSION.exec(seg.slice(first.index))![0];
  if (run.includes('=')) {
    const inRun = nums.filter((n) => n.end <= first.index + run.length);
    const afterEq = first.index + run.lastIndexOf('=');
    const last = inRun.filter((n) => n.index > afterEq);
    if (last.length) return last[0].value;
  }
  const frac = /^\s*\/\s*(\d+)(?![\d.,])/.exec(seg.slice(first.end));
  if (frac && Number(frac[1]) !== 0 && Number.isInteger(first.value)) return first.value / Number(frac[1]);
  return first.value;
}

/** From a marker's end to the end of its sentence (a period followed by space/end), at most 160 chars. */
function sentenceAfter(text: string, from: number): string {
  let s = text.slice(from, from + 160);
  const nl = s.indexOf('\n');
  if (nl >= 0) s = s.slice(0, nl);
  const end = /[.!?;](?=\s|$)/.exec(s);
  return end ? s.slice(0, end.index) : s;
}

/** Contents of the last \boxed{...}, braces balanced. */
function lastBoxed(text: string): string | null {
  const i = text.lastIndexOf('\\boxed{');
  if (i < 0) return null;
  let depth = 0;
  for (let j = i + 6; j < text.length; j++) {
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return text.slice(i + 7, j);
  }
  return null;
}

function latexToPlain(s: string): string {
  return s
    .replace(/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, '$1/$2')
    .replace(/\\text\{([^{}]*)\}/g, ' $1 ')
    .replace(/\\[,!; ]/g, '')
    .replace(/\\\$/g, '$')
    .replace(/\\%/g, '%')
    .replace(/\{,\}/g, ',');
}

const CONTINUATION = /\n\s*(?:Q|Question|Problem)\s*\d*\s*[:.]/g;
const MARKERS = /####|\\boxed\{|answer\s*(?:is|:|=)|(?:^|\n)\s*A\s*:/i;

/** Cut a continued few-shot transcript ("...A: 72\n\nQ: next question") after the first answer. */
function cutContinuation(text: string): string {
  const first = MARKERS.exec(text);
  if (!first) return text;
  CONTINUATION.lastIndex = first.index + first[0].length;
  const m = CONTINUATION.exec(text);
  return m ? text.slice(0, m.index) : text;
}

function lastMatch(re: RegExp, text: string): RegExpExecArray | null {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  let last: RegExpExecArray | null = null;
  for (let m = g.exec(text); m; m = g.exec(text)) {
    last = m;
    if (m[0] === '') g.lastIndex++;
  }
  return last;
}

function result(value: number | null, method: NumberMethod): NumericAnswer | null {
  return value === null ? null : { value, text: formatNumber(value), method };
}

/** The final numeric answer in a model's output, or null when it has no number. */
export function extractNumber(output: string): NumericAnswer | null {
  let text = output.replace(/<<[^<>]*>>/g, '').replace(/\r\n?/g, '\n');
  text = cutContinuation(text);
  // Markdown emphasis and code ticks around answers.
  const plain = text.replace(/[*`_]+/g, '');

  const hashes = lastMatch(/####[ \t]*([^\n]*)/, plain);
  if (hashes) {
    const v = numberInSegment(hashes[1]);
    if (v !== null) return result(v, 'hashes');
  }
  const boxed = lastBoxed(text);
  if (boxed !== null) {
    const v = numberInSegment(latexToPlain(boxed));
    if (v !== null) return result(v, 'boxed');
  }
  const finalAns = lastMatch(/final\s+answer\s*(?:is|:|=|would be|will be)?\s*:?/i, plain);
  if (finalAns) {
    const v = numberInSegment(latexToPlain(sentenceAfter(plain, finalAns.index + finalAns[0].length)));
    if (v !== null) return result(v, 'final-answer');
  }
  const answerIs = lastMatch(/\banswer\s*(?:is|:|=|would be|will be|should be)\s*:?/i, plain);
  if (answerIs) {
    const v = numberInSegment(latexToPlain(sentenceAfter(plain, answerIs.index + answerIs[0].length)));
    if (v !== null) return result(v, 'answer-is');
  }
  const aColon = lastMatch(/(?:^|\n)[ \t>]*A[ \t]*:/, plain);
  if (aColon) {
    const v = numberInSegment(sentenceAfter(plain, aColon.index + aColon[0].length));
    if (v !== null) return result(v, 'a-colon');
  }
  const all = numbersIn(plain);
  return all.length ? result(all[all.length - 1].value, 'last-number') : null;
}

/** The gold number of a GSM8K answer ("... #### 72") or of an "A: 72" solution; else the text's number. */
export function goldNumber(answer: string | number): number | null {
  if (typeof answer === 'number') return Number.isFinite(answer) ? answer : null;
  const h = /####\s*([^\n]*)/.exec(answer);
  if (h) return numberInSegment(h[1].replace(/<<[^<>]*>>/g, ''));
  return extractNumber(answer)?.value ?? null;
}

// ---------------------------------------------------------------------------------------------
// Yes/no labels

/** Where in the output a yes/no answer was found. */
export type LabelMethod = 'marker' | 'leading' | 'line' | 'scan';

/** A yes/no answer (1/0) extracted from an LLM output, with how it was found. */
export interface LabelAnswer {
  value: 0 | 1;
  method: LabelMethod;
}

const LABEL_WORD =
  /\b(non-?metaphor(?:ical(?:ly)?|ic(?:al(?:ly)?)?)|non-?literal(?:ly)?|metaphor(?:ical(?:ly)?|ic(?:al(?:ly)?)?|s)?|figurative(?:ly)?|literal(?:ly)?|yes|no|true|false)\b/gi;
const NEGATION = /(?:\bnot|n't|\bnever)\s+(?:[\w'-]+\s+){0,3}$/i;

function wordValue(w: string): 0 | 1 {
  const l = w.toLowerCase();
  if (l.startsWith('non')) return l.includes('metaphor') ? 0 : 1;
  if (l === 'yes' || l === 'true' || l.startsWith('metaphor') || l.startsWith('figurative')) return 1;
  return 0; // no, false, literal(ly)
}

interface LabelHit {
  value: 0 | 1;
  word: string;
  index: number;
}

function labelHits(s: string, withYesNo: boolean): LabelHit[] {
  const out: LabelHit[] = [];
  for (const m of s.matchAll(LABEL_WORD)) {
    const w = m[1].toLowerCase();
    const isYesNo = w === 'yes' || w === 'no' || w === 'true' || w === 'false';
    if (isYesNo && !withYesNo) continue;
    let v = wordValue(w);
    if (!isYesNo && NEGATION.test(s.slice(Math.max(0, m.index! - 40), m.index!))) v = v === 1 ? 0 : 1;
    out.push({ value: v, word: w, index: m.index! });
  }
  return out;
}

const LEADING_LABEL =
  /^(non-?metaphor(?:ical(?:ly)?|ic(?:al(?:ly)?)?)|non-?literal(?:ly)?|metaphor(?:ical(?:ly)?|ic(?:al(?:ly)?)?)?|figurative(?:ly)?|literal(?:ly)?|yes|no|true|false)\b/i;

/** The label of a short phrase read from its start: "yes", "not metaphorical", "not used literally." */
function phraseLabel(phrase: string): 0 | 1 | null {
  const s = phrase.replace(/^[\s"'“”‘’([{:>-]+/, '');
  const m = LEADING_LABEL.exec(s);
  if (m) return wordValue(m[1]);
  const neg = /^(?:not|isn't|is not|it is not|it's not)\s+/i.exec(s);
  if (!neg) return null;
  // "not X", "not used X", "not used as X": up to two words between the negation and the label.
  let rest = s.slice(neg[0].length);
  for (let skip = 0; skip <= 2; skip++) {
    const w = LEADING_LABEL.exec(rest);
    if (w) return /^(?:yes|no|true|false)$/i.test(w[1]) ? null : wordValue(w[1]) === 1 ? 0 : 1;
    const next = /^[\w'-]+\s+/.exec(rest);
    if (!next) return null;
    rest = rest.slice(next[0].length);
  }
  return null;
}

/** 1 (yes / metaphorical), 0 (no / literal), or null when the output gives no label. */
export function extractYesNo(output: string): LabelAnswer | null {
  const text = output
    .replace(/\r\n?/g, '\n')
    .replace(/[*`_#]+/g, '')
    .trim();
  const marker = lastMatch(
    /\b(?:final\s+answer|answer|label|classification|verdict|prediction)\s*(?:is|:|=)\s*:?/i,
    text,
  );
  if (marker) {
    const v = phraseLabel(text.slice(marker.index + marker[0].length, marker.index + marker[0].length + 60));
    if (v !== null) return { value: v, method: 'marker' };
  }
  const lead = phraseLabel(text.slice(0, 60));
  if (lead !== null) return { value: lead, method: 'leading' };
  const line = lastMatch(/(?:^|\n)[ \t"'(]*(yes|no)[ \t.!"')]*(?=\n|$)/i, text);
  if (line) return { value: wordValue(line[1]), method: 'line' };
  const hits = labelHits(text, false);
  if (hits.length) return { value: hits[hits.length - 1].value, method: 'scan' };
  return null;
}

/** A gold label as stored in data: 1/0, "1"/"0", true/false, "yes"/"no", "metaphorical"/"literal". */
export function goldLabel(v: unknown): 0 | 1 | null {
  if (v === 1 || v === true) return 1;
  if (v === 0 || v === false) return 0;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '1') return 1;
    if (t === '0') return 0;
    return phraseLabel(t);
  }
  return null;
}
