// The figurative guard (src/core/rules/content-verb.ts): auxiliaries, copulas, punctuation and halves of
// hyphenated compounds never carry a figurative gloss.
import { describe, expect, it } from 'vitest';
import { isContentVerbWord } from '../../src/core/rules/content-verb.ts';

/** isContentVerbWord on the first occurrence of `word` in `text`. */
const at = (text: string, word: string) => {
  const i = text.indexOf(word);
  if (i < 0) throw new Error(`${word} not in ${text}`);
  return isContentVerbWord(text, i, i + word.length);
};

describe('isContentVerbWord', () => {
  it('refuses auxiliaries, copulas and modals in any form', () => {
    for (const w of ['did', 'be', 'has', 'been', 'Was', 'doing', 'might'])
      expect(at(`Then they ${w} it, he said.`, w), w).toBe(false);
  });
  it('refuses punctuation, numbers and contraction pieces', () => {
    expect(at('They said , we left .', ',')).toBe(false);
    expect(at('He paid 40 dollars.', '40')).toBe(false);
    expect(at("We did n't go.", "n't")).toBe(false);
  });
  it('refuses the halves of hyphenated compounds', () => {
    expect(at('She was warm-hearted and kind.', 'hearted')).toBe(false);
    expect(at('A half-baked plan.', 'half')).toBe(false);
  });
  it('accepts content verbs', () => {
    expect(at('The news shattered her hopes.', 'shattered')).toBe(true);
    expect(at('He grasped the idea quickly.', 'grasped')).toBe(true);
  });
});
