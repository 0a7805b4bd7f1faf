// gloss-train outcomes: ask an LLM every task of a task set, score its answers, and append one
// JSON line per task to the outcomes file:
//
//   {"id":"train:0","prompt":"Natalia sold ...","task":"gsm8k","gold":72,
//    "outcomes":[{"model":"gpt-x","correct":true,"answer":72,"raw":"... #### 72"}]}
//
// Rows are appended as they complete (one write per line), so a crash loses at most the requests
// in flight. A rerun skips every (id, model) pair already in the file: the same file can collect
// several models, one row per (id, model) run; readOutcomes merges them by id. A partial last line
// left by a crash is cut off before appending (and a whole last row without its newline ended).
//
// Errors: 429, 5xx, connection errors and timeouts are retried by the client. A request that
// still fails, or fails with another 4xx (400, 413, 422, ...), is NOT written to the file (a rerun
// tries it again); it is counted in the summary with its message. 401, 403 and 404 (key,
// permission, model or URL problems that would fail every request) stop the run at once, as do
// `maxConsecutiveErrors` failures in a row (default 10); the run then throws an LlmError after the
// requests in flight have finished and been written.
import { open, readFile, truncate } from 'node:fs/promises';
import { endpointClient, LlmError } from './client.ts';
import {
  DEFAULT_TEMPLATES,
  isFatalStatus,
  readTasks,
  renderPrompt,
  runPool,
  score,
  type Scored,
  type Task,
  type TaskType,
} from './tasks.ts';

/** One model's result on a task: the extracted answer, correctness, and the full output. */
export interface OutcomeEntry {
  model: string;
  correct: boolean;
  /** The extracted answer (a number, or 1/0 for yes-no); null when none was found. */
  answer: number | null;
  /** The model's full text. */
  raw: string;
}

/** One line of an outcomes JSONL: the task and the outcomes of each model asked. */
export interface OutcomeRow {
  id: string;
  prompt: string;
  task: TaskType;
  gold: number;
  outcomes: OutcomeEntry[];
}

/** Progress of an outcomes run: tasks done, total, correct, errors, skipped (already in the file). */
export interface OutcomesProgress {
  done: number;
  total: number;
  correct: number;
  errors: number;
  skipped: number;
}

/** Options of runOutcomes: task set, outcomes file, endpoint, template, concurrency and retries. */
export interface OutcomesOptions {
  /** JSONL task set. */
  tasks: string;
  /** Outcomes JSONL, appended to (created when absent). */
  out: string;
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  concurrency?: number;
  retries?: number;
  timeoutMs?: number;
  maxTokens?: number;
  taskType?: TaskType;
  /** With {prompt} (and any {field} of the row); default per task type. */
  promptTemplate?: string;
  /** Only the first `limit` tasks of the file. */
  limit?: number;
  /** Stop after this many failed tasks in a row (default 10). */
  maxConsecutiveErrors?: number;
  /** First backoff step in ms (default 500). */
  backoffMs?: number;
  onProgress?: (p: OutcomesProgress) => void;
  /** Environment for GLOSS_LLM_* and the API key (default process.env). */
  env?: Record<string, string | undefined>;
}

/** What an outcomes run did: tasks asked and skipped, accuracy, errors with samples. */
export interface OutcomesSummary {
  out: string;
  model: string;
  taskType: TaskType;
  /** Tasks considered (after limit). */
  total: number;
  /** Already in the file for this model, not asked again. */
  skipped: number;
  /** Asked and scored in this run. */
  n: number;
  correct: number;
  accuracy: number;
  errors: number;
  /** Up to 5 failed tasks with their messages. */
  errorSamples: { id: string; message: string }[];
  /** This model over the whole file (earlier runs included). */
  overall: { n: number; correct: number; accuracy: number };
  /** Whether a partial last line (left by a crash mid-write) was cut off before appending. */
  droppedPartialLine: boolean;
  /** Other lines of the existing file that are not JSON (ignored). */
  unreadableLines: number;
}

/** The message when no LLM endpoint is configured for `outcomes`. */
export const NO_ENDPOINT_OUTCOMES = 'no LLM endpoint is configured: outcomes cannot be collected';

interface Existing {
  done: Set<string>;
  correct: number;
  n: number;
  unreadable: number;
  /** The file's last line has no newline: cut it at this byte length (partial row) or end it. */
  partialAt?: number;
  missingNewline: boolean;
}

async function readExisting(file: string, model: string): Promise<Existing> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { done: new Set(), correct: 0, n: 0, unreadable: 0, missingNewline: false };
    throw new LlmError(
      `cannot read the outcomes file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let partialAt: number | undefined;
  let missingNewline = false;
  if (buf.length && buf[buf.length - 1] !== 0x0a) {
    const start = buf.lastIndexOf(0x0a) + 1;
    try {
      JSON.parse(buf.subarray(start).toString('utf8'));
      missingNewline = true;
    } catch {
      partialAt = start;
      buf = buf.subarray(0, start);
    }
  }
  const done = new Set<string>();
  let correct = 0,
    unreadable = 0;
  for (const line of buf.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    let row: Partial<OutcomeRow>;
    try {
      row = JSON.parse(line);
    } catch {
      unreadable++;
      continue;
    }
    if (typeof row.id !== 'string' || !Array.isArray(row.outcomes)) continue;
    for (const o of row.outcomes) {
      if (o?.model === model && typeof o.correct === 'boolean' && !done.has(row.id)) {
        done.add(row.id);
        if (o.correct) correct++;
      }
    }
  }
  return { done, correct, n: done.size, unreadable, partialAt, missingNewline };
}

/**
 * Asks the endpoint every task not yet in `out`, scores the answers and appends one JSONL row per task
 * (resumable; a crash leaves at most a truncated last line). Returns the summary; throws LlmError for a bad
 * endpoint, task file or template.
 */
export async function runOutcomes(opts: OutcomesOptions): Promise<OutcomesSummary> {
  const { client, model, concurrency } = endpointClient(opts, NO_ENDPOINT_OUTCOMES);
  const { tasks, taskType } = await readTasks(opts.tasks, { taskType: opts.taskType, limit: opts.limit });
  const template = opts.promptTemplate ?? DEFAULT_TEMPLATES[taskType];
  if (tasks.length) renderPrompt(template, tasks[0]); // template errors before any request

  const existing = await readExisting(opts.out, model);
  const todo = tasks.filter((t) => !existing.done.has(t.id));
  const skipped = tasks.length - todo.length;

  const maxConsecutive = opts.maxConsecutiveErrors ?? 10;
  const tally: OutcomeTally = { n: 0, correct: 0, errors: 0, consecutive: 0, errorSamples: [] };
  const progress = () =>
    opts.onProgress?.({
      done: tally.n + tally.errors,
      total: todo.length,
      correct: tally.correct,
      errors: tally.errors,
      skipped,
    });

  if (todo.length && existing.partialAt !== undefined) await truncate(opts.out, existing.partialAt);
  const fh = todo.length ? await open(opts.out, 'a') : undefined;
  let writes: Promise<unknown> = Promise.resolve();
  const append = (s: string) => (writes = writes.then(() => fh!.appendFile(s, 'utf8')));
  try {
    if (fh && existing.missingNewline) void append('\n'); // awaited through `writes`
    await runPool(
      todo,
      concurrency,
      async (task) => {
        try {
          const res = await client.complete(renderPrompt(template, task));
          const s = score(task, res.content);
          await append(`${JSON.stringify(outcomeRow(task, model, s, res.content))}\n`);
          tally.n++;
          if (s.correct) tally.correct++;
          tally.consecutive = 0;
        } catch (err) {
          if (!recordFailure(tally, task.id, err, maxConsecutive)) return;
        }
        progress();
      },
      () => tally.fatal !== undefined || tally.crash !== undefined,
    );
  } finally {
    await writes.catch(() => undefined);
    await fh?.close();
  }
  const { n, fatal } = tally;
  if (tally.crash) throw tally.crash;
  if (fatal)
    throw new LlmError(`${fatal.message} (${n} rows written to ${opts.out} before stopping)`, { status: fatal.status });
  return outcomesSummary(opts.out, model, taskType, tasks.length, skipped, todo.length, existing, tally);
}

/** Counters the pool's workers share while runOutcomes runs, and why it stopped early, if it did. */
interface OutcomeTally {
  n: number;
  correct: number;
  errors: number;
  consecutive: number;
  errorSamples: { id: string; message: string }[];
  fatal?: LlmError;
  /** A bug or a write failure: stop taking tasks, rethrow after the rest finish. */
  crash?: unknown;
}

/** The JSONL row for one scored task. */
function outcomeRow(task: Task, model: string, s: Scored, raw: string): OutcomeRow {
  return {
    id: task.id,
    prompt: task.prompt,
    task: task.task,
    gold: task.gold,
    outcomes: [{ model, correct: s.correct, answer: s.answer, raw }],
  };
}

/**
 * Counts a failed task into the tally, setting `fatal` on a fatal status or too many failures in a row.
 * Returns false for a non-LlmError (kept as `crash`), which does not count as progress.
 */
function recordFailure(tally: OutcomeTally, id: string, err: unknown, maxConsecutive: number): boolean {
  if (!(err instanceof LlmError)) {
    tally.crash ??= err;
    return false;
  }
  tally.errors++;
  tally.consecutive++;
  if (tally.errorSamples.length < 5) tally.errorSamples.push({ id, message: err.message });
  if (!tally.fatal && isFatalStatus(err.status)) tally.fatal = err;
  else if (!tally.fatal && tally.consecutive >= maxConsecutive) {
    tally.fatal = new LlmError(
      `stopped after ${tally.consecutive} failed requests in a row; the last: ${err.message}`,
      {
        status: err.status,
      },
    );
  }
  return true;
}

/** The run's summary: this run's counts plus the model's totals over the whole file. */
function outcomesSummary(
  out: string,
  model: string,
  taskType: TaskType,
  total: number,
  skipped: number,
  todoCount: number,
  existing: Existing,
  tally: OutcomeTally,
): OutcomesSummary {
  const { n, correct, errors, errorSamples } = tally;
  const overallN = existing.n + n,
    overallCorrect = existing.correct + correct;
  return {
    out,
    model,
    taskType,
    total,
    skipped,
    n,
    correct,
    accuracy: n ? correct / n : NaN,
    errors,
    errorSamples,
    overall: { n: overallN, correct: overallCorrect, accuracy: overallN ? overallCorrect / overallN : NaN },
    droppedPartialLine: todoCount > 0 && existing.partialAt !== undefined,
    unreadableLines: existing.unreadable,
  };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');

/** The summary as the CLI prints it. */
export function formatOutcomesSummary(s: OutcomesSummary): string {
  const lines = [
    `${s.model} on ${s.total} ${s.taskType} tasks: ${s.n} asked now, ${s.skipped} already in ${s.out}`,
    `accuracy this run: ${pct(s.accuracy)} (${s.correct}/${s.n}); overall in the file: ${pct(s.overall.accuracy)} (${s.overall.correct}/${s.overall.n})`,
    `errors: ${s.errors}${s.errors ? ' (not written; rerun the same command to retry them)' : ''}`,
  ];
  for (const e of s.errorSamples) lines.push(`  ${e.id}: ${e.message}`);
  if (s.droppedPartialLine) lines.push(`a partial last line in ${s.out} (from an interrupted run) was removed`);
  if (s.unreadableLines) lines.push(`${s.unreadableLines} unreadable line(s) in ${s.out} were ignored`);
  return lines.join('\n');
}
