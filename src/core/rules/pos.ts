// Words and their part of speech for probe rules (figurative verbs): compromise's tagger, a
// well-kept pure-JS library that runs the same in Node, workerd and browsers. Loaded on demand, so
// bundles without probe rules never pay its start-up (about half a second to import).

/** One word of a text as the tagger cut it: UTF-16 offsets `[start, end)` and whether it is a main verb. */
export interface TaggedWord {
  start: number;
  end: number;
  /** A verb that carries meaning: not an auxiliary, copula, modal or particle ("had to", "is", "out"). */
  verb: boolean;
  /** Index of the sentence the word is in (0-based, in text order). */
  sentence: number;
}

/** Cuts a text into words and tags the main verbs (TaggedWord), in text order. */
export type WordTagger = (text: string) => TaggedWord[];

interface Term {
  offset: { start: number; length: number };
  tags: string[];
}

// Verb tags that carry no lexical meaning of their own, so cannot be used figuratively.
const FUNCTION_VERB = new Set(['Auxiliary', 'Copula', 'Modal', 'Particle']);

let loading: Promise<WordTagger> | undefined;

/**
 * The word tagger (compromise's `two` build: tokenizer, lexicon and POS tagger, about 300 KB). Imported on
 * first call and shared after; offsets are UTF-16 code units of the text given.
 * @throws whatever the dynamic import throws where the package is missing (a broken install).
 */
export function loadWordTagger(): Promise<WordTagger> {
  loading ??= import('compromise/two').then(({ default: nlp }) => (text: string) => {
    const sentences = nlp(text).json({ offset: true, terms: { offset: true } }) as { terms: Term[] }[];
    const out: TaggedWord[] = [];
    sentences.forEach((s, sentence) => {
      for (const t of s.terms) {
        if (t.offset.length <= 0) continue; // contractions' implied words ("I'm" -> "am") have no text
        out.push({
          start: t.offset.start,
          end: t.offset.start + t.offset.length,
          verb: t.tags.includes('Verb') && !t.tags.some((g) => FUNCTION_VERB.has(g)),
          sentence,
        });
      }
    });
    return out;
  });
  return loading;
}
