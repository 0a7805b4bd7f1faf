// The request adapters: which texts of an OpenAI Chat, OpenAI Responses or Anthropic Messages body
// are scanned under each scan mode, and that rewriting changes those strings and not one other
// byte (spacing, key order, number spellings, escapes, tools, images, unknown fields).
import { describe, it, expect } from 'vitest';
import {
  anthropicMessages,
  applyEdits,
  openaiChat,
  openaiResponses,
  type FormatAdapter,
} from '../../src/core/formats/index.ts';
import type { DetectFn } from '../../src/core/rewrite/messages.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import type { DetectAnswer, DetectService } from '../../src/core/gloss/detect.ts';
import { glossPass } from '../../src/core/gloss/pass.ts';
import type { FiredRule } from '../../src/core/rules/match.ts';
import type { Rule } from '../../src/core/rules/schema.ts';
import { KNOWN_RULES } from '../helpers/known-bundle.ts';

const RULES = new Map((KNOWN_RULES.rules as unknown as Rule[]).map((r) => [r.id, r]));
const G = ' ⟦gloss: "half" means one half of the amount mentioned before⟧';

/** Fires half-as-much on every "half"; records what it was asked. */
function detector(): { detect: DetectFn; asked: string[] } {
  const asked: string[] = [];
  const detect: DetectFn = async (text) => {
    asked.push(text);
    const fired: FiredRule[] = [];
    const i = text.indexOf('half');
    if (i >= 0) {
      fired.push({
        ruleId: 'half-as-much',
        feature: 101,
        column: 0,
        scope: 'span',
        placement: 'after-span',
        priority: 10,
        span: { start: i, end: i + 4, text: 'half' },
        peak: 2,
        threshold: 0.5,
        ratio: 4,
        tokens: [0],
      });
    }
    return { fired, rules: RULES };
  };
  return { detect, asked };
}

/** The proxy's glossing pass over one body, with the detector above in place of a model. */
async function run(adapter: FormatAdapter, text: string, scan: 'user' | 'last-user' | 'system' | 'all' = 'user') {
  const view = adapter.view(JSON.parse(text));
  if (!view.ok) throw new Error(view.error);
  const d = detector();
  const service: DetectService = {
    kind: 'test',
    async detect(job) {
      const out: DetectAnswer[] = [];
      for (const t of job.texts) {
        const r = await d.detect(t);
        out.push({ fired: [...r.fired], tokens: 1, ms: 0, timing: { tokenize: 0, detect: 0, match: 0 } });
      }
      return out;
    },
  };
  const engine = { rulesById: RULES } as unknown as GlossEngine;
  const pass = await glossPass(
    [{ messages: view.messages, scan, textPartTypes: adapter.textPartTypes }],
    { detect: service, engine, hash: (t) => t },
    { budgetMs: Infinity, scanTokens: Infinity },
  );
  return {
    status: pass.units[0].status,
    body: applyEdits(text, pass.edits),
    rules: pass.rules,
    inserted: pass.inserted,
    asked: [...d.asked].reverse(), // the pass asks newest first: in body order here
  };
}

describe('OpenAI chat adapter', () => {
  const body = `{"model": "m",
  "messages": [
    {"role": "system", "content": "sys half"},
    {"role": "developer", "content": "dev half"},
    {"role": "user", "content": [{"type": "text", "text": "u1 half"}, {"type": "image_url", "image_url": {"url": "data:half"}}], "name": "n\\u00e9"},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{\\"q\\":\\"half\\"}"}}]},
    {"role": "tool", "tool_call_id": "c", "content": "tool half"},
    {"role": "user", "content": "u2 half"}
  ],
  "temperature": 1.0, "seed": 12345678901234567890, "logit_bias": {"50256": -100}, "x_unknown": [1e3, "half"]}`;

  it('scans user turns by default; splices only their strings', async () => {
    const r = await run(openaiChat, body);
    expect(r.asked).toEqual(['u1 half', 'u2 half']);
    expect(r.status).toBe('rewritten');
    expect(r.rules).toEqual(['half-as-much']);
    expect(r.inserted).toBe(2);
    expect(r.body).toBe(
      body.replace('"u1 half"', JSON.stringify('u1 half' + G)).replace('"u2 half"', JSON.stringify('u2 half' + G)),
    );
  });

  it('last-user, system and all', async () => {
    expect((await run(openaiChat, body, 'last-user')).asked).toEqual(['u2 half']);
    expect((await run(openaiChat, body, 'system')).asked).toEqual(['sys half', 'dev half']);
    const all = await run(openaiChat, body, 'all');
    expect(all.asked).toEqual(['sys half', 'dev half', 'u1 half', 'tool half', 'u2 half']);
    // Tool-call arguments and image URLs are never text to scan.
    expect(all.body).toContain('"arguments": "{\\"q\\":\\"half\\"}"');
    expect(all.body).toContain('"url": "data:half"');
  });

  it('leaves a body without matches byte-identical, and text already glossed alone', async () => {
    const plain = '{"messages":[{"role":"user","content":"nothing here"}],"n":1.50}';
    expect((await run(openaiChat, plain)).body).toBe(plain);
    const done = JSON.stringify({ messages: [{ role: 'user', content: 'half' + G }] });
    const r = await run(openaiChat, done);
    expect(r.asked).toEqual([]);
    expect(r.body).toBe(done);
  });

  it('splices into bodies with duplicate keys, big integers and 1.0, keeping every other byte', async () => {
    const dup =
      '{"messages":[{"role":"user","content":"old"}],"seed":9007199254740993,"temperature":1.0,"model":"x","model":"y",' +
      '"messages":[{"role":"user","content":"a half","content":"a half"}]}';
    const r = await run(openaiChat, dup);
    // JSON.parse's reading (the last duplicate wins) is the one glossed; nothing else moves.
    expect(r.body).toBe(dup.replace(/"content":"a half"}/, `"content":${JSON.stringify('a half' + G)}}`));
  });

  it('rejects shapes it cannot scan', () => {
    expect(openaiChat.view([])).toEqual({ ok: false, error: 'request body: expected a JSON object, got an array' });
    expect(openaiChat.view({})).toEqual({ ok: false, error: 'messages: expected an array of messages, got undefined' });
    expect(openaiChat.view({ messages: [null] })).toEqual({
      ok: false,
      error: 'messages[0]: expected a message object, got null',
    });
  });
});

describe('OpenAI Responses adapter', () => {
  const body = JSON.stringify({
    model: 'm',
    instructions: 'sys half',
    input: [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'u1 half' },
          { type: 'input_image', image_url: 'data:half' },
        ],
      },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a half' }] },
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{"q":"half"}' },
      { type: 'function_call_output', call_id: 'c', output: 'out half' },
      { role: 'user', content: 'u2 half' },
    ],
    tools: [{ type: 'function', name: 'f', description: 'half' }],
  });

  it('input items: user input_text and string content; instructions is the system prompt', async () => {
    const r = await run(openaiResponses, body);
    expect(r.asked).toEqual(['u1 half', 'u2 half']);
    const j = JSON.parse(r.body);
    expect(j.input[0].content[0].text).toBe('u1 half' + G);
    expect(j.input[4].content).toBe('u2 half' + G);
    expect(j.instructions).toBe('sys half');
    expect((await run(openaiResponses, body, 'system')).asked).toEqual(['sys half']);
    // 'all' reaches assistant output_text, never tool calls or their outputs.
    expect((await run(openaiResponses, body, 'all')).asked).toEqual(['sys half', 'u1 half', 'a half', 'u2 half']);
  });

  it('a string input is one user turn', async () => {
    const r = await run(openaiResponses, '{"model":"m","input":"it is half"}');
    expect(r.body).toBe(`{"model":"m","input":${JSON.stringify('it is half' + G)}}`);
  });

  it('rejects what is not a Responses body', () => {
    expect(openaiResponses.view({ input: 3 }).ok).toBe(false);
    expect(openaiResponses.view({ input: [3] }).ok).toBe(false);
    expect(openaiResponses.view({ instructions: {} }).ok).toBe(false);
    expect(openaiResponses.view({ previous_response_id: 'r' })).toEqual({ ok: true, messages: [] });
  });
});

describe('Anthropic Messages adapter', () => {
  const body = JSON.stringify({
    model: 'claude',
    max_tokens: 100,
    system: [{ type: 'text', text: 'sys half', cache_control: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'half' } },
          { type: 'text', text: 'u1 half' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'a half' },
          { type: 'tool_use', id: 't', name: 'f', input: { q: 'half' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'result half' }] },
          { type: 'text', text: 'u2 half' },
        ],
      },
    ],
    tools: [{ name: 'f', input_schema: { type: 'object' } }],
  });

  it('text blocks of user turns; tool results, images and tool inputs untouched', async () => {
    const r = await run(anthropicMessages, body);
    expect(r.asked).toEqual(['u1 half', 'u2 half']);
    const j = JSON.parse(r.body);
    expect(j.messages[0].content[1].text).toBe('u1 half' + G);
    expect(j.messages[2].content[0].content[0].text).toBe('result half');
    expect(j.messages[2].content[1].text).toBe('u2 half' + G);
    expect(r.body).toBe(
      body.replace('"u1 half"', JSON.stringify('u1 half' + G)).replace('"u2 half"', JSON.stringify('u2 half' + G)),
    );
  });

  it('system as blocks or a string', async () => {
    const r = await run(anthropicMessages, body, 'system');
    expect(r.asked).toEqual(['sys half']);
    expect(JSON.parse(r.body).system[0]).toEqual({
      type: 'text',
      text: 'sys half' + G,
      cache_control: { type: 'ephemeral' },
    });
    const s = await run(anthropicMessages, '{"system":"sys half","messages":[]}', 'all');
    expect(s.body).toBe(`{"system":${JSON.stringify('sys half' + G)},"messages":[]}`);
  });

  it('rejects what is not a Messages body', () => {
    expect(anthropicMessages.view({ system: 1, messages: [] }).ok).toBe(false);
    expect(anthropicMessages.view({ messages: 'hi' }).ok).toBe(false);
  });
});
