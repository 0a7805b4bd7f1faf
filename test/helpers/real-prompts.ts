// Real prompts for cross-runtime parity: GSM8K test questions and VUA test sentences from
// ../shared (read in file order, so every run and every machine uses the same ones).
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

export const SHARED = '../shared';
const GSM8K = `${SHARED}/data/gsm8k/test_outcomes.jsonl`;
const VUA = `${SHARED}/data/metaphor/VUA_test.csv`;

/** Whether ../shared has the files realPrompts reads. */
export function haveRealPrompts(): boolean {
  return existsSync(GSM8K) && existsSync(VUA);
}

/** The first `perSource` distinct GSM8K test questions, then the first `perSource` VUA test sentences. */
export function realPrompts(perSource: number): string[] {
  const questions = [
    ...new Set(
      readFileSync(GSM8K, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { question: string }).question),
    ),
  ].slice(0, perSource);
  const sentences = (parse(readFileSync(VUA), { columns: true }) as { sentence: string }[])
    .map((r) => r.sentence)
    .slice(0, perSource);
  return [...questions, ...sentences];
}
