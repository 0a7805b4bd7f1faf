// The matcher engine: patterns are small combinators over the token sequence (words, word classes,
// typed slots, sequences, alternatives, options) that return every way they can match, so a
// construction's pattern backtracks like a grammar rule. The engine runs each construction at each
// token, keeps its longest parse that renders, and resolves overlaps (one gloss per phrase).
import { tagTokens } from './tagger.ts';
import type { Token } from './tokenize.ts';

/** A filled slot: token range `[from, to)` and what the slot reader made of it. */
export interface Slot {
  from: number;
  to: number;
  /** Numbers, multipliers, fractions, percentages: the value. */
  value?: number;
  /** Free-form reading of the slot (a period's name, a comparative's dimension, a referent's role). */
  label?: string;
  /** Comparatives: the subject has less ("fewer", "younger"). */
  down?: boolean;
}

/** The slots filled so far, by name. */
export type Slots = Readonly<Record<string, Slot>>;

/** One partial parse: the next token index and the slots filled. */
export interface State {
  i: number;
  slots: Slots;
}

/** The text being parsed and its tokens; tags are computed per sentence on first need. */
export class Ctx {
  readonly text: string;
  readonly toks: Token[];
  private readonly sentenceOf: Int32Array;
  private readonly sentences: [number, number][] = [];
  private readonly tagged = new Set<number>();

  constructor(text: string, toks: Token[]) {
    this.text = text;
    this.toks = toks;
    this.sentenceOf = new Int32Array(toks.length);
    let from = 0;
    toks.forEach((t, i) => {
      this.sentenceOf[i] = this.sentences.length;
      const next = toks[i + 1];
      const newline = next !== undefined && text.slice(t.end, next.start).includes('\n');
      if ((t.type === 'punct' && /^[.!?]$/.test(t.text)) || newline || i === toks.length - 1) {
        this.sentences.push([from, i + 1]);
        from = i + 1;
      }
    });
  }

  /** Token i's part-of-speech tags (empty for non-words and beyond the end). */
  tags(i: number): ReadonlySet<string> {
    const t = this.toks[i];
    if (!t) return new Set();
    const s = this.sentenceOf[i];
    if (!this.tagged.has(s)) {
      this.tagged.add(s);
      const [a, b] = this.sentences[s];
      const base = this.toks[a].start;
      const slice = this.toks.slice(a, b).map((x) => ({ ...x, start: x.start - base, end: x.end - base }));
      tagTokens(this.text.slice(base, this.toks[b - 1].end), slice);
      slice.forEach((x, k) => (this.toks[a + k].tags = x.tags));
    }
    return t.tags;
  }

  /** The first token index of token i's sentence. */
  sentenceStart(i: number): number {
    return this.sentences[this.sentenceOf[i]]?.[0] ?? 0;
  }

  /** Token i's lower-cased word, or '' when it is not a word. */
  word(i: number): string {
    const t = this.toks[i];
    return t && t.type === 'word' ? t.lower : '';
  }

  /** The source text of tokens `[from, to)`. */
  slice(from: number, to: number): string {
    if (to <= from) return '';
    return this.text.slice(this.toks[from].start, this.toks[to - 1].end);
  }
}

/** A pattern: every state reachable by matching it from `s`. */
export type Pattern = (c: Ctx, s: State) => State[];

/** Matches one word token whose lower-cased form (or possessive-free base) is one of `words`. */
export function w(...words: string[]): Pattern {
  const set = new Set(words);
  return (c, s) => {
    const t = c.toks[s.i];
    return t && t.type === 'word' && !t.possessive && set.has(t.lower) ? [{ i: s.i + 1, slots: s.slots }] : [];
  };
}

/** Matches a fixed sequence of words, e.g. `phrase('as', 'many')` or `phrase('what is left')`. */
export function phrase(...words: string[]): Pattern {
  return seq(...words.flatMap((x) => x.split(' ')).map((x) => w(x)));
}

/** Matches one token of the given symbol ("%", "$", ",", ":"). */
export function sym(...symbols: string[]): Pattern {
  const set = new Set(symbols);
  return (c, s) => {
    const t = c.toks[s.i];
    return t && (t.type === 'sym' || t.type === 'punct') && set.has(t.text) ? [{ i: s.i + 1, slots: s.slots }] : [];
  };
}

/** Matches each pattern in turn. */
export function seq(...ps: Pattern[]): Pattern {
  return (c, s) => {
    let states = [s];
    for (const p of ps) {
      states = states.flatMap((x) => p(c, x));
      if (!states.length) return states;
    }
    return states;
  };
}

/** Matches any of the patterns (all their parses are kept). */
export function alt(...ps: Pattern[]): Pattern {
  return (c, s) => ps.flatMap((p) => p(c, s));
}

/** Matches the pattern or nothing. */
export function opt(p: Pattern): Pattern {
  return (c, s) => [s, ...p(c, s)];
}

/** Records the token range a pattern matched as slot `name` (keeping what the pattern set there). */
export function cap(name: string, p: Pattern): Pattern {
  return (c, s) =>
    p(c, s).map((x) => ({ i: x.i, slots: { ...x.slots, [name]: { ...x.slots[name], from: s.i, to: x.i } } }));
}

/** Succeeds without consuming only where `test` holds at the current position. */
export function when(test: (c: Ctx, s: State) => boolean): Pattern {
  return (c, s) => (test(c, s) ? [s] : []);
}

/** Succeeds only where `p` does NOT match at the current position (consumes nothing). */
export function not(p: Pattern): Pattern {
  return (c, s) => (p(c, s).length ? [] : [s]);
}

/** Skips up to `max` tokens that `ok` accepts (lazily: every count is a parse). */
export function gap(max: number, ok: (c: Ctx, i: number) => boolean): Pattern {
  return (c, s) => {
    const out: State[] = [s];
    for (let k = 0, i = s.i; k < max && i < c.toks.length && ok(c, i); k++, i++) out.push({ i: i + 1, slots: s.slots });
    return out;
  };
}

/** A slot reader: reads a typed slot at token i, or undefined. */
export type Reader = (c: Ctx, i: number) => Slot | undefined;

/** A pattern from a slot reader, stored under `name`. */
export function slot(name: string, read: Reader): Pattern {
  return (c, s) => {
    const r = read(c, s.i);
    return r ? [{ i: r.to, slots: { ...s.slots, [name]: r } }] : [];
  };
}

/** A slot reader that may return several readings (a noun phrase with or without its trailing words). */
export function slots(name: string, read: (c: Ctx, i: number) => Slot[]): Pattern {
  return (c, s) => read(c, s.i).map((r) => ({ i: r.to, slots: { ...s.slots, [name]: r } }));
}

/** What a construction's renderer makes of one parse. */
export interface Rendering {
  gloss: string;
  ambiguous?: boolean;
}

/** A parse handed to a renderer: the context, the matched token range and the slots. */
export interface Parse {
  c: Ctx;
  from: number;
  to: number;
  slots: Slots;
}

/** One construction of the grammar: its family, stable kind, pattern, precedence and renderer. */
export interface ConstructionDef {
  family: string;
  kind: string;
  /** Higher wins where two parses overlap ("5 more than twice as many" beats "twice as many"). */
  priority: number;
  pattern: Pattern;
  /**
   * A text the construction can parse in matches this (its pattern needs one of these words), so
   * the engine skips it on other texts without trying it at every token: a speed-up, never a filter.
   */
  requires?: RegExp;
  /** The gloss for a parse, or null where the parse does not render (no gloss rather than a wrong one). */
  render(p: Parse): Rendering | null;
}

/** A construction found in the tokens: which, where (token range) and its rendering. */
export interface Found extends Rendering {
  def: ConstructionDef;
  from: number;
  to: number;
}

/**
 * Runs every construction at every token; for each (construction, start) keeps the longest parse
 * whose renderer answers; then keeps a non-overlapping set, by priority, then length, then position.
 */
export function runGrammar(c: Ctx, defs: readonly ConstructionDef[]): Found[] {
  const found: Found[] = [];
  const active = defs.filter((d) => !d.requires || d.requires.test(c.text));
  for (let i = 0; i < c.toks.length; i++) {
    for (const def of active) {
      const ends = def.pattern(c, { i, slots: {} }).filter((s) => s.i > i);
      ends.sort((a, b) => b.i - a.i);
      // Only the longest parses: where the whole phrase renders nothing (a guard refused it), a
      // shorter reading of its head ("15% of day-shift" in "15% of day-shift workers") is no safer
      for (const s of ends.filter((e) => e.i === ends[0]?.i)) {
        const r = def.render({ c, from: i, to: s.i, slots: s.slots });
        if (r) {
          found.push({ ...r, def, from: i, to: s.i });
          break;
        }
      }
    }
  }
  found.sort((a, b) => b.def.priority - a.def.priority || b.to - b.from - (a.to - a.from) || a.from - b.from);
  const kept: Found[] = [];
  for (const f of found) if (!kept.some((k) => f.from < k.to && k.from < f.to)) kept.push(f);
  return kept.sort((a, b) => a.from - b.from);
}
