// OpenAI Chat Completions: `messages` with roles system / developer / user / assistant / tool;
// content a string or parts `{ type: 'text', text }` (image_url, input_audio, file parts pass by).
import { isObject, describeType, messageList, type FormatAdapter } from './types.ts';

/**
 * OpenAI Chat Completions (POST /v1/chat/completions): message contents, strings or text parts (OpenAI API
 * reference).
 */
export const openaiChat: FormatAdapter = {
  id: 'openai-chat',
  apiFamily: 'openai',
  route: '/v1/chat/completions',
  upstreamPath: '/chat/completions',
  textPartTypes: ['text'],
  view(body) {
    if (!isObject(body)) return { ok: false, error: `request body: expected a JSON object, got ${describeType(body)}` };
    const messages = messageList(body, 'messages');
    return typeof messages === 'string' ? { ok: false, error: messages } : { ok: true, messages };
  },
};
