// Options of the commands that ask an OpenAI-compatible endpoint (`outcomes`, `evaluate --uplift`).
import { z } from 'zod';
import { DEFAULT_API_KEY_ENV } from '../llm/client.ts';
import { TASK_TYPES, type TaskType } from '../llm/tasks.ts';
import { flag, int } from '../util/option-schema.ts';

/** The endpoint and request options both commands share. */
export const EndpointOptions = z.object({
  baseUrl: flag(
    z.string().optional(),
    'url',
    'OpenAI-compatible base URL, e.g. https://api.openai.com/v1 (or GLOSS_LLM_BASE_URL)',
  ),
  model: flag(z.string().optional(), 'name', 'model name (or GLOSS_LLM_MODEL)'),
  apiKeyEnv: flag(
    z.string().optional(),
    'var',
    `environment variable holding the API key (default ${DEFAULT_API_KEY_ENV}; unset means no key)`,
  ),
  taskType: flag(
    z.enum(TASK_TYPES as [TaskType, ...TaskType[]]).optional(),
    'type',
    'task type (default: from the rows: a "label" field means yes-no)',
  ),
  promptTemplate: flag(
    z.string().optional(),
    'text|@file',
    'instruction template with {prompt} and any {field} of the row',
  ),
  limit: flag(int(1).optional(), 'n', 'only the first n tasks'),
  concurrency: flag(int(1).default(4), 'n', 'requests in flight at once'),
  retries: flag(int(0).default(4), 'n', 'retries on 429, 5xx, connection errors and timeouts'),
  timeoutMs: flag(int(1).default(60_000), 'n', 'per-request timeout'),
  maxTokens: flag(int(1).optional(), 'n', 'max_tokens of each completion'),
});

/** `evaluate --uplift`'s options beyond the endpoint ones. */
export const UpliftOptions = z.object({
  seed: flag(int(0).default(0), 'n', 'bootstrap seed'),
  bootstrap: flag(int(100).default(2000), 'n', 'bootstrap resamples'),
  pairsOut: flag(
    z.string().optional(),
    'file',
    'write the per-task pairs (both prompts, answers, correctness) as JSONL',
  ),
  json: flag(z.string().optional(), 'file', 'write the whole report as JSON'),
  reuseUnchanged: flag(
    z.boolean().default(false),
    '',
    'ask once where the rewrite changed nothing (saves requests; hides endpoint noise)',
  ),
});
