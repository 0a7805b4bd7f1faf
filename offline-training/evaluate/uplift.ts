// The uplift A/B harness: does glossing a prompt make the LLM answer better?
//
// For every task it asks the endpoint twice, with the original prompt and with the prompt after
// `rewrite` (Gloss's rewriter, passed in by the caller), both through the same instruction
// template; scores both answers; and compares the pairs: accuracies, the discordant counts
// (b = original right and rewritten wrong, c = the reverse), McNemar's exact test and its
// chi-square with continuity correction, and a seeded paired bootstrap interval of the accuracy
// difference. The same is reported on the glossed subset (tasks where the rewrite changed the
// prompt): on the others both prompts are the same and only the endpoint's own noise can differ.
//
// A task whose request fails (after the client's retries) is left out of the comparison and
// counted in `errors`. 401/403/404 stop the run with an LlmError, as in `outcomes`.
import { writeFile } from 'node:fs/promises';
import { endpointClient, LlmError } from '../llm/client.ts';
import {
  DEFAULT_TEMPLATES,
  isFatalStatus,
  readTasks,
  renderPrompt,
  runPool,
  score,
  type Task,
  type TaskType,
} from '../llm/tasks.ts';
import { pairedComparison, type PairedResult } from '../learn/paired-stats.ts';

/** The message when no LLM endpoint is configured for `evaluate --uplift`. */
export const NO_ENDPOINT_UPLIFT = 'no LLM endpoint configured: uplift cannot be measured here';

/** Options of runUplift: the task set, the endpoint, the rewriter, the bootstrap. */
export interface UpliftOptions {
  /** JSONL task set (see llm/tasks.ts for the fields). */
  tasks: string;
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  /** Gloss's rewriter: the task text in, the (possibly) glossed text out. */
  rewrite: (prompt: string) => Promise<string> | string;
  taskType?: TaskType;
  /** With {prompt}; default per task type. */
  promptTemplate?: string;
  /** Tasks in flight at once (each sends two requests; the client caps requests at this too). Default 4. */
  concurrency?: number;
  /** The first `limit` tasks of the file. */
  limit?: number;
  /** Seed of the bootstrap (default 0). */
  seed?: number;
  /** Bootstrap resamples (default 2000). */
  bootstrap?: number;
  /** When the rewrite leaves a prompt unchanged, reuse the original answer instead of asking again. */
  reuseUnchanged?: boolean;
  retries?: number;
  timeoutMs?: number;
  maxTokens?: number;
  backoffMs?: number;
  /** Optional JSONL of the per-task pairs. */
  out?: string;
  onProgress?: (p: { done: number; total: number; errors: number }) => void;
  env?: Record<string, string | undefined>;
}

/** One prompt's side of a pair: the answer extracted and whether it was right. */
export interface UpliftSide {
  correct: boolean;
  answer: number | null;
  raw: string;
}

/** One task asked both ways: both prompts and both sides. */
export interface UpliftRow {
  id: string;
  glossed: boolean;
  prompt: string;
  rewrittenPrompt: string;
  original: UpliftSide;
  rewritten: UpliftSide;
}

/** The A/B result: accuracy both ways with McNemar's test and a bootstrap interval, per-task rows, errors. */
export interface UpliftReport {
  model: string;
  taskType: TaskType;
  /** Tasks read (after limit). */
  tasks: number;
  /** Tasks where the rewrite changed the prompt (errors included). */
  glossedTasks: number;
  errors: number;
  errorSamples: { id: string; message: string }[];
  /** All compared tasks. */
  all: PairedResult;
  /** Compared tasks whose prompt the rewrite changed. */
  glossed: PairedResult;
  rows: UpliftRow[];
}

/**
 * Asks the endpoint every task twice, with the original and the glossed prompt, and compares accuracy: McNemar's
 * exact test and a paired bootstrap interval of the difference (seeded). Rewrites all prompts first, so a
 * rewriter failure stops the run before any request. Throws LlmError on a bad endpoint or task file.
 */
export async function runUplift(opts: UpliftOptions): Promise<UpliftReport> {
  const { client, model, concurrency } = endpointClient(opts, NO_ENDPOINT_UPLIFT);
  const { tasks, taskType } = await readTasks(opts.tasks, { taskType: opts.taskType, limit: opts.limit });
  const template = opts.promptTemplate ?? DEFAULT_TEMPLATES[taskType];
  renderPrompt(template, tasks[0]);

  // Rewrites first: a rewriter failure is Gloss's own and stops the run before any request.
  const rewritten: string[] = [];
  for (const t of tasks) rewritten.push(await opts.rewrite(t.prompt));
  const glossedTasks = tasks.filter((t, i) => rewritten[i] !== t.prompt).length;

  const results: (UpliftRow | undefined)[] = new Array(tasks.length);
  const errorSamples: { id: string; message: string }[] = [];
  let errors = 0,
    done = 0;
  let fatal: LlmError | undefined;

  const ask = async (task: Task, prompt: string): Promise<UpliftSide> => {
    const res = await client.complete(renderPrompt(template, task, prompt));
    return { ...score(task, res.content), raw: res.content };
  };

  await runPool(
    tasks,
    concurrency,
    async (task, i) => {
      const glossed = rewritten[i] !== task.prompt;
      try {
        const [a, b] =
          glossed || !opts.reuseUnchanged
            ? await Promise.all([ask(task, task.prompt), ask(task, rewritten[i])])
            : await ask(task, task.prompt).then((x) => [x, x] as const);
        results[i] = {
          id: task.id,
          glossed,
          prompt: task.prompt,
          rewrittenPrompt: rewritten[i],
          original: a,
          rewritten: b,
        };
      } catch (err) {
        if (!(err instanceof LlmError)) throw err;
        errors++;
        if (errorSamples.length < 5) errorSamples.push({ id: task.id, message: err.message });
        if (!fatal && isFatalStatus(err.status)) fatal = err;
      }
      done++;
      opts.onProgress?.({ done, total: tasks.length, errors });
    },
    () => fatal !== undefined,
  );
  if (fatal) throw fatal;

  const rows = results.filter((r): r is UpliftRow => r !== undefined);
  const stats = { seed: opts.seed ?? 0, resamples: opts.bootstrap ?? 2000 };
  const compare = (rs: UpliftRow[]) =>
    pairedComparison(
      rs.map((r) => r.original.correct),
      rs.map((r) => r.rewritten.correct),
      stats,
    );

  if (opts.out)
    await writeFile(opts.out, rows.map((r) => JSON.stringify({ ...r, model })).join('\n') + (rows.length ? '\n' : ''));

  return {
    model,
    taskType,
    tasks: tasks.length,
    glossedTasks,
    errors,
    errorSamples,
    all: compare(rows),
    glossed: compare(rows.filter((r) => r.glossed)),
    rows,
  };
}

function fmtP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function fmtSection(title: string, r: PairedResult): string[] {
  if (r.n === 0) return [`${title}: no tasks`];
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const pp = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
  return [
    `${title} (n=${r.n}): original ${pct(r.accuracyOriginal)} (${r.correctOriginal}), glossed ${pct(r.accuracyRewritten)} (${r.correctRewritten}), difference ${pp(r.difference)} points`,
    `  discordant: b=${r.b} (original right, glossed wrong), c=${r.c} (glossed right, original wrong)`,
    `  McNemar exact p=${fmtP(r.mcnemar.exactP)}; chi-square ${r.mcnemar.chi2.toFixed(2)} (continuity-corrected) p=${fmtP(r.mcnemar.chi2P)}`,
    `  paired bootstrap ${Math.round(r.bootstrap.level * 100)}% interval of the difference: [${pp(r.bootstrap.lo)}, ${pp(r.bootstrap.hi)}] points (${r.bootstrap.resamples} resamples)`,
  ];
}

/** The report as the CLI prints it. */
export function formatUpliftReport(r: UpliftReport): string {
  return [
    `uplift of ${r.model} on ${r.tasks} ${r.taskType} tasks; the rewrite changed ${r.glossedTasks}; errors ${r.errors}`,
    ...r.errorSamples.map((e) => `  ${e.id}: ${e.message}`),
    ...fmtSection('all tasks', r.all),
    ...fmtSection('glossed tasks', r.glossed),
  ].join('\n');
}
