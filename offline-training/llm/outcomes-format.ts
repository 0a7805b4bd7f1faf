// Reading outcome files into one shape for mining, from either format:
//
//  - Gloss's own (written by `gloss-train outcomes`):
//      {"id","prompt","task","gold","outcomes":[{"model","correct","answer","raw"}]}
//    rows with the same id (one per model run) are merged; for a model seen twice the later row wins.
//  - the shared GSM8K file (../shared/data/gsm8k/test_outcomes.jsonl): rows with "question",
//    "ground_truth" ("... A: 18") and one object per model ({"is_correct", "solution"}), e.g.
//    "6b_finetuning", "175b_verification". The id is "gsm8k-test:<0-based row index>", the gold
//    the number after "A:" in ground_truth, each answer the text after the last "A:" of the solution.
// Gold and answers are text in the common shape ("18", "1"), whatever the source stored.
//
// The format is decided per row, so concatenated files work too.
import { LlmError } from './client.ts';
import { formatNumber, goldNumber } from './answers.ts';
import { jsonlObjects, readTextFile } from '../util/jsonl.ts';

/** One model's correctness (and answer) on a prompt, whichever outcomes format it came from. */
export interface CommonOutcome {
  model: string;
  correct: boolean;
  answer?: string;
}

/** A prompt with the outcomes of every model asked, read from either outcomes format. */
export interface OutcomeRecord {
  id: string;
  prompt: string;
  task: string;
  /** The gold answer as text: "18" (GSM8K), "1"/"0" (yes-no). */
  gold?: string;
  outcomes: CommonOutcome[];
  /** With `target`: !correct of the target model. */
  failure?: boolean;
}

/** Id prefix given to rows of the shared GSM8K test_outcomes.jsonl (which has no ids). */
export const SHARED_GSM8K_ID_PREFIX = 'gsm8k-test';

function answerAfterA(solution: string): string | undefined {
  const m = /(?:^|\n)\s*A\s*:\s*([^\n]*)/g;
  let last: string | undefined;
  for (const x of solution.matchAll(m)) last = x[1].trim();
  return last;
}

function isSharedRow(row: Record<string, unknown>): boolean {
  if (typeof row.question !== 'string' || Array.isArray(row.outcomes)) return false;
  return Object.values(row).some((v) => v !== null && typeof v === 'object' && 'is_correct' in (v as object));
}

/**
 * All rows of an outcomes file. With `target`, only rows that have an outcome for that model, each
 * with `failure = !correct`; an error (listing the models present) when the file has none for it.
 */
export async function readOutcomes(file: string, o: { target?: string } = {}): Promise<OutcomeRecord[]> {
  const text = await readTextFile(file, 'outcomes', (m) => new LlmError(m));
  const byId = new Map<string, OutcomeRecord>();
  let sharedIndex = 0;
  // A crash mid-append leaves a truncated last line; anywhere else it is an error.
  const lines = jsonlObjects(text, file, { error: (m) => new LlmError(m), skipTruncatedTail: true });
  for (const { line, row } of lines) {
    if (isSharedRow(row)) {
      const outcomes: CommonOutcome[] = [];
      for (const [k, v] of Object.entries(row)) {
        if (!v || typeof v !== 'object' || !('is_correct' in v)) continue;
        const m = v as { is_correct: unknown; solution?: unknown };
        if (typeof m.is_correct !== 'boolean')
          throw new LlmError(`${file} line ${line}: ${k}.is_correct is not a boolean`);
        const answer = typeof m.solution === 'string' ? answerAfterA(m.solution) : undefined;
        outcomes.push({ model: k, correct: m.is_correct, ...(answer !== undefined ? { answer } : {}) });
      }
      const gt = typeof row.ground_truth === 'string' ? goldNumber(row.ground_truth) : null;
      const id = `${SHARED_GSM8K_ID_PREFIX}:${sharedIndex++}`;
      byId.set(id, {
        id,
        prompt: row.question as string,
        task: 'gsm8k',
        ...(gt !== null ? { gold: formatNumber(gt) } : {}),
        outcomes,
      });
      continue;
    }

    if (typeof row.id !== 'string' && typeof row.id !== 'number')
      throw new LlmError(
        `${file} line ${line}: neither a Gloss outcomes row (id, outcomes) nor a shared GSM8K outcomes row (question, <model>.is_correct)`,
      );
    if (!Array.isArray(row.outcomes)) throw new LlmError(`${file} line ${line}: no "outcomes" array`);
    const id = String(row.id);
    const rec = byId.get(id) ?? {
      id,
      prompt: '',
      task: typeof row.task === 'string' ? row.task : 'unknown',
      outcomes: [],
    };
    if (typeof row.prompt === 'string') rec.prompt = row.prompt;
    if (typeof row.gold === 'number') rec.gold = formatNumber(row.gold);
    else if (typeof row.gold === 'string') rec.gold = row.gold;
    for (const x of row.outcomes as Record<string, unknown>[]) {
      if (typeof x?.model !== 'string' || typeof x.correct !== 'boolean') continue; // not scored
      const entry: CommonOutcome = { model: x.model, correct: x.correct };
      if (x.answer !== undefined && x.answer !== null) entry.answer = String(x.answer);
      const at = rec.outcomes.findIndex((e) => e.model === x.model);
      if (at >= 0) rec.outcomes[at] = entry;
      else rec.outcomes.push(entry);
    }
    byId.set(id, rec);
  }
  const rows = [...byId.values()];
  if (o.target === undefined) return rows;

  const target = o.target;
  const picked: OutcomeRecord[] = [];
  for (const r of rows) {
    const t = r.outcomes.find((x) => x.model === target);
    if (t) picked.push({ ...r, failure: !t.correct });
  }
  if (!picked.length) {
    const models = outcomeModels(rows);
    throw new LlmError(
      `${file} has no outcomes for model ${JSON.stringify(target)}; models present: ${models.length ? models.join(', ') : '(none)'}`,
    );
  }
  return picked;
}

/** The models in a set of rows, in order of first appearance. */
export function outcomeModels(rows: readonly OutcomeRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const x of r.outcomes) seen.add(x.model);
  return [...seen];
}

/** Accuracy of one model over the rows that have it. */
export function modelAccuracy(
  rows: readonly OutcomeRecord[],
  model: string,
): { n: number; correct: number; accuracy: number } {
  let n = 0,
    correct = 0;
  for (const r of rows) {
    const x = r.outcomes.find((e) => e.model === model);
    if (!x) continue;
    n++;
    if (x.correct) correct++;
  }
  return { n, correct, accuracy: n ? correct / n : NaN };
}
