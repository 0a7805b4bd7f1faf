// Misreading labels: how a model misread a GSM8K question, not only that it failed. The
// reference solution's calculator steps (`<<3*68=204>>`) say how each number of the question is
// used; a failed model solution that uses a cue number (the factor of "three times as many", the p
// of "p%", the rate of "$68 per dozen", the difference of "13 fewer than") with none of the
// reference's operations, or not at all, misread that phrase. Families without one cue number
// (average, ratio, sequence, work-rate) are labelled when the cue phrase is there and the model failed.
import type { MisreadingFamily } from '../../src/core/rules/schema.ts';
import { DENOMINATORS, GROWTH_VERBS, MULTIPLIER_WORDS, UNITS } from '../../src/core/grammar/lexicon.ts';

/** One calculator step `<<expr=result>>` of a GSM8K solution (Cobbe et al. 2021's annotation format). */
export interface Step {
  /** Numbers in the step's expression, in order. */
  operands: number[];
  /** Operators in the expression (+ - * /). */
  ops: string[];
  result: number;
}

/** Calculator steps `<<expr=result>>` of a GSM8K-style solution. */
export function parseSteps(solution: string): Step[] {
  const out: Step[] = [];
  for (const m of solution.matchAll(/<<([^=<>]*)=([^<>]*)>>/g)) {
    const expr = m[1].replace(/,/g, '');
    const operands = [...expr.matchAll(/\d+(?:\.\d+)?/g)].map((x) => Number(x[0]));
    const ops = [...expr.matchAll(/(?<=[\d)\s])\s*([-+*/x])\s*(?=[\d(.])/g)].map((x) => (x[1] === 'x' ? '*' : x[1]));
    out.push({ operands, ops, result: Number(m[2].replace(/,/g, '')) });
  }
  return out;
}

// The grammar's own number words (src/core/grammar/lexicon.ts), one vocabulary for both: every word
// the cues below capture has the same value there.
const WORD_NUM: Readonly<Record<string, number>> = { ...UNITS, ...DENOMINATORS, ...MULTIPLIER_WORDS, ...GROWTH_VERBS };
const num = (s: string) => WORD_NUM[s.toLowerCase()] ?? Number(s.replace(/,/g, ''));
const N = String.raw`(\d[\d,]*(?:\.\d+)?|two|three|four|five|six|seven|eight|nine|ten)`;

/** One family's cue: a phrase pattern and, where there is one, the number the phrase governs. */
interface Cue {
  family: MisreadingFamily;
  re: RegExp;
  /** Capture group holding the governed number (its value via WORD_NUM or Number). */
  group?: number;
}

/** The cue phrase patterns of each math family (regular expressions, global and case-insensitive). */
export const CUES: Cue[] = [
  // "three times as many", "4 times more", and a count of repetitions ("3 times a week", "5 times").
  {
    family: 'multiplicative',
    re: new RegExp(String.raw`\b${N} times(?: (?:as|more|less|fewer|the)\b)?`, 'gi'),
    group: 1,
  },
  { family: 'multiplicative', re: /\b(twice|double[sd]?|triple[sd]?)\b/gi, group: 1 },
  { family: 'fraction', re: /\b(half|halves|thirds?|quarters?|fourth|fifth)\b/gi, group: 1 },
  { family: 'fraction', re: /\b\d+\/(\d+)\b/g, group: 1 },
  { family: 'percent', re: /(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)/gi, group: 1 },
  // A rate: "$68 per dozen", "5 hours a day", "3 cups each day", "per kilogram".
  { family: 'rate', re: new RegExp(String.raw`(?:\$?${N} (?:\w+ ){0,2})?\bper (?!cent\b)\w+`, 'gi'), group: 1 },
  {
    family: 'rate',
    re: new RegExp(String.raw`\$?${N} (?:\w+ ){0,2}(?:an|a|each) (?:hour|day|week|month|year|minute|second)\b`, 'gi'),
    group: 1,
  },
  {
    family: 'additive-comparison',
    re: new RegExp(
      String.raw`\$?${N} (?:\w+ )?(?:more|less|fewer|older|younger|taller|shorter|longer|cheaper|heavier|lighter|bigger|smaller)(?: \w+)? than\b`,
      'gi',
    ),
    group: 1,
  },
  { family: 'additive-comparison', re: /\bhow many more\b|\bhow much more\b/gi },
  { family: 'average', re: /\b(average|mean)\b/gi },
  { family: 'ratio', re: /\bratio\b|\b\d+:\d+\b|\bfor every \d+\b/gi },
  { family: 'sequence', re: /\bconsecutive\b|\bmore than the (?:day|week|month|year|one) before\b/gi },
  { family: 'work-rate', re: /\b(?:working together|work together|together,? (?:they|it)|at the same rate)\b/gi },
  {
    family: 'periodic',
    re: /\bevery other\b|\bevery (\d+) (?:days|weeks|months|hours|minutes)\b|\b(?:once|twice|three times) a (?:day|week|month|year)\b/gi,
  },
];

/** One cue phrase found in a question (cuesOf), with the number it governs when the family has one. */
export interface CueHit {
  family: MisreadingFamily;
  /** Character offsets of the phrase in the question. */
  start: number;
  end: number;
  value?: number;
}

/** Every cue phrase in a question. */
export function cuesOf(question: string): CueHit[] {
  const out: CueHit[] = [];
  for (const c of CUES)
    for (const m of question.matchAll(c.re)) {
      const v = c.group !== undefined && m[c.group] ? num(m[c.group]) : undefined;
      out.push({
        family: c.family,
        start: m.index,
        end: m.index + m[0].length,
        value: Number.isFinite(v) ? v : undefined,
      });
    }
  return out.sort((a, b) => a.start - b.start);
}

/** The operations applied to `x` (or to its reciprocal or percent form) across the steps. */
function opsOn(steps: readonly Step[], x: number): Set<string> {
  const forms = [x, 1 / x, x / 100].map((v) => Math.round(v * 1e6) / 1e6);
  const out = new Set<string>();
  for (const s of steps) {
    s.operands.forEach((o, i) => {
      if (!forms.includes(Math.round(o * 1e6) / 1e6)) return;
      // The operator next to this operand (before it, else after it).
      const op = s.ops[i - 1] ?? s.ops[i];
      out.add(op ?? '=');
    });
  }
  return out;
}

/** One phrase a failed model solution misread (labelMisreadings). */
export interface Misreading {
  family: MisreadingFamily;
  /** The cue phrase in the question. */
  phrase: string;
  /** Why it counts: the reference's and the model's operations on the cue number. */
  why: string;
}

/**
 * The misreadings of one failed model solution: for each cue of the question, whether the model
 * used the phrase's number as the reference does. Correct solutions have none.
 */
export function labelMisreadings(
  question: string,
  reference: string,
  solution: string,
  correct: boolean,
): Misreading[] {
  if (correct) return [];
  const ref = parseSteps(reference);
  const mod = parseSteps(solution);
  const out: Misreading[] = [];
  const seen = new Set<string>();
  for (const c of cuesOf(question)) {
    const phrase = question.slice(c.start, c.end);
    let why: string | undefined;
    if (c.value === undefined) why = 'cue phrase present, model failed';
    else {
      const r = opsOn(ref, c.value);
      const m = opsOn(mod, c.value);
      if (r.size === 0) continue; // the reference does not compute with it: no evidence either way
      if (m.size === 0) why = `reference ${[...r].join('')} ${c.value}, model never uses it`;
      else if (![...m].some((o) => r.has(o))) why = `reference ${[...r].join('')} ${c.value}, model ${[...m].join('')}`;
    }
    if (why && !seen.has(c.family)) {
      seen.add(c.family);
      out.push({ family: c.family, phrase, why });
    }
  }
  return out;
}
