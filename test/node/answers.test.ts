// Answer extraction against real-looking model outputs: GSM8K-style numeric answers and yes/no
// (metaphorical/literal) labels, including the tricky shapes models produce.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  extractNumber,
  extractYesNo,
  goldNumber,
  goldLabel,
  parseNumber,
  sameNumber,
  formatNumber,
} from '../../offline-training/llm/answers.ts';

const numeric: [string, number | null, string?][] = [
  // GSM8K reference format and calculator annotations
  [
    'Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18',
    18,
    'hashes',
  ],
  ['#### 1,000,000', 1000000, 'hashes'],
  ['The total is 5 + 7 = 12\n####12', 12, 'hashes'],
  ['She pays $1,234.50 in total.\n#### $1,234.50', 1234.5, 'hashes'],
  ['Step 1: 48 / 2 = 24\nStep 2: 48 + 24 = 72\n#### 72\n\nThe answer is 72.', 72, 'hashes'],
  // The verification models' "A:" lines
  ['She sells her eggs for $2 per egg and has 9 available, 2 * 9 = $<<2*9=18>>18 per day\nA: 18', 18, 'a-colon'],
  ['A robe takes 2 bolts of blue fiber and 2/2 = 1 bolt of white.\nA: 3', 3, 'a-colon'],
  ['A: $70,000', 70000, 'a-colon'],
  // Few-shot continuation: the model answers and then invents the next question
  ['48 / 2 = 24 and 48 + 24 = 72\nA: 72\n\nQ: Weng earns $12 an hour. How much for 50 minutes?\nA: 10', 72, 'a-colon'],
  ['The answer is 5.\n\nQuestion: Tom has 3 apples and buys 4 more...\nThe answer is 7.', 5, 'answer-is'],
  // "The answer is ..." in many spellings
  ['So the answer is 18.', 18, 'answer-is'],
  ['The answer is $1,234.50.', 1234.5, 'answer-is'],
  ['Therefore, the answer is: **72**', 72, 'answer-is'],
  ['**Answer:** 42 apples', 42, 'answer-is'],
  ['The answer is 9 * 2 = 18 dollars.', 18, 'answer-is'],
  ['The answer is 18, because 16 - 3 - 4 = 9 eggs are sold at $2 each.', 18, 'answer-is'],
  ['The answer is 48/2 + 48 = 24 + 48 = 72 clips.', 72, 'answer-is'],
  ['The answer is 1,000.', 1000, 'answer-is'],
  ['Answer: $12.50 per hour', 12.5, 'answer-is'],
  ['The answer is (B) 42', 42, 'answer-is'],
  ['The answer is **$18**.', 18, 'answer-is'],
  ['The answer is 18 (since 9 × 2 = 18).', 18, 'answer-is'],
  ['A: The answer is 7', 7, 'answer-is'],
  ['The answer is 1/2 hour.', 0.5, 'answer-is'],
  ['**Final Answer:** $\\boxed{18}$', 18, 'boxed'],
  ['#### 5 + 7 = 12', 12, 'hashes'],
  ['#### 2,000.00<|endoftext|>', 2000, 'hashes'],
  ['The answer is 18. To double-check: 16 - 3 - 4 = 9 eggs.', 18, 'answer-is'],
  ['The answer is 20. Wait, I forgot the tax.\nRecomputing: 20 * 1.2 = 24.\nThe answer is 24.', 24, 'answer-is'],
  ['Answer: 3/4', 0.75, 'answer-is'],
  ['The answer is 25%.', 25, 'answer-is'],
  ['The answer is 12.0', 12, 'answer-is'],
  ['The answer is -5 degrees.', -5, 'answer-is'],
  ['He loses money: the answer is -$5.', -5, 'answer-is'],
  ['Answer: 0.50', 0.5, 'answer-is'],
  ['Final Answer: The final answer is 7. I hope it is correct.', 7, 'final-answer'],
  ['Final answer: 1,440 minutes', 1440, 'final-answer'],
  // LaTeX
  ['So she makes $9 \\times 2 = 18$ dollars.\n\n$$\\boxed{18}$$', 18, 'boxed'],
  ['The total cost is $\\boxed{\\$1{,}234.50}$.', 1234.5, 'boxed'],
  ['Therefore the fraction is \\boxed{\\frac{3}{4}}.', 0.75, 'boxed'],
  ['\\boxed{45\\%}', 45, 'boxed'],
  ['The answer is \\(\\boxed{72}\\).', 72, 'boxed'],
  ['\\boxed{\\text{18 dollars}}', 18, 'boxed'],
  // Plain prose: the last number
  ['Natalia sold 48 clips in April and half as many, 24, in May, so 72 altogether.', 72, 'last-number'],
  ['She earned 0.2 x 50 = $10.', 10, 'last-number'],
  ['In total 1,200 people came; 300 left early, leaving 900.', 900, 'last-number'],
  ['It costs 12 dollars and 50 cents, i.e. 12.50', 12.5, 'last-number'],
  ['The temperature dropped to −3.', -3, 'last-number'],
  ['Using GPT-4 I computed 16-3-4=9.', 9, 'last-number'],
  ['There are 3 cats.\n', 3, 'last-number'],
  ['I cannot determine the answer from the information given.', null],
  ['', null],
];

/**
 * One test per case [text, want, method?]: `extract(text)` is null where want is, else its value
 * passes `same(value, want)` and, where a method is named, it was found by that method.
 */
function extractionCases<T>(
  cases: [string, T | null, string?][],
  extract: (text: string) => { value: T; method: string } | null,
  same: (value: T, want: T) => void,
): void {
  for (const [text, want, method] of cases) {
    it(JSON.stringify(text.length > 70 ? `${text.slice(0, 70)}...` : text), () => {
      const got = extract(text);
      if (want === null) return expect(got).toBeNull();
      expect(got, `from ${JSON.stringify(text)}`).not.toBeNull();
      same(got!.value, want);
      if (method) expect(got!.method).toBe(method);
    });
  }
}

describe('numeric answer extraction', () => {
  extractionCases(numeric, extractNumber, (value, want) => expect(value).toBeCloseTo(want, 9));

  it('normalises numbers as written', () => {
    expect(parseNumber('$1,234.50')).toBe(1234.5);
    expect(parseNumber('45%')).toBe(45);
    expect(parseNumber('72.0')).toBe(72);
    expect(parseNumber('-$5')).toBe(-5);
    expect(parseNumber('$-5')).toBe(-5);
    expect(parseNumber('3/4')).toBe(0.75);
    expect(parseNumber('€ 12')).toBe(12);
    expect(parseNumber('1,2345')).toBe(1); // not a thousands group: the first number is 1
    expect(parseNumber('none')).toBeNull();
    expect(formatNumber(72.0)).toBe('72');
    expect(formatNumber(1234.5)).toBe('1234.5');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(-0)).toBe('0');
    expect(extractNumber('#### 72.00')!.text).toBe('72');
  });

  it('reads gold answers and compares numbers up to float noise', () => {
    expect(goldNumber('Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72')).toBe(72);
    expect(goldNumber('#### 1,600')).toBe(1600);
    expect(goldNumber('She makes 9 * 2 = $18.\nA: 18')).toBe(18);
    expect(goldNumber('5')).toBe(5);
    expect(goldNumber(7)).toBe(7);
    expect(sameNumber(0.1 + 0.2, 0.3)).toBe(true);
    expect(sameNumber(18, 18.0000001)).toBe(true);
    expect(sameNumber(18, 18.01)).toBe(false);
    expect(sameNumber(null, 18)).toBe(false);
  });
});

const labels: [string, 0 | 1 | null, string?][] = [
  ['Yes', 1, 'leading'],
  ['yes.', 1, 'leading'],
  ['No', 0, 'leading'],
  ['**No.** The verb "absorb" here means to soak up a liquid.', 0, 'leading'],
  ['Yes, "absorbed" is used metaphorically: he took in beliefs, not liquid.', 1, 'leading'],
  ['Metaphorical', 1, 'leading'],
  ['metaphorical.', 1, 'leading'],
  ['Literal', 0, 'leading'],
  ['Not metaphorical.', 0, 'leading'],
  ['Non-metaphorical', 0, 'leading'],
  ['Nonliteral use.', 1, 'leading'],
  ['"Yes"', 1, 'leading'],
  ['True', 1, 'leading'],
  ['Answer: yes', 1, 'marker'],
  ['Let me think. The verb "cross" refers to lines physically crossing.\nAnswer: no', 0, 'marker'],
  ['The sentence describes a financial cost being absorbed, which is figurative.\n\nFinal answer: Yes', 1, 'marker'],
  ['Thinking about it, the answer is **literal**.', 0, 'marker'],
  ['Label: metaphorical', 1, 'marker'],
  ['Answer: not metaphorical', 0, 'marker'],
  ['Answer: It is not used literally.', 1, 'marker'],
  ['Here "say" has its ordinary meaning of speaking.\n\nNo', 0, 'line'],
  ['Considering the context carefully...\nyes\n', 1, 'line'],
  ['The verb "absorb" is used metaphorically here.', 1, 'scan'],
  ['The verb is used literally.', 0, 'scan'],
  ['In this sentence the verb is not used metaphorically; it describes a physical action.', 0, 'scan'],
  ["It isn't meant literally - the word is figurative.", 1, 'scan'],
  ['Although it may look metaphorical at first, here it is literal.', 0, 'scan'],
  ['This is not literal; it is metaphorical.', 1, 'scan'],
  ['The verb "going" here is not being used literally.', 1, 'scan'],
  ['I am not sure.', null],
  ['', null],
  ['Yesterday he went home.', null],
];

describe('yes/no label extraction', () => {
  extractionCases(labels, extractYesNo, (value, want) => expect(value).toBe(want));

  it('reads gold labels in the forms data sets use', () => {
    expect(goldLabel(1)).toBe(1);
    expect(goldLabel('0')).toBe(0);
    expect(goldLabel(true)).toBe(1);
    expect(goldLabel('yes')).toBe(1);
    expect(goldLabel('No')).toBe(0);
    expect(goldLabel('metaphorical')).toBe(1);
    expect(goldLabel('literal')).toBe(0);
    expect(goldLabel('maybe')).toBeNull();
    expect(goldLabel(undefined)).toBeNull();
  });
});

// Real model outputs: the four GPT-3 models' GSM8K solutions in ../shared, each marked correct by
// the data set's authors. Scoring them with extractNumber must reproduce those marks.
const SHARED = join(process.cwd(), '..', 'shared', 'data', 'gsm8k', 'test_outcomes.jsonl');
describe('on real GSM8K model outputs', () => {
  if (!existsSync(SHARED)) console.warn(`skipping real-output extraction: ${SHARED} is absent`);
  it.skipIf(!existsSync(SHARED))('reproduces the published correct/incorrect marks of every solution', () => {
    const rows = readFileSync(SHARED, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    let agree = 0,
      total = 0;
    const disagreements: string[] = [];
    for (const r of rows) {
      const gold = goldNumber(r.ground_truth);
      expect(gold, r.ground_truth).not.toBeNull();
      for (const m of ['6b_finetuning', '6b_verification', '175b_finetuning', '175b_verification']) {
        const a = extractNumber(r[m].solution);
        const ok = a !== null && sameNumber(a.value, gold);
        total++;
        if (ok === r[m].is_correct) agree++;
        else if (disagreements.length < 5) disagreements.push(`${m}: ${JSON.stringify(r[m].solution.slice(-80))}`);
      }
    }
    expect(total).toBe(857 * 4);
    expect(disagreements).toEqual([]);
    expect(agree).toBe(total);
  });
});
