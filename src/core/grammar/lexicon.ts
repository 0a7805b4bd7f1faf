// The grammar's closed word lists: number words, fraction words, multipliers, comparatives (with
// the dimension they compare), periods and the function words a referent never contains. One place
// for vocabulary, so constructions name word classes, not strings.

/** Cardinal number words up to nineteen, and the tens. */
export const UNITS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};

/** Tens words ("twenty" .. "ninety"). */
export const TENS: Readonly<Record<string, number>> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

/** Scale words that multiply the number before them ("three hundred", "2 million"). */
export const SCALES: Readonly<Record<string, number>> = {
  hundred: 100,
  thousand: 1000,
  million: 1_000_000,
  billion: 1_000_000_000,
};

/** Fraction denominators in words, singular and plural ("third", "thirds", "quarter"). */
export const DENOMINATORS: Readonly<Record<string, number>> = {
  half: 2,
  halves: 2,
  third: 3,
  thirds: 3,
  quarter: 4,
  quarters: 4,
  fourth: 4,
  fourths: 4,
  fifth: 5,
  fifths: 5,
  sixth: 6,
  sixths: 6,
  seventh: 7,
  sevenths: 7,
  eighth: 8,
  eighths: 8,
  ninth: 9,
  ninths: 9,
  tenth: 10,
  tenths: 10,
  twelfth: 12,
  twelfths: 12,
  hundredth: 100,
  hundredths: 100,
};

/** Single-word multipliers ("twice" = 2); "N times" is read by the grammar. */
export const MULTIPLIER_WORDS: Readonly<Record<string, number>> = {
  twice: 2,
  double: 2,
  thrice: 3,
  triple: 3,
  quadruple: 4,
};

/** Single-word frequencies ("once a week" = 1 time per week). */
export const FREQUENCY_WORDS: Readonly<Record<string, number>> = { once: 1, twice: 2, thrice: 3 };

/** Growth verbs that multiply an amount each period ("doubles every year"). */
export const GROWTH_VERBS: Readonly<Record<string, number>> = {
  doubles: 2,
  doubled: 2,
  double: 2,
  triples: 3,
  tripled: 3,
  triple: 3,
  quadruples: 4,
  quadrupled: 4,
};

/** What a comparison measures, for rendering "Ruby's age", "the box's weight". */
export type Dimension = string;

/**
 * Comparatives: the dimension they compare and whether they point down (fewer, younger: the subject
 * has less). "more", "fewer", "less" measure whatever noun they govern (dimension '').
 */
export const COMPARATIVES: Readonly<Record<string, { dim: Dimension; down: boolean }>> = {
  more: { dim: '', down: false },
  fewer: { dim: '', down: true },
  less: { dim: '', down: true },
  older: { dim: 'age', down: false },
  younger: { dim: 'age', down: true },
  taller: { dim: 'height', down: false },
  shorter: { dim: 'length', down: true },
  higher: { dim: 'height', down: false },
  lower: { dim: 'height', down: true },
  longer: { dim: 'length', down: false },
  heavier: { dim: 'weight', down: false },
  lighter: { dim: 'weight', down: true },
  cheaper: { dim: 'price', down: true },
  costlier: { dim: 'price', down: false },
  faster: { dim: 'speed', down: false },
  slower: { dim: 'speed', down: true },
  bigger: { dim: 'size', down: false },
  larger: { dim: 'size', down: false },
  smaller: { dim: 'size', down: true },
  greater: { dim: '', down: false },
  farther: { dim: 'distance', down: false },
  further: { dim: 'distance', down: false },
  wider: { dim: 'width', down: false },
  narrower: { dim: 'width', down: true },
  deeper: { dim: 'depth', down: false },
};

/** Adjectives of "N times as ADJ as" with the dimension they measure ("as old as" -> age). */
export const AS_ADJECTIVES: Readonly<Record<string, Dimension>> = {
  many: '',
  much: '',
  old: 'age',
  tall: 'height',
  high: 'height',
  long: 'length',
  heavy: 'weight',
  fast: 'speed',
  far: 'distance',
  big: 'size',
  large: 'size',
  wide: 'width',
  deep: 'depth',
  expensive: 'price',
  costly: 'price',
};

/** Verbs whose "as much as" measures a known dimension ("weighs three times as much" -> weight). */
export const VERB_DIMENSIONS: Readonly<Record<string, Dimension>> = {
  weighs: 'weight',
  weighed: 'weight',
  weigh: 'weight',
  costs: 'price',
  priced: 'price',
  cost: 'price',
  earns: 'earnings',
  earned: 'earnings',
  earn: 'earnings',
  makes: 'earnings',
  made: 'earnings',
  spends: 'spending',
  spent: 'spending',
  spend: 'spending',
  saves: 'savings',
  saved: 'savings',
  save: 'savings',
  runs: 'distance',
  ran: 'distance',
  walks: 'distance',
  walked: 'distance',
  swims: 'distance',
  swam: 'distance',
  drives: 'distance',
  drove: 'distance',
  reads: 'reading',
  read: 'reading',
  eats: 'eating',
  ate: 'eating',
  drinks: 'drinking',
  drank: 'drinking',
};

/** Time periods a frequency or period construction may name (singular and plural). */
export const PERIODS: Readonly<Record<string, string>> = {
  second: 'second',
  seconds: 'second',
  minute: 'minute',
  minutes: 'minute',
  hour: 'hour',
  hours: 'hour',
  day: 'day',
  days: 'day',
  night: 'night',
  nights: 'night',
  morning: 'morning',
  mornings: 'morning',
  evening: 'evening',
  evenings: 'evening',
  week: 'week',
  weeks: 'week',
  weekend: 'weekend',
  weekends: 'weekend',
  month: 'month',
  months: 'month',
  year: 'year',
  years: 'year',
  decade: 'decade',
  decades: 'decade',
  semester: 'semester',
  semesters: 'semester',
  season: 'season',
  seasons: 'season',
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
};

/** Adverbs of frequency with their period ("daily" -> per day). */
export const FREQUENCY_ADVERBS: Readonly<Record<string, string>> = {
  daily: 'day',
  nightly: 'night',
  weekly: 'week',
  monthly: 'month',
  yearly: 'year',
  annually: 'year',
  hourly: 'hour',
};

/** Subject and object pronouns with their possessive determiner ("she" -> "her"). */
export const PRONOUN_POSSESSIVE: Readonly<Record<string, string>> = {
  i: 'my',
  me: 'my',
  you: 'your',
  he: 'his',
  him: 'his',
  she: 'her',
  her: 'her',
  it: 'its',
  we: 'our',
  us: 'our',
  they: 'their',
  them: 'their',
};

/** Determiners that may open a referent noun phrase. */
export const DETERMINERS = new Set([
  'the',
  'a',
  'an',
  'his',
  'her',
  'their',
  'its',
  'my',
  'our',
  'your',
  'this',
  'that',
  'these',
  'those',
]);

/** Time referents of a comparison ("than last year") and the possessive they render as. */
export const TIME_REFERENTS: Readonly<Record<string, string>> = {
  yesterday: "yesterday's",
  today: "today's",
  before: 'the earlier',
};

/**
 * Function words a referent noun phrase never contains: prepositions, conjunctions, auxiliaries and
 * copulas, wh-words, degree adverbs and the grammar's own keywords.
 */
export const CLOSED = new Set([
  'than',
  'as',
  'of',
  'to',
  'in',
  'on',
  'at',
  'by',
  'for',
  'with',
  'from',
  'into',
  'onto',
  'over',
  'under',
  'about',
  'after',
  'before',
  'during',
  'per',
  'himself',
  'herself',
  'itself',
  'themselves',
  'myself',
  'yourself',
  'ourselves',
  'plus',
  'minus',
  'including',
  'excluding',
  'except',
  'without',
  'until',
  'and',
  'or',
  'but',
  'nor',
  'so',
  'yet',
  'if',
  'when',
  'while',
  'because',
  'since',
  'then',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'am',
  'has',
  'have',
  'had',
  'do',
  'does',
  'did',
  'will',
  'would',
  'can',
  'could',
  'shall',
  'should',
  'may',
  'might',
  'must',
  'who',
  'whom',
  'whose',
  'which',
  'what',
  'where',
  'why',
  'how',
  'that',
  'more',
  'less',
  'fewer',
  'most',
  'least',
  'times',
  'twice',
  'thrice',
  'once',
  'each',
  'every',
  'all',
  'both',
  'also',
  'only',
  'just',
  'not',
  'no',
  'there',
  'here',
  'now',
  'again',
  'altogether',
  'together',
  'many',
  'much',
  'some',
  'any',
  'another',
  'such',
]);

/** Auxiliaries that may close a comparison's referent ("than Jerry does"). */
export const TRAILING_AUX = new Set([
  'does',
  'did',
  'do',
  'has',
  'had',
  'have',
  'is',
  'was',
  'are',
  'were',
  'can',
  'could',
  'will',
  'would',
]);

/** Verb particles: a gloss never goes between a verb and its particle ("shot down", "gave away"). */
export const PARTICLES = new Set(['up', 'down', 'away', 'out', 'off', 'back', 'over', 'in', 'on']);

/** Plurals English does not form with -s or -es (the nouns word problems count). */
const IRREGULAR_PLURALS: Readonly<Record<string, string>> = {
  foot: 'feet',
  tooth: 'teeth',
  goose: 'geese',
  mouse: 'mice',
  man: 'men',
  woman: 'women',
  child: 'children',
  person: 'people',
  leaf: 'leaves',
  loaf: 'loaves',
  knife: 'knives',
  shelf: 'shelves',
  half: 'halves',
  wife: 'wives',
  life: 'lives',
  sheep: 'sheep',
  fish: 'fish',
  deer: 'deer',
  series: 'series',
};

/**
 * The plural of a singular noun (the last word of a phrase): "wash" -> "washes", "box" -> "boxes",
 * "day" -> "days", "berry" -> "berries", "foot" -> "feet"; a word already ending in -s is kept.
 */
export function pluralNoun(phrase: string): string {
  const m = /^(.*?)([A-Za-z]+)$/.exec(phrase);
  if (!m) return phrase;
  const [, head, word] = m;
  const lower = word.toLowerCase();
  let plural: string;
  if (lower in IRREGULAR_PLURALS) plural = IRREGULAR_PLURALS[lower];
  else if (/(s|x|z|ch|sh)$/.test(lower)) plural = /(ss|x|z|ch|sh)$/.test(lower) ? `${word}es` : word;
  else if (/[^aeiou]y$/.test(lower)) plural = `${word.slice(0, -1)}ies`;
  else plural = `${word}s`;
  return head + plural;
}
