// The command-line side of the LLM tools (their flags: endpoint-options.ts):
//   runOutcomesCli(options)          the body of `gloss-train outcomes`
//   runUpliftCli(options)            the body of `gloss-train evaluate --uplift`
// Both print their summary to stdout, progress to stderr (on a TTY), and throw LlmError for
// expected failures (the CLI prints the message on one line).
import { readFile, writeFile } from 'node:fs/promises';
import { jobProgress } from '../util/progress.ts';
import { LlmError, resolveEndpoint } from '../llm/client.ts';
import { checkTaskType } from '../llm/tasks.ts';
import { formatOutcomesSummary, runOutcomes, type OutcomesSummary } from '../llm/outcomes.ts';
import { NO_ENDPOINT_UPLIFT, formatUpliftReport, runUplift, type UpliftReport } from '../evaluate/uplift.ts';

/** --prompt-template: the text itself, or @file to read it from a file. */
async function template(v: string | undefined): Promise<string | undefined> {
  if (v === undefined || !v.startsWith('@')) return v;
  try {
    return await readFile(v.slice(1), 'utf8');
  } catch (err) {
    throw new LlmError(
      `cannot read the prompt template ${v.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** The options both commands share, as commander passes them. */
export interface EndpointCliOptions {
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  taskType?: string;
  promptTemplate?: string;
  limit?: number;
  concurrency?: number;
  retries?: number;
  timeoutMs?: number;
  maxTokens?: number;
}

/** The endpoint options as runOutcomes and runUplift take them: task type checked, `@file` template read. */
async function endpointOptions(o: EndpointCliOptions) {
  return {
    baseUrl: o.baseUrl,
    model: o.model,
    apiKeyEnv: o.apiKeyEnv,
    taskType: checkTaskType(o.taskType),
    promptTemplate: await template(o.promptTemplate),
    limit: o.limit,
    concurrency: o.concurrency,
    retries: o.retries,
    timeoutMs: o.timeoutMs,
    maxTokens: o.maxTokens,
  };
}

/**
 * The body of `gloss-train outcomes`: runs runOutcomes with a progress bar, prints the summary, and throws
 * LlmError when every request failed.
 */
export async function runOutcomesCli(o: EndpointCliOptions & { tasks: string; out: string }): Promise<OutcomesSummary> {
  const bar = jobProgress(
    'outcomes [{bar}] {value}/{total} | correct {correct}, errors {errors}, {skipped} already done',
  );
  const s = await runOutcomes({
    tasks: o.tasks,
    out: o.out,
    ...(await endpointOptions(o)),
    onProgress: (p) => bar.update(p.done, p.total, p),
  }).finally(() => bar.stop());
  console.log(formatOutcomesSummary(s));
  if (s.n === 0 && s.errors > 0)
    throw new LlmError(`all ${s.errors} requests failed; the first: ${s.errorSamples[0]?.message}`);
  return s;
}

/** Options of runUpliftCli (the flags of `evaluate --uplift`, typed). */
export interface UpliftCliOptions extends EndpointCliOptions {
  tasks: string;
  /** Bundle folder whose rules rewrite the prompts (default models/default). */
  bundle?: string;
  seed?: number;
  bootstrap?: number;
  /** Per-task pairs JSONL (--pairs-out). */
  pairsOut?: string;
  /** The whole report as JSON. */
  json?: string;
  reuseUnchanged?: boolean;
  /** For tests and embedding: a rewriter instead of loading `bundle`. */
  rewrite?: (prompt: string) => Promise<string> | string;
}

/**
 * The body of `gloss-train evaluate --uplift`: loads the bundle's rewriter (unless `rewrite` is given), runs
 * runUplift with a progress bar, prints the report, writes --json / --pairs-out. Throws LlmError when no task
 * could be compared.
 */
export async function runUpliftCli(o: UpliftCliOptions): Promise<UpliftReport> {
  resolveEndpoint(o, NO_ENDPOINT_UPLIFT); // before loading any model
  let rewrite = o.rewrite;
  if (!rewrite) {
    // Loaded only here: `outcomes` never pulls in onnxruntime.
    const [{ loadBundle }, { folderSource }, { GlossEngine }, { ortNodeBackend }] = await Promise.all([
      import('../../src/core/bundle/load.ts'),
      import('../../src/runtime/node/fs-source.ts'),
      import('../../src/core/engine/engine.ts'),
      import('../../src/runtime/node/ort-node-backend.ts'),
    ]);
    const engine = await GlossEngine.create(
      await loadBundle(folderSource(o.bundle ?? 'models/default')),
      ortNodeBackend(),
    );
    rewrite = async (p) => (await engine.rewrite(p)).rewritten;
  }
  const bar = jobProgress('uplift [{bar}] {value}/{total} | errors {errors}');
  const r = await runUplift({
    tasks: o.tasks,
    ...(await endpointOptions(o)),
    rewrite,
    seed: o.seed,
    bootstrap: o.bootstrap,
    reuseUnchanged: o.reuseUnchanged,
    out: o.pairsOut,
    onProgress: (p) => bar.update(p.done, p.total, p),
  }).finally(() => bar.stop());
  console.log(formatUpliftReport(r));
  if (o.json) {
    const { rows, ...summary } = r;
    await writeFile(
      o.json,
      JSON.stringify(
        {
          ...summary,
          rows: rows.map(({ original, rewritten, ...x }) => ({
            ...x,
            originalCorrect: original.correct,
            rewrittenCorrect: rewritten.correct,
            originalAnswer: original.answer,
            rewrittenAnswer: rewritten.answer,
          })),
        },
        null,
        2,
      ),
    );
  }
  if (r.all.n === 0)
    throw new LlmError(`no task could be compared: all ${r.errors} failed; the first: ${r.errorSamples[0]?.message}`);
  return r;
}
