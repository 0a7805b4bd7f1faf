import { describe, expect, it } from 'vitest';
import { applySummaries, summariseColumns } from '../../offline-training/bundle/feature-contexts.ts';

// Two columns over three texts; activations given per token (whitespace-split words as tokens).
function runner(acts: Record<string, number[][]>) {
  return async (text: string) => {
    const offsets: [number, number][] = [];
    for (const m of text.matchAll(/\S+/g)) offsets.push([m.index, m.index + m[0].length]);
    const rows = acts[text];
    return { offsets, acts: Float32Array.from(rows.flat()), width: 2 };
  };
}

describe('summariseColumns', () => {
  const texts = [
    { id: '0', text: 'she earns 5 dollars per hour', corpus: 'gsm8k' },
    { id: '1', text: 'three apples per box', corpus: 'gsm8k' },
    { id: '2', text: 'the cat sat', corpus: 'vua' },
  ];
  const acts = {
    [texts[0].text]: [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [2, 0],
      [0.5, 0],
    ],
    [texts[1].text]: [
      [0, 0],
      [0, 0],
      [3, 0],
      [0, 0],
    ],
    [texts[2].text]: [
      [0, 1],
      [0, 0],
      [0, 0],
    ],
  };

  it('keeps the strongest text first, marks the peak word, and labels by words and corpus share', async () => {
    const [perCol, catCol] = await summariseColumns(runner(acts), texts, 2, {
      corpusNames: { gsm8k: 'math problems' },
    });
    expect(perCol.contexts.map((c) => c.source)).toEqual(['gsm8k:1', 'gsm8k:0']);
    const top = perCol.contexts[0];
    expect(top.text.slice(top.start, top.end)).toBe('per');
    expect(perCol.label).toMatch(/^fires on "per", "hour"/);
    expect(perCol.label).toContain('100% of math problems, 0% of vua');
    expect(perCol.firing).toEqual({ tokens: 3, texts: 2, byCorpus: { gsm8k: 3 } });
    expect(catCol.contexts).toHaveLength(1);
    expect(catCol.label).toMatch(/^fires on "the"/);
  });

  it('says when a column never fires, and keeps the old label as the role', async () => {
    const zero = Object.fromEntries(Object.entries(acts).map(([k, v]) => [k, v.map(() => [0, 0])]));
    const s = await summariseColumns(runner(zero), texts, 2);
    expect(s[0].label).toBe('never fired on the 3 held-out texts');
    const [f] = applySummaries([{ column: 0, feature: 7, label: 'task-gate latent (g)', threshold: 1 }], s);
    expect(f).toMatchObject({
      role: 'task-gate latent (g)',
      label: 'never fired on the 3 held-out texts',
      top_contexts: [],
    });
  });
});
