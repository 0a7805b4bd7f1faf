// The gloss template library: what to tell the LLM, keyed by what a feature responds to (its top
// activating words). Templates are drafts for a person to review, written to be short, literal
// and correct whatever the surrounding problem is.

/** A gloss template: a key, the words it applies to, the gloss text with `{span}`, and where it goes. */
export interface GlossTemplate {
  key: string;
  /** Matched against the feature's top activating words. */
  match: RegExp;
  gloss: string;
  placement: 'after-span' | 'note';
}

/** The gloss library, tried in order against a feature's top words. */
export const TEMPLATES: GlossTemplate[] = [
  {
    key: 'half',
    match: /^(half|halves|halved)$/,
    gloss: '"{span}": one half (x 0.5) of the amount it refers to; find that amount first',
    placement: 'after-span',
  },
  {
    key: 'twice',
    match: /^(twice|double|doubled|doubles)$/,
    gloss: '"{span}": two times (x 2) the amount it refers to',
    placement: 'after-span',
  },
  {
    key: 'thrice',
    match: /^(thrice|triple|tripled|triples)$/,
    gloss: '"{span}": three times (x 3) the amount it refers to',
    placement: 'after-span',
  },
  {
    key: 'times',
    match: /^(times|as)$/,
    gloss: '"{span}" compares two amounts: multiply the reference amount, do not add',
    placement: 'after-span',
  },
  {
    key: 'rate',
    match: /^(per|each|every|an|hourly|daily|weekly)$/,
    gloss: '"{span}" gives a rate (an amount for one unit): multiply by the number of units',
    placement: 'after-span',
  },
  {
    key: 'percent',
    match: /^(percent|%|percentage)$/,
    gloss: '"{span}" is a percentage: x% of an amount is x/100 times that amount',
    placement: 'after-span',
  },
  {
    key: 'difference',
    match: /^(more|less|fewer|older|younger|taller|shorter|longer|than)$/,
    gloss: '"{span}" states a difference from another amount: add it to or subtract it from that amount',
    placement: 'after-span',
  },
  {
    key: 'remaining',
    match: /^(remaining|rest|left|remainder)$/,
    gloss: '"{span}": what is left after the amounts already taken away',
    placement: 'after-span',
  },
  {
    key: 'total',
    match: /^(total|altogether|combined|all|together)$/,
    gloss: '"{span}" asks for the sum of all the parts mentioned',
    placement: 'after-span',
  },
  {
    key: 'fraction',
    match: /^(third|thirds|quarter|quarters|fourth|fifth|fraction)$/,
    gloss: '"{span}" is a fraction of the amount it refers to: multiply by it',
    placement: 'after-span',
  },
  {
    key: 'units',
    match: /^(minutes|hours|dozen|dozens|cents|pounds|ounces|feet|inches|miles|km|meters)$/,
    gloss: '"{span}" is a unit: convert all quantities to the same unit before combining them',
    placement: 'after-span',
  },
];

/** The template used when no library entry matches a feature's words. */
export const GENERIC: GlossTemplate = {
  key: 'generic',
  match: /.^/,
  gloss: '"{span}" is often misread: check which quantity it refers to before computing',
  placement: 'after-span',
};

/** The template for a feature whose top activating words are `words` (most frequent first). */
export function pickTemplate(words: readonly string[]): GlossTemplate {
  for (const w of words) {
    const t = TEMPLATES.find((t) => t.match.test(w.toLowerCase()));
    if (t) return t;
  }
  return GENERIC;
}
