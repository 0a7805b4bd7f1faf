// Chat messages: only the text of the chosen messages changes; every other message, field and part
// comes back as the same object (or deep-equal), and the scan modes pick the right turns.
import { describe, it, expect } from 'vitest';
import type { Rule } from '../../src/core/rules/schema.ts';
import type { FiredRule } from '../../src/core/rules/match.ts';
import { rewriteMessages, type ChatMessage, type ContentPart, type DetectFn } from '../../src/core/rewrite/messages.ts';

const evidence = { support: 40, lift: 2.5, q_value: 0.01, datasets: ['gsm8k'] };
const HALF: Rule = {
  id: 'half',
  feature: 1,
  threshold: 0.5,
  scope: 'span',
  placement: 'after-span',
  gloss: '0.5 times',
  priority: 0,
  label: 'half',
  evidence,
};

/** A stand-in detector: fires HALF on every "half as many", and records what it was asked. */
function fakeDetector(): { detect: DetectFn; calls: string[] } {
  const calls: string[] = [];
  const detect: DetectFn = async (text) => {
    calls.push(text);
    const fired: FiredRule[] = [];
    for (const m of text.matchAll(/half as many/g)) {
      const span = { start: m.index!, end: m.index! + m[0].length, text: m[0] };
      fired.push({
        ruleId: 'half',
        feature: 1,
        column: 0,
        scope: 'span',
        placement: 'after-span',
        priority: 0,
        span,
        peak: 1,
        threshold: 0.5,
        ratio: 2,
        tokens: [],
      });
    }
    return { fired, rules: [HALF] };
  };
  return { detect, calls };
}

const Q = 'She has half as many pens.';
const G = 'She has half as many ⟦gloss: 0.5 times⟧ pens.';

function conversation(): ChatMessage[] {
  return [
    { role: 'system', content: `You solve problems. ${Q}` },
    { role: 'developer', content: Q },
    { role: 'user', content: Q, name: 'alice' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'calc', arguments: '{"q":"half as many"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'half as many = 0.5x' },
    {
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
        { type: 'text', text: Q, cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'No trigger here.' },
        { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
      ],
      metadata: { x: 1 },
    },
  ];
}

describe('rewriteMessages', () => {
  it('rewrites user turns by default and passes everything else through untouched', async () => {
    const msgs = conversation();
    const before = structuredClone(msgs);
    const { detect, calls } = fakeDetector();
    const r = await rewriteMessages(msgs, detect);

    expect(msgs).toEqual(before); // input not mutated
    expect(calls).toEqual([Q, Q, 'No trigger here.']);
    expect(r.status).toBe('rewritten');
    for (const i of [0, 1, 3, 4]) expect(r.messages[i]).toBe(msgs[i]);
    expect(r.messages[2]).toEqual({ role: 'user', content: G, name: 'alice' });

    const last = r.messages[5] as unknown as { content: Record<string, unknown>[]; metadata: unknown };
    const orig = msgs[5] as unknown as { content: Record<string, unknown>[]; metadata: unknown };
    expect(last).toEqual({
      ...msgs[5],
      content: [
        orig.content[0],
        { type: 'text', text: G, cache_control: { type: 'ephemeral' } },
        orig.content[2],
        orig.content[3],
      ],
    });
    expect(last.content[0]).toBe(orig.content[0]); // image part: same object
    expect(last.content[2]).toBe(orig.content[2]); // text part with nothing to gloss
    expect(last.content[3]).toBe(orig.content[3]);
    expect(last.metadata).toBe(orig.metadata);

    expect(r.reports.map((m) => [m.index, m.role, m.status])).toEqual([
      [0, 'system', 'not-scanned'],
      [1, 'developer', 'not-scanned'],
      [2, 'user', 'rewritten'],
      [3, 'assistant', 'not-scanned'],
      [4, 'tool', 'not-scanned'],
      [5, 'user', 'rewritten'],
    ]);
    expect(r.reports[5].parts.map((p) => [p.part, p.status, p.inserted.length])).toEqual([
      [1, 'rewritten', 1],
      [2, 'unchanged', 0],
    ]);
    expect(r.reports[2].parts[0]).toMatchObject({
      part: null,
      status: 'rewritten',
      inserted: [{ ruleId: 'half', at: 20, gloss: '0.5 times' }],
    });
  });

  it('last-user mode changes only the last user message', async () => {
    const msgs: ChatMessage[] = [
      { role: 'user', content: Q },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: `Again: ${Q}` },
      { role: 'assistant', content: 'sure' },
    ];
    const { detect, calls } = fakeDetector();
    const r = await rewriteMessages(msgs, detect, { scan: 'last-user' });
    expect(calls).toEqual([`Again: ${Q}`]);
    expect(r.messages[0]).toBe(msgs[0]);
    expect(r.messages[1]).toBe(msgs[1]);
    expect(r.messages[3]).toBe(msgs[3]);
    expect(r.messages[2]).toEqual({ role: 'user', content: `Again: ${G}` });
  });

  it('system mode scans system and developer prompts; all mode scans every turn', async () => {
    const msgs = conversation();
    const sys = await rewriteMessages(msgs, fakeDetector().detect, { scan: 'system' });
    expect(sys.messages[0]).toEqual({ role: 'system', content: `You solve problems. ${G}` });
    expect(sys.messages[1]).toEqual({ role: 'developer', content: G });
    for (const i of [2, 3, 4, 5]) expect(sys.messages[i]).toBe(msgs[i]);

    const all = await rewriteMessages(msgs, fakeDetector().detect, { scan: 'all' });
    expect(all.messages[3]).toBe(msgs[3]); // null content: nothing to scan
    expect(all.messages[4]).toEqual({
      role: 'tool',
      tool_call_id: 'call_1',
      content: 'half as many ⟦gloss: 0.5 times⟧ = 0.5x',
    });
    expect(all.reports.filter((m) => m.status === 'rewritten').map((m) => m.index)).toEqual([0, 1, 2, 4, 5]);
  });

  it('skips the detector for annotated or empty text', async () => {
    const msgs: ChatMessage[] = [
      { role: 'user', content: G },
      { role: 'user', content: '   ' },
      { role: 'user', content: [{ type: 'text', text: '' }] },
    ];
    const { detect, calls } = fakeDetector();
    const r = await rewriteMessages(msgs, detect);
    expect(calls).toEqual([]);
    expect(r.messages).toEqual(msgs);
    r.messages.forEach((m, i) => expect(m).toBe(msgs[i]));
    expect(r.status).toBe('already-annotated');
    expect(r.reports.map((m) => m.status)).toEqual(['already-annotated', 'unchanged', 'unchanged']);
  });

  it('scans other text part types when asked (Responses API input_text)', async () => {
    const msgs: ChatMessage[] = [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: Q },
          { type: 'text', text: Q },
        ],
      },
    ];
    const r = await rewriteMessages(msgs, fakeDetector().detect, { textPartTypes: ['input_text'] });
    const parts = r.messages[0].content as readonly ContentPart[];
    expect(parts[0]).toEqual({ type: 'input_text', text: G });
    expect(parts[1]).toBe((msgs[0].content as unknown[])[1]);
  });

  it('lets detector errors propagate to the caller', async () => {
    const failing: DetectFn = async () => {
      throw new Error('detector timed out');
    };
    await expect(rewriteMessages([{ role: 'user', content: Q }], failing)).rejects.toThrow('detector timed out');
  });
});
