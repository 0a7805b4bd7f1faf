// Anthropic Messages: `system` is a string or a list of blocks `{ type: 'text', text }`;
// `messages` alternate user / assistant with content a string or blocks. Only `text` blocks are
// scanned: image, document, tool_use and tool_result blocks (and text nested inside a
// tool_result) pass by untouched.
import { describeType, isObject, messageList, type FormatAdapter, type ViewMessage } from './types.ts';

/** Anthropic Messages API (POST /v1/messages): system and user/assistant texts (Anthropic API reference). */
export const anthropicMessages: FormatAdapter = {
  id: 'anthropic-messages',
  apiFamily: 'anthropic',
  route: '/v1/messages',
  upstreamPath: '/messages',
  textPartTypes: ['text'],
  view(body) {
    if (!isObject(body)) return { ok: false, error: `request body: expected a JSON object, got ${describeType(body)}` };
    const out: ViewMessage[] = [];
    const system = body.system;
    if (typeof system === 'string' || Array.isArray(system))
      out.push({ role: 'system', content: system as ViewMessage['content'], path: ['system'] });
    else if (system !== undefined && system !== null)
      return { ok: false, error: `system: expected a string or an array of text blocks, got ${describeType(system)}` };
    const messages = messageList(body, 'messages');
    if (typeof messages === 'string') return { ok: false, error: messages };
    out.push(...messages);
    return { ok: true, messages: out };
  },
};
