// OpenAI Responses: `instructions` is the system prompt; `input` is a string (one user turn) or a
// list of items. Items with a role are messages (content a string or parts `input_text`, and
// `output_text` on assistant turns); other items (function_call, function_call_output, reasoning,
// item_reference, ...) are never scanned.
import { describeType, isObject, type FormatAdapter, type ViewMessage } from './types.ts';

/**
 * OpenAI Responses (POST /v1/responses): `instructions` and `input` as a string or message items (OpenAI API
 * reference).
 */
export const openaiResponses: FormatAdapter = {
  id: 'openai-responses',
  apiFamily: 'openai',
  route: '/v1/responses',
  upstreamPath: '/responses',
  textPartTypes: ['input_text', 'output_text', 'text'],
  view(body) {
    if (!isObject(body)) return { ok: false, error: `request body: expected a JSON object, got ${describeType(body)}` };
    const messages: ViewMessage[] = [];
    const instructions = body.instructions;
    if (typeof instructions === 'string')
      messages.push({ role: 'system', content: instructions, path: ['instructions'] });
    else if (instructions !== undefined && instructions !== null)
      return { ok: false, error: `instructions: expected a string, got ${describeType(instructions)}` };
    const input = body.input;
    if (typeof input === 'string') messages.push({ role: 'user', content: input, path: ['input'] });
    else if (Array.isArray(input)) {
      for (const [i, item] of input.entries()) {
        if (!isObject(item))
          return { ok: false, error: `input[${i}]: expected an item object, got ${describeType(item)}` };
        // Items without a role (tool calls and their outputs, reasoning) are not messages.
        messages.push({
          role: typeof item.role === 'string' ? item.role : '',
          content: typeof item.role === 'string' ? (item.content as ViewMessage['content']) : undefined,
          path: ['input', i, 'content'],
        });
      }
    } else if (input !== undefined && input !== null) {
      return { ok: false, error: `input: expected a string or an array of items, got ${describeType(input)}` };
    }
    return { ok: true, messages };
  },
};
