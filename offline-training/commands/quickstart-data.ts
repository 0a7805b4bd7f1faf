// The shared data quickstart trains on (DESIGN.md, ../shared): GSM8K train questions (math), VUA
// train sentences (general English), and the GSM8K test outcomes of four GPT-3 models.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readTexts } from '../data/texts.ts';
import { readOutcomeQuestions, type OutcomeQuestion } from '../protocol/construction-risk.ts';
import type { GateText } from '../probe/task-gate.ts';
import type { OutcomeRow } from '../mine/family-rules.ts';
import { UsageError } from '../util/errors.ts';

/** The files quickstart reads under the shared folder. */
export function sharedFiles(shared: string) {
  return {
    gsm8kTrain: join(shared, 'data/gsm8k/train.jsonl'),
    outcomes: join(shared, 'data/gsm8k/test_outcomes.jsonl'),
    vuaTrain: join(shared, 'data/metaphor/VUA_train.csv'),
  };
}

/** What quickstart trains on: at most `math` questions and `general` sentences, and the outcome questions. */
export interface QuickstartData {
  math: string[];
  general: GateText[];
  questions: OutcomeQuestion[];
}

/**
 * Reads the first `math` GSM8K train questions, the first `general` distinct VUA train sentences and
 * every outcome question from `shared`. Throws UsageError naming the first file that is missing.
 */
export async function readQuickstartData(shared: string, math: number, general: number): Promise<QuickstartData> {
  const f = sharedFiles(shared);
  for (const file of Object.values(f))
    if (!existsSync(file))
      throw new UsageError(`${file} not found: quickstart trains on the shared data (--shared DIR, see DESIGN.md)`);
  const questions = (await readTexts(f.gsm8kTrain, { field: 'question' })).slice(0, math).map((t) => t.text);
  const sentences = [...new Set((await readTexts(f.vuaTrain, { field: 'sentence' })).map((t) => t.text.trim()))];
  return {
    math: questions,
    general: sentences
      .slice(0, general)
      .map((text, i) => ({ id: `vua:${i}`, text, label: 0 as const, corpus: 'vua_train' })),
    questions: readOutcomeQuestions(f.outcomes),
  };
}

/** The outcome rows (question x model) of the first `n` questions. */
export function outcomeRows(questions: readonly OutcomeQuestion[], n: number): OutcomeRow[] {
  return questions
    .slice(0, n)
    .flatMap((q) => q.runs.map((r) => ({ id: q.id, question: q.question, reference: q.reference, ...r })));
}
