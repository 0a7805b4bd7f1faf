// The command-line side of the LLM tools, for offline-training/cli.ts to wire in:
//   addOutcomesCommand(program)      registers `gloss-train outcomes`
//   runUpliftCli(options)            the body of `gloss-train evaluate --uplift`
// Both print their summary to stdout, progress to stderr (on a TTY), and throw LlmError for
// expected failures (the CLI prints the message on one line).
import { readFile, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_API_KEY_ENV, LlmError, resolveEndpoint } from './client.ts';
import { checkTaskType } from './tasks.ts';
import { formatOutcomesSummary, runOutcomes, type OutcomesSummary } from './outcomes.ts';
import { NO_ENDPOINT_UPLIFT, formatUpliftReport, runUplift, type UpliftReport } from '../evaluate/uplift.ts';

function count(name: string, min = 0) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return Number(v);
  };
}

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

function progressLine(label: string) {
  const tty = process.stderr.isTTY;
  return {
    update: (s: string) => {
      if (tty) process.stderr.write(`\r${label} ${s}\x1b[K`);
    },
    end: () => {
      if (tty) process.stderr.write('\n');
    },
  };
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

/** Adds the endpoint options (--base-url ... --max-tokens) to a command. */
export function addEndpointOptions(cmd: Command): Command {
  return cmd
    .option('--base-url <url>', 'OpenAI-compatible base URL, e.g. https://api.openai.com/v1 (or GLOSS_LLM_BASE_URL)')
    .option('--model <name>', 'model name (or GLOSS_LLM_MODEL)')
    .option(
      '--api-key-env <var>',
      `environment variable holding the API key (default ${DEFAULT_API_KEY_ENV}; unset means no key)`,
    )
    .option('--task-type <type>', 'gsm8k | yes-no (default: from the rows: a "label" field means yes-no)')
    .option('--prompt-template <text|@file>', 'instruction template with {prompt} and any {field} of the row')
    .option('--limit <n>', 'only the first n tasks', count('--limit', 1))
    .option('--concurrency <n>', 'requests in flight at once', count('--concurrency', 1), 4)
    .option('--retries <n>', 'retries on 429, 5xx, connection errors and timeouts', count('--retries'), 4)
    .option('--timeout-ms <n>', 'per-request timeout', count('--timeout-ms', 1), 60_000)
    .option('--max-tokens <n>', 'max_tokens of each completion', count('--max-tokens', 1));
}

export async function runOutcomesCli(o: EndpointCliOptions & { tasks: string; out: string }): Promise<OutcomesSummary> {
  const bar = progressLine('outcomes');
  const s = await runOutcomes({
    tasks: o.tasks,
    out: o.out,
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
    onProgress: (p) =>
      bar.update(`${p.done}/${p.total} (correct ${p.correct}, errors ${p.errors}, ${p.skipped} already done)`),
  }).finally(() => bar.end());
  console.log(formatOutcomesSummary(s));
  if (s.n === 0 && s.errors > 0)
    throw new LlmError(`all ${s.errors} requests failed; the first: ${s.errorSamples[0]?.message}`);
  return s;
}

/** Registers `gloss-train outcomes` on the program. */
export function addOutcomesCommand(program: Command): Command {
  const cmd = program
    .command('outcomes')
    .description('ask an LLM every task of a task set, score its answers, append them to an outcomes JSONL (resumable)')
    .requiredOption('--tasks <file>', 'JSONL task set: question/prompt and answer ("#### n") or label (1/0)')
    .requiredOption('--out <file>', 'outcomes JSONL to append to; rerun the same command to resume');
  addEndpointOptions(cmd).action(async (o) => {
    await runOutcomesCli(o);
  });
  return cmd;
}

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

/** Options of `evaluate --uplift` beyond the endpoint ones (for wiring into `evaluate`). */
export function addUpliftOptions(cmd: Command): Command {
  return cmd
    .option('--seed <n>', 'bootstrap seed', count('--seed'), 0)
    .option('--bootstrap <n>', 'bootstrap resamples', count('--bootstrap', 100), 2000)
    .option('--pairs-out <file>', 'write the per-task pairs (both prompts, answers, correctness) as JSONL')
    .option('--json <file>', 'write the whole report as JSON')
    .option(
      '--reuse-unchanged',
      'ask once where the rewrite changed nothing (saves requests; hides endpoint noise)',
      false,
    );
}

export async function runUpliftCli(o: UpliftCliOptions): Promise<UpliftReport> {
  resolveEndpoint(o, NO_ENDPOINT_UPLIFT); // before loading any model
  let rewrite = o.rewrite;
  if (!rewrite) {
    // Loaded only here: `outcomes` never pulls in onnxruntime.
    const [{ loadBundle }, { folderSource }, { GlossEngine }, { ortNodeBackend }] = await Promise.all([
      import('../../src/core/bundle/load.ts'),
      import('../../src/runtime/node/fs-source.ts'),
      import('../../src/core/engine.ts'),
      import('../../src/runtime/node/ort-node-backend.ts'),
    ]);
    const engine = await GlossEngine.create(
      await loadBundle(folderSource(o.bundle ?? 'models/default')),
      ortNodeBackend(),
    );
    rewrite = async (p) => (await engine.rewrite(p)).rewritten;
  }
  const bar = progressLine('uplift');
  const r = await runUplift({
    tasks: o.tasks,
    baseUrl: o.baseUrl,
    model: o.model,
    apiKeyEnv: o.apiKeyEnv,
    rewrite,
    taskType: checkTaskType(o.taskType),
    promptTemplate: await template(o.promptTemplate),
    limit: o.limit,
    concurrency: o.concurrency,
    retries: o.retries,
    timeoutMs: o.timeoutMs,
    maxTokens: o.maxTokens,
    seed: o.seed,
    bootstrap: o.bootstrap,
    reuseUnchanged: o.reuseUnchanged,
    out: o.pairsOut,
    onProgress: (p) => bar.update(`${p.done}/${p.total} (errors ${p.errors})`),
  }).finally(() => bar.end());
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
