// Request adapters for the APIs the proxy speaks.
import { anthropicMessages } from './anthropic-messages.ts';
import { openaiChat } from './openai-chat.ts';
import { openaiResponses } from './openai-responses.ts';
import type { FormatAdapter } from './types.ts';

export * from './types.ts';
export { applyEdits, editsOf } from './gloss-body.ts';
export { openaiChat, openaiResponses, anthropicMessages };

/** Every request format the proxy speaks. */
export const FORMATS: readonly FormatAdapter[] = [openaiChat, openaiResponses, anthropicMessages];
