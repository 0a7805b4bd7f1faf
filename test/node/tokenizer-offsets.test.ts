// Character offsets from GlossTokenizer: every token's offsets point at the text it stands for,
// including byte-fallback pieces of emoji and accented text (stories260K's 512-piece vocabulary
// falls back to bytes often).
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { GlossTokenizer, alignSurfaces } from '../../src/core/tokenizer/tokenizer.ts';
import { STORIES_GGUF } from '../helpers/parity-graphs.ts';

const fold = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');

describe('alignSurfaces', () => {
  it('aligns through case folding, collapsed spaces and compatibility characters', () => {
    expect(alignSurfaces('Hello   World', [' hello', ' world'])).toEqual([
      [0, 5],
      [8, 13],
    ]);
    expect(alignSurfaces('ﬁne day', [' fi', 'ne', ' day'])).toEqual([
      [0, 1],
      [1, 3],
      [4, 7],
    ]);
    // A piece the text does not contain (an <unk>) is zero-width where the previous one ended.
    expect(alignSurfaces('a b', [' a', '<unk>', ' b'])).toEqual([
      [0, 1],
      [1, 1],
      [2, 3],
    ]);
    expect(alignSurfaces('', [])).toEqual([]);
  });
});

describe.skipIf(!existsSync(STORIES_GGUF))('GlossTokenizer on the stories260K tokenizer', async () => {
  // skipIf skips the tests, but vitest still runs this body to collect them: stop before the model.
  if (!existsSync(STORIES_GGUF)) {
    console.warn(`skipping: ${STORIES_GGUF} not found (../shared absent)`);
    it.skip('needs ../shared/models/stories260K.gguf', () => {});
    return;
  }
  const { buildLlama } = await import('../../offline-training/graph/llama/index.ts');
  const built = await buildLlama({ weights: STORIES_GGUF, layer: 0 });
  const tok = new GlossTokenizer(built.tokenizerJson);

  const texts = [
    'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.',
    'Lily said: "I will go twice as far as Tom!"',
    'Café déjà vu — naïve façade.',
    'Emoji 🙂 and 👩‍👩‍👧 families.',
    'مرحبا بالعالم and שלום',
    '   leading and   multiple   spaces   ',
  ];
  for (const text of texts) {
    it(`offsets point at each token's text: ${JSON.stringify(text.slice(0, 30))}`, () => {
      const enc = tok.encode(text);
      expect(enc.offsets.length).toBe(enc.ids.length);
      let prevEnd = 0;
      let covered = 0;
      for (const [i, [s, e]] of enc.offsets.entries()) {
        expect(s).toBeGreaterThanOrEqual(prevEnd - 0); // monotone
        expect(e).toBeGreaterThanOrEqual(s);
        prevEnd = s;
        if (e > s) covered += e - s;
        const piece = enc.tokens[i];
        if (/^<0x/.test(piece) || e === s) continue;
        expect(fold(text.slice(s, e)), `token ${i} ${piece}`).toBe(fold(piece.replace(/▁/g, ' ')));
      }
      // Every non-space character is covered by some token.
      expect(covered).toBeGreaterThanOrEqual(text.replace(/\s/g, '').length);
    });
  }
});

describe('GlossTokenizer out-of-vocabulary words', () => {
  it('maps words a WordLevel vocabulary lacks to the unknown id', async () => {
    const { knownTokenizerJson } = await import('../helpers/known-bundle.ts');
    const tok = new GlossTokenizer(knownTokenizerJson());
    const enc = tok.encode('She sold zebras');
    expect(enc.ids).toEqual([15, 3, 0]);
    expect(enc.offsets[2]).toEqual([9, 15]);
  });
});
