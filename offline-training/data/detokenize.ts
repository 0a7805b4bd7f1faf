// VUA and MOH-X sentences come tokenized ("I did n't go , he said ."): spaces around punctuation and
// inside contractions that people never type. A classifier trained on them can learn the spacing
// instead of the language (the figurative probe's first context gate opened on "hopes ." and stayed
// closed on "hopes."), so training reads them detokenized too, and the dev checks report both forms.

/** A detokenized sentence and the offsets of each original (space-separated) word in it. */
export interface Detokenized {
  text: string;
  /** UTF-16 `[start, end)` in `text` of word i of the tokenized sentence. */
  words: [number, number][];
}

// Tokens written against the word before them.
const ATTACH_LEFT = /^(?:[.,;:!?%)\]}]+|'s|'re|'ve|'d|'ll|'m|n't|'|\.\.\.)$/i;
// Tokens the next word is written against.
const ATTACH_RIGHT = /^[([{$£]$/;

/**
 * Joins a space-tokenized sentence as people write it: no space before . , ; : ! ? % ) and
 * contractions ('s, n't, 're ...), none after ( [ { $ £; every other token separated by one space.
 * Source: the spacing rules of Moses' detokenizer (Koehn et al. 2007), in their simplest form.
 */
export function detokenize(sentence: string): Detokenized {
  const toks = sentence.trim().split(/ +/);
  let text = '';
  const words: [number, number][] = [];
  toks.forEach((t, i) => {
    const glue = i === 0 || ATTACH_LEFT.test(t) || ATTACH_RIGHT.test(toks[i - 1]);
    if (!glue) text += ' ';
    words.push([text.length, text.length + t.length]);
    text += t;
  });
  return { text, words };
}
