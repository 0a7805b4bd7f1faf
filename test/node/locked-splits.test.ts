// The locked evaluation split (offline-training/protocol/splits.ts): deterministic, keyed on the text,
// and pinned on the real shared files so that no later change of seed or hash re-draws it silently.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  MOHX_TEST_FOLDS,
  gsm8kSplit,
  inSplit,
  isMohxTest,
  mohxFold,
  splitKey,
} from '../../offline-training/protocol/splits.ts';

const shared = join(process.cwd(), '..', 'shared', 'data');
const outcomes = join(shared, 'gsm8k', 'test_outcomes.jsonl');
const mohx = join(shared, 'metaphor', 'MOH-X.csv');

describe('locked splits', () => {
  it('keys on the text with white space collapsed, so re-wrapping a question moves nothing', () => {
    const q = 'Tom has 3 apples.\nHe buys  twice as many. How many now?';
    expect(splitKey(q)).toBe('Tom has 3 apples. He buys twice as many. How many now?');
    expect(gsm8kSplit(q)).toBe(gsm8kSplit('  Tom has 3 apples. He buys twice\tas many. How many now? '));
    expect(mohxFold('grasp', 'He grasped  the idea .')).toBe(mohxFold('grasp', 'He grasped the idea .'));
  });

  it('draws about 25% test, 25% validation and 50% mining from many texts, the same on every call', () => {
    const texts = Array.from({ length: 4000 }, (_, i) => `question number ${i}: how many apples?`);
    const counts = { mine: 0, validation: 0, test: 0 };
    for (const t of texts) counts[gsm8kSplit(t)]++;
    expect(counts.test / 4000).toBeGreaterThan(0.22);
    expect(counts.test / 4000).toBeLessThan(0.28);
    expect(counts.validation / 4000).toBeGreaterThan(0.22);
    expect(counts.validation / 4000).toBeLessThan(0.28);
    expect(texts.map(gsm8kSplit)).toEqual(texts.map(gsm8kSplit));
    expect(inSplit(texts, (t) => t, 'test')).toHaveLength(counts.test);
    const folds = new Array<number>(10).fill(0);
    for (const t of texts) folds[mohxFold('verb', t)]++;
    for (const f of folds) expect(f).toBeGreaterThan(300);
    expect(texts.filter((t) => isMohxTest('verb', t)).length).toBe(MOHX_TEST_FOLDS.reduce((s, k) => s + folds[k], 0));
  });

  it.skipIf(!existsSync(outcomes))('pins the split of the 857 shared GSM8K outcome questions', () => {
    const questions = readFileSync(outcomes, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { question: string }).question);
    expect(questions).toHaveLength(857);
    const counts = { mine: 0, validation: 0, test: 0 };
    for (const q of questions) counts[gsm8kSplit(q)]++;
    expect(counts).toEqual({ mine: 398, validation: 238, test: 221 });
    const test = questions
      .filter((q) => gsm8kSplit(q) === 'test')
      .map(splitKey)
      .sort();
    expect(createHash('sha256').update(test.join('\n')).digest('hex')).toBe(
      '32b2b4ab385aa40088fae662432bc754eb51a059e15554c61b4ff9c8e70fb2ac',
    );
  });

  it.skipIf(!existsSync(mohx))('pins the MOH-X folds', () => {
    const rows = parseCsv(readFileSync(mohx, 'utf8'), { columns: true, relax_column_count: true }) as Record<
      string,
      string
    >[];
    const folds = new Array<number>(10).fill(0);
    for (const r of rows) folds[mohxFold(r.verb, r.sentence)]++;
    expect(folds).toEqual([70, 64, 56, 51, 75, 58, 60, 71, 72, 70]);
  });
  if (!existsSync(outcomes) || !existsSync(mohx))
    console.warn(`locked-splits: ${shared} absent, skipping the pinned real-data splits`);
});
