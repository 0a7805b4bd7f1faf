// Cuts a text into the grammar's tokens with UTF-16 offsets: words (hyphenated and possessive forms
// kept whole), numbers (thousands separators, decimals), digit fractions "3/5", and the tokens
// that must never be read as quantities: clock times, dates, versions, "3:2" pairs. Keeping those
// whole is what keeps every slot, span and insertion point off them.

/** What a token is. `pair` is "3:2" (a score, a ratio, a meeting name); only ratio constructions read it. */
export type TokenType = 'word' | 'num' | 'frac' | 'time' | 'date' | 'version' | 'pair' | 'sym' | 'punct';

/** One token: its text, lower-cased form, UTF-16 offsets `[start, end)` and, for numbers, the value. */
export interface Token {
  text: string;
  lower: string;
  start: number;
  end: number;
  type: TokenType;
  /** Numbers: the value; `frac`: numerator / denominator. */
  value?: number;
  /** `frac` and `pair`: the two integers as written. */
  parts?: [number, number];
  /** Words written with a possessive 's or s' ("Sam's"): `lower` and `base` drop it. */
  possessive?: boolean;
  /** Lower-cased word without its possessive ending. */
  base: string;
  /** Part-of-speech tags from the tagger (tagger.ts), empty until tagged. */
  tags: ReadonlySet<string>;
}

// Order matters: the longer, more specific forms first.
const TOKEN = new RegExp(
  [
    // clock times: 6:00, 11:45:30, optional am/pm; "6 am", "6pm"
    String.raw`(?<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?(?![A-Za-z]))?|\d{1,2}\s?[ap]\.?m\.?(?![A-Za-z]))`,
    // dates: 12/25/2024, 2024-03-05, 3.5.2024
    String.raw`(?<date>\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4})`,
    // versions: v2, v2.3, 1.2.3
    String.raw`(?<version>[vV]\d+(?:\.\d+)*\b|\d+\.\d+\.\d+(?:\.\d+)*)`,
    // pairs: 3:2, 1:1, 16:9
    String.raw`(?<pair>\d+\s?:\s?\d+(?![\d:]))`,
    // digit fractions: 3/5
    String.raw`(?<frac>\d+/\d+(?![\d/]))`,
    // numbers: 1,200.50 or 3.5 or .5
    String.raw`(?<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:\.\d+)?|\.\d+)`,
    // words: letters, inner apostrophes and hyphens ("twenty-five", "Sam's", "double-check")
    String.raw`(?<word>[\p{L}\p{M}]+(?:['\u2019][\p{L}]+)*(?:-[\p{L}\p{M}]+(?:['\u2019][\p{L}]+)*)*['\u2019]?)`,
    String.raw`(?<sym>[$\u20AC\u00A3%\u00D7])`,
    String.raw`(?<punct>\S)`,
  ].join('|'),
  'gu',
);

const NO_TAGS: ReadonlySet<string> = new Set();

/** The grammar's tokens of `text`, in order, without white space. Never throws. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const g = m.groups!;
    const type = (Object.keys(g) as TokenType[]).find((k) => g[k] !== undefined) ?? 'punct';
    let raw = m[0];
    const start = m.index;
    // A trailing apostrophe is possessive only after s ("players'"); otherwise it is a quote mark.
    if (type === 'word' && /['\u2019]$/.test(raw) && !/s['\u2019]$/i.test(raw)) raw = raw.slice(0, -1);
    const lower = raw.toLowerCase();
    const tok: Token = { text: raw, lower, base: lower, start, end: start + raw.length, type, tags: NO_TAGS };
    if (type === 'word') {
      const poss = /^(.+?)(?:['\u2019]s|s['\u2019])$/.exec(lower);
      if (poss && !/^(it|let|that|what|there|here|he|she|who)['\u2019]s$/.test(lower)) {
        tok.possessive = true;
        tok.base = lower.endsWith("'") || lower.endsWith('\u2019') ? lower.slice(0, -1) : poss[1];
      }
    } else if (type === 'num') tok.value = Number(raw.replace(/,/g, ''));
    else if (type === 'frac' || type === 'pair') {
      const [a, b] = raw.split(/\s?[/:]\s?/).map(Number);
      tok.parts = [a, b];
      if (type === 'frac' && b !== 0) tok.value = a / b;
    }
    out.push(tok);
    if (raw.length < m[0].length) {
      const q = start + raw.length;
      out.push({
        text: m[0].slice(raw.length),
        lower: m[0].slice(raw.length),
        base: '',
        start: q,
        end: start + m[0].length,
        type: 'punct',
        tags: NO_TAGS,
      });
    }
  }
  return out;
}
