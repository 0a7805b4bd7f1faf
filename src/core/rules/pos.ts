// Sentences, words and their part of speech for probe rules (figurative verbs). Sentences are cut
// here, by punctuation and line breaks, so the engine can score a probe's context gate per sentence
// and tag only the sentences it opens on: the tagger is the slow part (milliseconds per sentence).
// Words and tags come from compromise, a well-kept pure-JS library that runs the same in Node,
// workerd and browsers; it is loaded on demand, so bundles without probe rules never pay its
// start-up (about half a second to import).
import type { TextRange } from './boundaries.ts';
import { isContentVerbWord } from './content-verb.ts';

/** One word of a text as the tagger cut it: UTF-16 offsets `[start, end)` and whether it is a main verb. */
export interface TaggedWord extends TextRange {
  /** A verb that carries meaning: not an auxiliary, copula, modal or particle ("had to", "is", "out"). */
  verb: boolean;
}

/** Cuts one sentence into words and tags the main verbs (TaggedWord, offsets into the sentence), in order. */
export type WordTagger = (sentence: string) => TaggedWord[];

// A sentence ends after . ! ? (and closing quotes or brackets) before white space, or at a line break.
const SENTENCE_END = /[.!?]+["'\u201D\u2019)\]]*(?=\s)|\n/g;

/**
 * The sentences of a text, without their surrounding white space, in order (UTF-16 offsets). Cut after
 * . ! ? followed by white space, and at line breaks; a text without such marks is one sentence.
 */
export function splitSentences(text: string): TextRange[] {
  const out: TextRange[] = [];
  const push = (start: number, end: number) => {
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (end > start) out.push({ start, end });
  };
  let start = 0;
  for (const m of text.matchAll(SENTENCE_END)) {
    const end = m.index + m[0].length;
    push(start, end);
    start = end;
  }
  push(start, text.length);
  return out;
}

interface Term {
  offset: { start: number; length: number };
  tags: string[];
}

// Verb tags that carry no lexical meaning of their own, so cannot be used figuratively.
const FUNCTION_VERB = new Set(['Auxiliary', 'Copula', 'Modal', 'Particle']);

let loading: Promise<WordTagger> | undefined;

/**
 * The word tagger (compromise's `two` build: tokenizer, lexicon and POS tagger, about 300 KB). Imported on
 * first call and shared after; offsets are UTF-16 code units of the sentence given.
 * @throws whatever the dynamic import throws where the package is missing (a broken install).
 */
export function loadWordTagger(): Promise<WordTagger> {
  loading ??= import('compromise/two').then(({ default: nlp }) => (sentence: string) => {
    const parsed = nlp(sentence).json({ offset: true, terms: { offset: true } }) as { terms: Term[] }[];
    const out: TaggedWord[] = [];
    for (const s of parsed)
      for (const t of s.terms) {
        if (t.offset.length <= 0) continue; // contractions' implied words ("I'm" -> "am") have no text
        out.push({
          start: t.offset.start,
          end: t.offset.start + t.offset.length,
          verb:
            t.tags.includes('Verb') &&
            !t.tags.some((g) => FUNCTION_VERB.has(g)) &&
            isContentVerbWord(sentence, t.offset.start, t.offset.start + t.offset.length),
        });
      }
    return out;
  });
  return loading;
}

/** `tagger` on one sentence of `text`, with the words' offsets moved into `text`. */
export function tagSentence(tagger: WordTagger, text: string, sentence: TextRange): TaggedWord[] {
  return tagger(text.slice(sentence.start, sentence.end)).map((w) => ({
    ...w,
    start: w.start + sentence.start,
    end: w.end + sentence.start,
  }));
}
