// Part-of-speech tags for the grammar's tokens, from compromise (a pure-JS tagger that runs the same
// in Node, workerd and browsers). The grammar uses them only where its own word lists are silent:
// is this word a verb, a person's name, a plural noun, a pronoun? Compromise's tokens are mapped
// onto ours by offset overlap.
import nlp from 'compromise/two';
import type { Token } from './tokenize.ts';

interface Term {
  offset: { start: number; length: number };
  tags: string[];
}

/** Tags every word token of `tokens` (cut from `text`) in place with compromise's tags. Never throws. */
export function tagTokens(text: string, tokens: Token[]): void {
  let terms: Term[];
  try {
    const doc = nlp(text).json({ offset: true, terms: { offset: true } }) as { terms: Term[] }[];
    terms = doc.flatMap((s) => s.terms);
  } catch {
    return; // untagged words fall back to the grammar's own lists
  }
  let j = 0;
  for (const tok of tokens) {
    if (tok.type !== 'word') continue;
    while (j < terms.length && terms[j].offset.start + terms[j].offset.length <= tok.start) j++;
    const tags = new Set<string>();
    for (let k = j; k < terms.length && terms[k].offset.start < tok.end; k++) {
      if (terms[k].offset.length <= 0) continue;
      for (const t of terms[k].tags) tags.add(t);
    }
    tok.tags = tags;
  }
}
