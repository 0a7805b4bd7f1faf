// The trainer's LLM-facing tools: the chat client, answer extraction, task sets, the outcomes
// collector and the outcomes reader.
export {
  ChatClient,
  LlmError,
  LlmConfigError,
  Semaphore,
  resolveEndpoint,
  chatCompletionsUrl,
  retryAfterMs,
  DEFAULT_API_KEY_ENV,
  BASE_URL_ENV,
  MODEL_ENV,
  CONFIGURE_HINT,
} from './client.ts';
export type { ChatClientOptions, ChatMessage, ChatResult } from './client.ts';
export {
  extractNumber,
  extractYesNo,
  goldNumber,
  goldLabel,
  parseNumber,
  sameNumber,
  formatNumber,
} from './answers.ts';
export type { NumericAnswer, LabelAnswer } from './answers.ts';
export { readTasks, renderPrompt, score, checkTaskType, DEFAULT_TEMPLATES, TASK_TYPES } from './tasks.ts';
export type { Task, TaskType } from './tasks.ts';
export { runOutcomes, formatOutcomesSummary, NO_ENDPOINT_OUTCOMES } from './outcomes.ts';
export type { OutcomesOptions, OutcomesSummary, OutcomesProgress, OutcomeRow, OutcomeEntry } from './outcomes.ts';
export { readOutcomes, outcomeModels, modelAccuracy, SHARED_GSM8K_ID_PREFIX } from './outcomes-format.ts';
export type { OutcomeRecord, CommonOutcome } from './outcomes-format.ts';
export { runUplift, formatUpliftReport, NO_ENDPOINT_UPLIFT } from '../evaluate/uplift.ts';
export type { UpliftOptions, UpliftReport, UpliftRow } from '../evaluate/uplift.ts';
export { runOutcomesCli, runUpliftCli } from './commands.ts';
export type { EndpointCliOptions, UpliftCliOptions } from './commands.ts';
