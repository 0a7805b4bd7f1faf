// What the fake LLM upstream answers, without any server: request views and reply bodies for the
// three APIs Gloss proxies, in the providers' own shapes. No Node imports, so the same code runs
// in the Node fake (fake-llm.ts) and in the workerd fake (test/workers/proxy-upstream-worker.ts).
//
//   POST /v1/chat/completions  OpenAI Chat Completions: chat.completion JSON, or SSE
//                              chat.completion.chunk events ending with `data: [DONE]`
//   POST /v1/responses         OpenAI Responses: response JSON, or SSE `event: response.*` events
//   POST /v1/messages          Anthropic Messages: message JSON, or SSE message_start ...
//                              message_stop events
// Errors (status >= 400) use each provider's error body.

export type FakeApi = 'chat' | 'responses' | 'messages';

export const FAKE_API_PATHS: Record<string, FakeApi> = {
  '/v1/chat/completions': 'chat',
  '/v1/responses': 'responses',
  '/v1/messages': 'messages',
};

export interface FakeRequest {
  /** 0-based arrival order. */
  index: number;
  api: FakeApi;
  method: string;
  path: string;
  /** Full URL as received (path and query). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received. */
  raw: string;
  /** The parsed JSON body (undefined when not JSON). */
  body: any;
  model?: string;
  /** Chat messages (chat, messages) or the Responses input as messages. */
  messages: { role: string; content: unknown }[];
  /** The text of all user messages, joined with "\n". */
  prompt: string;
  /** The system prompt (system messages, Responses instructions, Anthropic system). */
  system: string;
  stream: boolean;
}

export interface FakeToolCall {
  name: string;
  arguments: unknown;
  id?: string;
}

export interface FakeReply {
  /** Assistant text (default ''). */
  content?: string;
  /** Tool calls the assistant makes instead of (or after) text. */
  toolCalls?: FakeToolCall[];
  /** HTTP status (default 200). With a status >= 400 the body is the provider's error. */
  status?: number;
  /** Error message for status >= 400 (default "fake error <status>"). */
  error?: string;
  /** Raw body to send instead of JSON (for malformed answers and redirects). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Destroy the socket without answering (a connection error for the client). */
  destroy?: boolean;
  /** For streaming: the content pieces, one SSE event each (default: split at spaces). */
  chunks?: string[];
  /** For streaming: wait this long between events. */
  chunkDelayMs?: number;
  /**
   * Cut the connection after this many SSE events (streaming) or bytes (JSON) were sent; with
   * `cutMidEvent`, half of the next event goes out first.
   */
  cutAfter?: number;
  cutMidEvent?: boolean;
  finishReason?: string;
  /** Fixed id and timestamp (default: a counter and the clock). */
  id?: string;
  created?: number;
  /** Fixed prompt token count in usage (default: words of the prompt). */
  promptTokens?: number;
}

export type FakeHandler = (req: FakeRequest) => string | FakeReply | Promise<string | FakeReply>;

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

/** The request as the fake sees it (messages, prompt, system), for any of the three APIs. */
export function fakeRequest(
  index: number,
  api: FakeApi,
  method: string,
  url: string,
  headers: FakeRequest['headers'],
  raw: string,
): FakeRequest {
  let body: any;
  try {
    body = JSON.parse(raw);
  } catch {
    body = undefined;
  }
  let messages: { role: string; content: unknown }[] = [];
  let system = '';
  if (api === 'responses') {
    const input = body?.input;
    if (typeof input === 'string') messages = [{ role: 'user', content: input }];
    else if (Array.isArray(input))
      messages = input
        .filter((i: any) => typeof i?.role === 'string')
        .map((i: any) => ({ role: i.role, content: i.content }));
    if (typeof body?.instructions === 'string') system = body.instructions;
  } else {
    messages = Array.isArray(body?.messages) ? body.messages : [];
    if (api === 'messages') system = textOf(body?.system);
  }
  if (!system)
    system = messages
      .filter((m) => m?.role === 'system' || m?.role === 'developer')
      .map((m) => textOf(m.content))
      .join('\n');
  const path = url.split('?')[0];
  return {
    index,
    api,
    method,
    path,
    url,
    headers,
    raw,
    body,
    model: body?.model,
    messages,
    prompt: messages
      .filter((m) => m?.role === 'user')
      .map((m) => textOf(m.content))
      .join('\n'),
    system,
    stream: body?.stream === true,
  };
}

/** The provider's error body for a status. */
export function errorJson(api: FakeApi, status: number, message: string): unknown {
  if (api === 'messages') {
    const type =
      status === 400
        ? 'invalid_request_error'
        : status === 401
          ? 'authentication_error'
          : status === 403
            ? 'permission_error'
            : status === 404
              ? 'not_found_error'
              : status === 429
                ? 'rate_limit_error'
                : status === 529
                  ? 'overloaded_error'
                  : status >= 500
                    ? 'api_error'
                    : 'invalid_request_error';
    return { type: 'error', error: { type, message } };
  }
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: null } };
}

/** What to send: a status, headers and either a JSON body, SSE events, or raw text. */
export interface FakeAnswer {
  status: number;
  headers: Record<string, string>;
  /** Serialized JSON or raw body. */
  body?: string;
  /** SSE events, each a complete `event: ...\ndata: ...\n\n` string. */
  events?: string[];
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

function toolArgs(t: FakeToolCall): string {
  return typeof t.arguments === 'string' ? t.arguments : JSON.stringify(t.arguments);
}

function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export function fakeAnswer(req: FakeRequest, reply: FakeReply, serial: number): FakeAnswer {
  const status = reply.status ?? 200;
  if (reply.rawBody !== undefined) {
    return { status, headers: { 'content-type': 'application/json', ...reply.headers }, body: reply.rawBody };
  }
  if (status >= 400) {
    return {
      status,
      headers: { 'content-type': 'application/json', ...reply.headers },
      body: JSON.stringify(errorJson(req.api, status, reply.error ?? `fake error ${status}`)),
    };
  }
  const created = reply.created ?? Math.floor(Date.now() / 1000);
  const model = req.model ?? 'fake-model';
  const content = reply.content ?? '';
  const tools = reply.toolCalls ?? [];
  const pieces = reply.chunks ?? (content ? content.split(/(?<= )/) : []);
  const inTok = reply.promptTokens ?? words(req.prompt);
  const outTok = words(content);
  // Ids inside the answer derive from the reply's id when it is fixed, so answers can be compared.
  const tag = reply.id ?? `fake${serial}`;
  const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers };
  const jsonHeaders = { 'content-type': 'application/json', ...reply.headers };

  if (req.api === 'chat') {
    const id = reply.id ?? `chatcmpl-fake${serial}`;
    const finish = reply.finishReason ?? (tools.length ? 'tool_calls' : 'stop');
    const toolCalls = tools.map((t, i) => ({
      id: t.id ?? `call_${tag}_${i}`,
      type: 'function',
      function: { name: t.name, arguments: toolArgs(t) },
    }));
    if (req.stream) {
      const event = (delta: unknown, finish_reason: string | null) =>
        sse({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason }] });
      const events = [event({ role: 'assistant', content: '' }, null)];
      for (const p of pieces) events.push(event({ content: p }, null));
      toolCalls.forEach((t, index) => {
        events.push(
          event(
            { tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.function.name, arguments: '' } }] },
            null,
          ),
        );
        events.push(event({ tool_calls: [{ index, function: { arguments: t.function.arguments } }] }, null));
      });
      events.push(event({}, finish));
      events.push('data: [DONE]\n\n');
      return { status, headers: sseHeaders, events };
    }
    const message: Record<string, unknown> = { role: 'assistant', content: tools.length && !content ? null : content };
    if (toolCalls.length) message.tool_calls = toolCalls;
    return {
      status,
      headers: jsonHeaders,
      body: JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
        usage: { prompt_tokens: inTok, completion_tokens: outTok, total_tokens: inTok + outTok },
      }),
    };
  }

  if (req.api === 'responses') {
    const id = reply.id ?? `resp_fake${serial}`;
    const msgId = `msg_${tag}`;
    const textItem = {
      type: 'message',
      id: msgId,
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: content, annotations: [] }],
    };
    const toolItems = tools.map((t, i) => ({
      type: 'function_call',
      id: `fc_${tag}_${i}`,
      call_id: t.id ?? `call_${tag}_${i}`,
      name: t.name,
      arguments: toolArgs(t),
      status: 'completed',
    }));
    const output = [...(content || !tools.length ? [textItem] : []), ...toolItems];
    const usage = {
      input_tokens: inTok,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outTok,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inTok + outTok,
    };
    const response = (st: string, out: unknown[], u: unknown) => ({
      id,
      object: 'response',
      created_at: created,
      status: st,
      error: null,
      incomplete_details: null,
      instructions: req.body?.instructions ?? null,
      model,
      output: out,
      parallel_tool_calls: true,
      tool_choice: 'auto',
      tools: [],
      usage: u,
    });
    if (req.stream) {
      let seq = 0;
      const ev = (type: string, data: Record<string, unknown>) => sse({ type, sequence_number: seq++, ...data }, type);
      const events = [
        ev('response.created', { response: response('in_progress', [], null) }),
        ev('response.in_progress', { response: response('in_progress', [], null) }),
      ];
      let index = 0;
      if (content || !tools.length) {
        events.push(
          ev('response.output_item.added', {
            output_index: index,
            item: { ...textItem, status: 'in_progress', content: [] },
          }),
        );
        events.push(
          ev('response.content_part.added', {
            item_id: msgId,
            output_index: index,
            content_index: 0,
            part: { type: 'output_text', text: '', annotations: [] },
          }),
        );
        for (const p of pieces)
          events.push(
            ev('response.output_text.delta', { item_id: msgId, output_index: index, content_index: 0, delta: p }),
          );
        events.push(
          ev('response.output_text.done', { item_id: msgId, output_index: index, content_index: 0, text: content }),
        );
        events.push(
          ev('response.content_part.done', {
            item_id: msgId,
            output_index: index,
            content_index: 0,
            part: textItem.content[0],
          }),
        );
        events.push(ev('response.output_item.done', { output_index: index, item: textItem }));
        index++;
      }
      for (const item of toolItems) {
        events.push(
          ev('response.output_item.added', {
            output_index: index,
            item: { ...item, arguments: '', status: 'in_progress' },
          }),
        );
        events.push(
          ev('response.function_call_arguments.delta', {
            item_id: item.id,
            output_index: index,
            delta: item.arguments,
          }),
        );
        events.push(
          ev('response.function_call_arguments.done', {
            item_id: item.id,
            output_index: index,
            arguments: item.arguments,
          }),
        );
        events.push(ev('response.output_item.done', { output_index: index, item }));
        index++;
      }
      events.push(ev('response.completed', { response: response('completed', output, usage) }));
      return { status, headers: sseHeaders, events };
    }
    return { status, headers: jsonHeaders, body: JSON.stringify(response('completed', output, usage)) };
  }

  // Anthropic Messages
  const id = reply.id ?? `msg_fake${serial}`;
  const stop = reply.finishReason ?? (tools.length ? 'tool_use' : 'end_turn');
  const blocks: Record<string, unknown>[] = [];
  if (content || !tools.length) blocks.push({ type: 'text', text: content });
  tools.forEach((t, i) =>
    blocks.push({
      type: 'tool_use',
      id: t.id ?? `toolu_${tag}_${i}`,
      name: t.name,
      input: typeof t.arguments === 'string' ? JSON.parse(t.arguments) : t.arguments,
    }),
  );
  if (req.stream) {
    const ev = (type: string, data: Record<string, unknown>) => sse({ type, ...data }, type);
    const events = [
      ev('message_start', {
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: inTok, output_tokens: 1 },
        },
      }),
    ];
    blocks.forEach((b, index) => {
      if (b.type === 'text') {
        events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
        if (index === 0) events.push(sse({ type: 'ping' }, 'ping'));
        for (const p of pieces)
          events.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: p } }));
      } else {
        events.push(
          ev('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } }),
        );
        events.push(
          ev('content_block_delta', {
            index,
            delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) },
          }),
        );
      }
      events.push(ev('content_block_stop', { index }));
    });
    events.push(
      ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: outTok } }),
    );
    events.push(ev('message_stop', {}));
    return { status, headers: sseHeaders, events };
  }
  return {
    status,
    headers: jsonHeaders,
    body: JSON.stringify({
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: blocks,
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: inTok, output_tokens: outTok },
    }),
  };
}

/**
 * A handler driven by the request's model name, for fakes a test cannot hand a function to (the
 * workerd fake): `fake-tools` (one tool call), `fake-error-<status>`, `fake-slow-<ms>`,
 * `fake-cut-<events>` (streams cut after that many events), `fake-drip-<ms>` (a long stream, one
 * event every <ms>), `fake-redirect-<url-encoded location>`; anything else answers
 * "echo: <prompt>".
 */
export function scriptedReply(req: FakeRequest): FakeReply {
  const m = String(req.model ?? '');
  const fixed = {
    id: 'fixed-id',
    created: 1700000000,
    promptTokens: 7,
    headers: { 'x-request-id': `req_fake_${req.index}` },
  };
  let r: RegExpExecArray | null;
  if (m === 'fake-tools')
    return { ...fixed, toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'c' }, id: 'call_1' }] };
  if ((r = /^fake-error-(\d{3})$/.exec(m)))
    return { ...fixed, status: Number(r[1]), error: `fake upstream refuses with ${r[1]}` };
  if ((r = /^fake-slow-(\d+)$/.exec(m))) return { ...fixed, delayMs: Number(r[1]), content: 'slow answer' };
  if ((r = /^fake-cut-(\d+)$/.exec(m)))
    return { ...fixed, content: 'one two three four five six seven eight', cutAfter: Number(r[1]), cutMidEvent: true };
  if ((r = /^fake-drip-(\d+)$/.exec(m)))
    return { ...fixed, chunks: Array.from({ length: 200 }, (_, i) => `w${i} `), chunkDelayMs: Number(r[1]) };
  if ((r = /^fake-redirect-(.+)$/.exec(m)))
    return { ...fixed, status: 307, headers: { location: decodeURIComponent(r[1]) }, rawBody: '' };
  return { ...fixed, content: `echo: ${req.prompt}` };
}
