// Task sets for the LLM tools: JSONL rows read into { id, prompt, gold }, the default instruction
// templates, and scoring of a model's output against the gold answer.
//
// A row's prompt is `question`, `prompt` or `text`; for metaphor rows with `sentence` and `verb`
// (the MOH-X / VUA columns) it is 'Is the verb "<verb>" used metaphorically in this sentence?'
// followed by the sentence. The gold answer:
//   gsm8k:  `answer` ("... #### 72" or a number), else `ground_truth` ("... A: 72"), else `gold`
//   yes-no: `label` (1/0, "yes"/"no", "metaphorical"/"literal", true/false), else `answer`, `gold`
// The id is the row's `id` when it has one, else "<file stem>:<0-based row index>".
import { basename, extname } from 'node:path';
import { LlmError } from './client.ts';
import { extractNumber, extractYesNo, goldLabel, goldNumber, sameNumber } from './answers.ts';
import { jsonlObjects, readTextFile } from '../util/jsonl.ts';

/** Task kinds: GSM8K-style numeric answers, or yes/no labels. */
export type TaskType = 'gsm8k' | 'yes-no';
/** Every TaskType, for option checks. */
export const TASK_TYPES: readonly TaskType[] = ['gsm8k', 'yes-no'];

/** One task of a task set: id, the prompt text, the gold answer, and the row's other fields for templates. */
export interface Task {
  id: string;
  /** The task text as the detector and the rewriter see it (no instructions). */
  prompt: string;
  task: TaskType;
  /** A number for gsm8k, 1/0 for yes-no. */
  gold: number;
  /** The row as read, for template placeholders. */
  fields: Record<string, unknown>;
}

/** The instruction template per task type; `{prompt}` is the task text. */
export const DEFAULT_TEMPLATES: Record<TaskType, string> = {
  gsm8k:
    '{prompt}\n\nSolve the problem step by step. Then give the final answer on its own last line in the form "#### <number>" (the number only, no units).',
  'yes-no':
    '{prompt}\n\nAnswer yes or no. Reason briefly if you need to, then end with a last line of the form "Answer: yes" or "Answer: no".',
};

/** The task type when it is one of TASK_TYPES (undefined stays undefined); throws LlmError otherwise. */
export function checkTaskType(t: string | undefined): TaskType | undefined {
  if (t === undefined) return undefined;
  if (!(TASK_TYPES as readonly string[]).includes(t))
    throw new LlmError(`task type must be one of ${TASK_TYPES.join(', ')}, got ${JSON.stringify(t)}`);
  return t as TaskType;
}

function promptOf(row: Record<string, unknown>): string | undefined {
  for (const k of ['question', 'prompt', 'text'] as const)
    if (typeof row[k] === 'string' && row[k]) return row[k] as string;
  if (typeof row.sentence === 'string' && typeof row.verb === 'string') {
    return `Is the verb "${row.verb}" used metaphorically in this sentence?\n\n${row.sentence.trim()}`;
  }
  return undefined;
}

function goldOf(row: Record<string, unknown>, type: TaskType): number | null {
  if (type === 'gsm8k') {
    for (const k of ['answer', 'ground_truth', 'gold'] as const) {
      const v = row[k];
      if (typeof v === 'string' || typeof v === 'number') return goldNumber(v);
    }
    return null;
  }
  for (const k of ['label', 'answer', 'gold'] as const) if (row[k] !== undefined) return goldLabel(row[k]);
  return null;
}

function inferType(row: Record<string, unknown>): TaskType {
  if (row.label !== undefined) return 'yes-no';
  if (typeof row.answer === 'string' && goldLabel(row.answer) !== null && !/\d/.test(row.answer)) return 'yes-no';
  return 'gsm8k';
}

/** Read a JSONL task set. `limit` keeps the first rows. Errors name the file and line. */
export async function readTasks(
  file: string,
  o: { taskType?: TaskType; limit?: number } = {},
): Promise<{ tasks: Task[]; taskType: TaskType }> {
  const text = await readTextFile(file, 'task', (m) => new LlmError(m));
  const stem = basename(file, extname(file));
  const tasks: Task[] = [];
  const seen = new Set<string>();
  let type = o.taskType;
  let index = 0;
  for (const { line, row } of jsonlObjects(text, file, { error: (m) => new LlmError(m) })) {
    if (o.limit !== undefined && tasks.length >= o.limit) break;
    type ??= inferType(row);
    const prompt = promptOf(row);
    if (prompt === undefined)
      throw new LlmError(
        `${file} line ${line}: no task text (expected a "question", "prompt" or "text" field, or "sentence" and "verb")`,
      );
    const gold = goldOf(row, type);
    if (gold === null) {
      const want =
        type === 'gsm8k'
          ? '"answer" with "#### <number>", or "ground_truth" with "A: <number>"'
          : '"label" (1/0 or yes/no)';
      throw new LlmError(`${file} line ${line}: no gold answer for a ${type} task (expected ${want})`);
    }
    const id = typeof row.id === 'string' || typeof row.id === 'number' ? String(row.id) : `${stem}:${index}`;
    if (seen.has(id)) throw new LlmError(`${file} line ${line}: duplicate id ${JSON.stringify(id)}`);
    seen.add(id);
    tasks.push({ id, prompt, task: type, gold, fields: row });
    index++;
  }
  if (!tasks.length) throw new LlmError(`${file} has no tasks`);
  return { tasks, taskType: type! };
}

/** Fill a template: {prompt} is the task text (required); {field} is a field of the row. */
export function renderPrompt(template: string, task: Task, prompt = task.prompt): string {
  if (!template.includes('{prompt}')) throw new LlmError('the prompt template must contain {prompt}');
  return template.replace(/\{(\w+)\}/g, (m, k: string) => {
    if (k === 'prompt') return prompt;
    const v = task.fields[k];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : m;
  });
}

/** An extracted answer (null when none was found) and whether it matches the gold. */
export interface Scored {
  /** The extracted answer (a number, or 1/0), null when none was found. */
  answer: number | null;
  correct: boolean;
}

/**
 * The answer extracted from an LLM output and whether it matches the task's gold (numbers compared as numbers,
 * yes/no as labels).
 */
export function score(task: Task, output: string): Scored {
  if (task.task === 'gsm8k') {
    const a = extractNumber(output);
    return { answer: a?.value ?? null, correct: a !== null && sameNumber(a.value, task.gold) };
  }
  const a = extractYesNo(output);
  return { answer: a?.value ?? null, correct: a !== null && a.value === task.gold };
}

/**
 * Run `fn` over items with at most `concurrency` at once; stops taking new items once `stop()`
 * says so (items already started finish).
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/** Statuses that would fail every request the same way (key, permissions, model or URL). */
export function isFatalStatus(status: number | undefined): boolean {
  return status === 401 || status === 403 || status === 404;
}
