// Rates: "6 liters of fuel for every 100 km", "$3 per pound", "60 miles per hour", "5 pages a day".
import {
  alt,
  cap,
  opt,
  phrase,
  seq,
  slot,
  w,
  when,
  type ConstructionDef,
  type Ctx,
  type Parse,
  type Slot,
  type State,
} from '../engine.ts';
import { FREQUENCY_ADVERBS, pluralNoun } from '../lexicon.ts';
import { fitted, money, num } from '../render.ts';
import { period, quantity, units } from '../slots.ts';
import { possessiveOf, subjectBefore } from '../referents.ts';
import { sentenceAround, text } from './common.ts';
import { clauseAt, clauseTail, relativeAt } from './tail.ts';
import { unitNote } from './unit-note.ts';

/**
 * Whether the rate's sentence holds other terms of the same total (outside the phrase): a fee, a
 * second rate or price, a percentage, tiers or exceptions ("$65 an hour plus a $50 call-out fee",
 * "$18 per hour, and time and a half after 40", "12 gallons per minute and a drain empties 4 per
 * minute", "20 pages a day on weekdays"). There "total = $65 × number of hours" would mislead, so
 * the rate constructions write no gloss (precision first).
 */
function otherTerms(p: Parse): boolean {
  const [before, after] = sentenceAround(p);
  if (OTHER_TERMS.test(`${before} ${after}`)) return true;
  // "his average doesn't go above 60 minutes per maze" bounds an average; "throws on average 25
  // punches per minute" and "an average speed of 60 miles per hour" state the rate itself
  const rest = `${before.replace(AVERAGE_OF_THIS, '')} ${after}`.replace(/\bon average\b/gi, '');
  return /\b(?:average|mean)\b/i.test(rest);
}
/**
 * Whether the rate belongs to each of several agents, so a "total = …" gloss would drop how many
 * there are: "The members each earn $20 per gig", "4 cows and 3 sheep that eat 2 bushels a day",
 * "costs $10 per month to feed each animal", "Robby, Jaylen and Miranda … earning $10 per hour".
 */
function perEach(p: Parse): boolean {
  if (!agentRate(p)) return false;
  const [before, after] = sentenceAround(p);
  const rest = `${eachSubject(p) ? '' : before} ${after}`;
  if (EACH_AGENT.test(rest)) return true;
  return COUNTED_AGENTS.test(before) || NAMED_AGENTS.test(before);
}

/**
 * Whether the rate is an agent's: per unit of time ("a day", "per hour", "weekly") or earned or paid
 * ("$20 per gig"). "2 bottles per guest" is true however many guests there are.
 */
function agentRate(p: Parse): boolean {
  const per = p.slots.per ?? p.slots.u2;
  if (p.slots.q?.label) return true;
  return !!per && (TIME_UNIT.test(p.c.slice(per.from, per.to)) || p.c.word(per.from) in FREQUENCY_ADVERBS);
}

/**
 * "Each worker packs 40 boxes per day" -> "each worker": the sentence's subject, "Each" and a
 * noun (with its adjectives), right before the verb that leads to the rate; '' otherwise. The gloss
 * then names whose rate it is ("…, for each worker") rather than read as a total.
 */
function eachSubject(p: Parse): string {
  const c = p.c;
  const start = c.sentenceStart(p.from);
  if (c.word(start) !== 'each') return '';
  let i = start + 1;
  while (i < p.from && c.toks[i].type === 'word' && !c.tags(i).has('Verb')) i++;
  const noun = c.slice(start + 1, i);
  // the verb comes next and at most "to" + a verb, or an adverb, before the phrase ("needs to eat")
  if (i === start + 1 || i >= p.from || !c.tags(i - 1).has('Noun') || p.from - i > 3) return '';
  if (c.toks.slice(i, p.from).some((t) => t.type !== 'word')) return '';
  // "Each pack contains 3 balls per pack": the rate already says whose it is
  const per = p.slots.per ?? p.slots.u2;
  if (per && pluralNoun(c.slice(per.from, per.to)) === pluralNoun(c.toks[i - 1].lower)) return '';
  return `each ${noun}`;
}

/**
 * Whose rate it is, where the text counts more than one of them: "Each worker packs 40 boxes per
 * day" -> "each worker"; "A worker can assemble 5 chairs in 2 hours. How many chairs can 4 workers
 * …" -> "one worker"; '' otherwise. The gloss says so ("…, for one worker"): without it the rate
 * reads as the whole crew's.
 */
function whoseRate(p: Parse): string {
  const each = eachSubject(p);
  if (each) return each;
  const c = p.c;
  const start = c.sentenceStart(p.from);
  if (!['a', 'an', 'one'].includes(c.word(start)) || !agentRate(p)) return '';
  let i = start + 1;
  while (i < p.from && c.toks[i].type === 'word' && !c.tags(i).has('Verb')) i++;
  if (i === start + 1 || i >= p.from || p.from - i > 3 || !c.tags(i - 1).has('Noun')) return '';
  if (c.toks.slice(i, p.from).some((t) => t.type !== 'word')) return '';
  const noun = c.slice(start + 1, i);
  const many = pluralNoun(c.toks[i - 1].lower);
  const counted = new RegExp(
    `\\b(?:\\d[\\d,]*|two|three|four|five|six|seven|eight|nine|ten|twelve|several|all|both)\\s+(?:\\w+\\s+)?${many}\\b`,
    'i',
  );
  // "A squirrel gathers 12 acorns … Its neighbor gathers …": the rate is that one's, not each one's
  if (/\b(?:another|other|second|neighbou?r|rival|partner)\b/i.test(c.text)) return '';
  return counted.test(c.text) ? `one ${noun}` : '';
}

/**
 * "total" named for whose it is where the subject is a person ("Mia saves $5 every week" -> "Mia's
 * total"): a bare "total" reads as the total the question asks for ("How much do they save together?").
 */
function totalOf(p: Parse): string {
  const what = totalName(p);
  const r = subjectBefore(p.c, p.from);
  // a first name only ("Lucy"): "the trader", "Go-karts" and "Jeans makeup artist" read badly as owners
  const named =
    r?.role === 'person' && r.nameTo === r.nameFrom + 1 && r.from === r.nameFrom && p.c.tags(r.nameFrom).has('Person');
  // "Amanda charges $20 per hour": the charge is the customer's cost, so it is not named for Amanda
  if (what === 'charge') return what;
  // "cherries … that cost $8 per kilogram": the verb is a relative clause's, so the cost is the
  // thing's, not the subject's (Genevieve paid only part of it)
  if (/\b(?:that|which|who)\s+(?:\w+\s+)?(?:costs?|charges?|earns?|saves?)\b[^,;.]*$/i.test(sentenceAround(p)[0]))
    return what;
  return named && /^[A-Z]/.test(p.c.toks[r.nameFrom].text) ? `${possessiveOf(p.c, r)} ${what}` : what;
}

/**
 * What a money rate adds up to, named by its verb: "earns $12 an hour" -> "pay", "saves $5 a week"
 * -> "savings", "costs $3 a pound" -> "cost"; "total" otherwise. "total" alone reads as the total
 * the question asks for ("How much do they save together?", "already has $360 saved").
 */
function totalName(p: Parse): string {
  const before = sentenceAround(p)[0].toLowerCase();
  const verb =
    /\b(earns?|earned|earning|paid|gets? paid|is paid|charges?|charged|charging|costs?|costing|saves?|saved|saving|spends?|spent|spending)\b[^,;]*$/.exec(
      before,
    )?.[1] ?? '';
  if (/^(earn|gets? paid|is paid)/.test(verb)) return 'pay';
  if (/^paid/.test(verb)) return /\b(?:is|was|are|were|gets?|got|been) paid\b/.test(before) ? 'pay' : 'cost';
  if (/^charg/.test(verb)) return 'charge';
  if (/^cost/.test(verb)) return 'cost';
  if (/^sav/.test(verb)) return 'savings';
  if (/^spen/.test(verb)) return 'spending';
  return 'total';
}
const EACH_AGENT =
  /\b(?:everyone|everybody|each person)\b|\b(?:each|apiece)\b(?!\s+(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|mornings?|evenings?|afternoons?|time|trip|visit|session|weekday|weekend|lap|round)\b)/i;
const COUNT_WORD = '(?:\\d[\\d,]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|many)';
const COUNTED_AGENTS = new RegExp(
  `\\b${COUNT_WORD}\\s+(?:[a-z]+\\s+)?[a-z]+s(?:\\s+and\\s+${COUNT_WORD}\\s+(?:[a-z]+\\s+)?[a-z]+)?\\s+(?:that|who|which|(?:from|on|in|of) which|where)\\b`,
  'i',
);
const NAMED_AGENTS = /\b[A-Z][a-z]+(?:,\s+[A-Z][a-z]+)*,?\s+and\s+[A-Z][a-z]+\b|\b[Bb]oth\b/;

/** "one less than 5 cakes per day", "twice 3 laps a day": the rate's number is not the rate. */
function modifiedCount(p: Parse): boolean {
  const c = p.c;
  if (['than', 'times', 'twice', 'thrice', 'half'].includes(c.word(p.from - 1))) return true;
  // "1 in 4 cycles every day", "one out of 5 …": a share, not the rate's count
  const w1 = c.word(p.from - 1);
  const before = w1 === 'of' && c.word(p.from - 2) === 'out' ? p.from - 3 : w1 === 'in' ? p.from - 2 : -1;
  return before >= 0 && quantity(c, before) !== undefined;
}

/** Whether a unit slot is a single letter or an abbreviation with capitals ("28p per kWh", "$5 for every B"). */
function letterUnit(p: Parse, u: Slot | undefined): boolean {
  if (!u) return false;
  const t = p.c.slice(u.from, u.to);
  return /^[A-Za-z]$/.test(t) || /^[A-Za-z]+[A-Z]/.test(t);
}

/** Whether a unit slot (if filled) can be a noun: not a gerund ("one growing") or a bare adjective ("nine spotted"). */
function nounUnit(p: Parse, u: Slot | undefined): boolean {
  if (!u) return true;
  // the tagger reads "discount" after "$2" as a verb, so only gerunds and bare adjectives are refused
  const t = p.c.tags(u.to - 1);
  return !t.has('Gerund') && !/ing$/.test(p.c.word(u.to - 1)) && !(t.has('Adjective') && !t.has('Noun'));
}

/** The gloss with its unit note where both fit the word budget, else the gloss alone. */
function noted(gloss: string, note: string): { gloss: string } | null {
  return (note && fitted(`${gloss}${note}`)) || fitted(gloss);
}

/** The guards every rate construction applies before it writes a gloss (precision first). */
function unsafeRate(p: Parse): boolean {
  const units = ['u', 'u1', 'u2', 'per'].map((k) => p.slots[k]);
  return (
    otherTerms(p) ||
    perEach(p) ||
    modifiedCount(p) ||
    units.some((u) => letterUnit(p, u)) ||
    laterChange(p) ||
    sharedRate(p) ||
    listShare(p) ||
    partOfPeriod(p) ||
    otherFrequency(p) ||
    priorAmount(p)
  );
}

/** "receives 60 letters and 20 packages per day": the period belongs to every count of the list. */
function listShare(p: Parse): boolean {
  const at = p.slots.q?.from ?? p.from;
  return (
    p.c.word(at - 1) === 'and' && /\d[\d,.]*\s+(?:\w+\s+){0,2}\w+\s*,?\s*$/.test(p.c.slice(Math.max(0, at - 5), at - 1))
  );
}

/**
 * "15 minutes each day during the school week", "… on weekdays": the rate holds for part of the
 * period the question counts ("a whole week"), and "× number of days" would spread it over all.
 */
function partOfPeriod(p: Parse): boolean {
  // "every hour she is awake": a clause narrows the period too
  return /^\s*(?:during the (?:school|work|working) week|on (?:weekdays|school days|workdays|weekends)|(?:that |when |while )?(?:she|he|they|it|you|we|I) (?:is|are|was|were|am)\b)/i.test(
    p.c.text.slice(p.c.toks[p.to - 1].end),
  );
}

/**
 * "Carlos saves $15 a week … he already has $60": an amount saved before, so "savings = $15 ×
 * number of weeks" would leave it out of the total.
 */
function priorAmount(p: Parse): boolean {
  return (
    !!p.slots.q?.label &&
    (/\bsav(?:e|es|ed|ing|ings)\b/i.test(sentenceAround(p)[0]) ||
      /^\s*(?:\w+\s+){0,3}?(?:into|to|in)\s+(?:\w+\s+)?savings\b/i.test(sentenceAround(p)[1])) &&
    /\balready\b/i.test(p.c.text)
  );
}

/**
 * "reels in 3 crab baskets a week … He collects crabs twice a week": another frequency per the same
 * period, so whether the count is per week or per collection is unclear.
 */
function otherFrequency(p: Parse): boolean {
  // "weekly" reads as its period ("week"), through the slot's label
  const slot = p.slots.per ?? p.slots.u2;
  const per = slot?.label && /^[a-z]+$/.test(slot.label) ? slot.label : p.c.word((slot?.to ?? 0) - 1);
  if (!per) return false;
  const outside = p.c.text.slice(0, p.c.toks[p.from].start) + p.c.text.slice(p.c.toks[p.to - 1].end);
  return new RegExp(
    `\\b(?:twice|thrice|once|(?:\\d+|two|three|four|five|six|seven) times) (?:a|an|per|each|every) ${per}\\b`,
    'i',
  ).test(outside);
}

/**
 * "Chandler can eat 23 apples and Lucy can eat 19 apples per week": the rate's period belongs to
 * both counts, so a gloss on the second alone would leave the first without it.
 */
function sharedRate(p: Parse): boolean {
  const u = p.slots.u;
  if (!u) return false;
  const unit = p.c.word(u.to - 1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // another count of the unit, then "and" and a new subject ("and Lucy", "and her brother")
  return new RegExp(
    `\\d[\\d,.]*\\s+(?:\\w+\\s+)?${unit}\\b[^.?!]*\\band\\s+(?:[A-Z][a-z]+|(?:the|his|her|their)\\s+\\w+)\\s`,
  ).test(sentenceAround(p)[0]);
}

/**
 * Whether a money rate is changed or tiered later in the text ("any hours over 40 are paid at 1.5
 * times", "The price increases by 25% next month"): "pay = $18 × number of hours" would then mislead.
 */
function laterChange(p: Parse): boolean {
  if (!p.slots.q?.label) return false;
  // before the phrase too: "Liam's rent went up by 5% this year. Last year he paid $1,000 a month."
  return LATER_CHANGE.test(p.c.text.slice(p.c.toks[p.to - 1].end)) || EARLIER_CHANGE.test(sentencesBefore(p));
}
const EARLIER_CHANGE =
  /\b(?:price|rate|cost|fee|pay|wage|salary|rent|bill)\b[^.?!]{0,30}\b(?:increased|rose|went up|decreased|dropped|fell|was raised|was cut)\b[^.?!]{0,12}(?:%|per\s?cent)/i;

/** The text before the phrase's sentence. */
function sentencesBefore(p: Parse): string {
  return p.c.text.slice(0, p.c.toks[p.c.sentenceStart(p.from)].start);
}

const LATER_CHANGE =
  /\bovertime\b|\btime[- ]and[- ]a[- ]half\b|\b(?:hours?|days?) (?:over|beyond|after|above) \d|\b(?:price|rate|cost|fee|pay|wage|salary|rent|bill|it)\b[^.?!]{0,30}\b(?:increases?|increased|rises?|rose|goes up|went up|decreases?|decreased|drops?|dropped|falls?|fell|raised|cut)\b|\b(?:gets?|got|receives?|received) a (?:\d+% )?(?:raise|discount|pay cut)\b/i;

const AVERAGE_OF_THIS = /\b(?:an?|the|his|her|its|their)?\s*average\s+(?:speed|rate|pace)?\s*(?:of|at)?\s*$/i;
const OTHER_TERMS =
  /[$\u20AC\u00A3%]|\b(?:\d[\d,.]*\s*)?cents?\b|\bper\s?cent\b|\b(?:plus|fees?|extra|additional|overtime|half|first|after|free|but|except|weekdays?|weekends?|up to|minimum|maximum|discount|tax|tip|then|per|another|together|combined|altogether|target|goal|quota|normally|usually|typically|ideal|wind|headwind|tailwind|current|still water|drains?|empties|hourly|daily|weekly|monthly|yearly|annually)\b|(?<!\bfor\s)\b(?:a|an)\s+(?:second|minute|hour|day|night|week|month|year|mile|pound|gallon)\b/i;

/** "6 liters of fuel for every 100 km" -> "fuel = 6 liters per 100 km". */
export const rateForEvery: ConstructionDef = {
  family: 'rate',
  kind: 'rate-for-every',
  priority: 20,
  pattern: seq(
    slot('q1', quantity),
    opt(units('u1')),
    opt(seq(w('of'), units('what'))),
    w('for'),
    w('every', 'each'),
    opt(slot('q2', quantity)),
    units('u2'),
    // "2 cups of flour for every 3 cups of milk": the gloss goes after "of milk", not inside it
    opt(seq(w('of'), units('u2of'))),
    clauseTail,
  ),
  render(p) {
    // "for every book she reads on the train": the clause goes on past the phrase
    // "$12 for each person per day": the first rate alone drops the second
    if (unsafeRate(p) || clauseAt(p.c, p.to) || relativeAt(p.c, p.to) || secondRate(p)) return null;
    // "one growing for every nine spotted mushrooms": a verb or an adjective read as the unit
    if (!nounUnit(p, p.slots.u1) || !nounUnit(p, p.slots.u2)) return null;
    const q1 = p.slots.q1;
    const u1 = text(p, p.slots.u1);
    const what = text(p, p.slots.what) || u1;
    const q2 = p.slots.q2;
    const u2of = text(p, p.slots.u2of);
    const u2 = text(p, p.slots.u2);
    // "2 cats for every dog": the unit is the referent, so the gloss counts the other side, not "cats = 2 cats per dog".
    if (u1 && !p.slots.what && !q2)
      return fitted(`${u1} = ${money(q1.value!, q1.label)} × number of ${pluralNoun(u2)}`);
    const amount = `${money(q1.value!, q1.label)}${u1 && what !== u1 ? ` ${u1}` : ''}`;
    // A measured amount keeps what it measures: "per 3 cups of milk"; a counted noun does not ("every week of sun").
    // "$2 off for every $10 purchase": the second amount keeps its currency
    const per = q2 ? `${money(q2.value!, q2.label)} ${u2}${u2of ? ` of ${u2of}` : ''}` : u2;
    return fitted(what ? `${what} = ${amount} per ${per}` : `${amount} per ${per}`);
  },
};

const MEASURE_ADJECTIVES = new Set(['square', 'cubic', 'fluid', 'metric', 'nautical']);
const IRREGULAR_PLURAL_FORMS = new Set(['feet', 'teeth', 'people', 'children', 'men', 'women', 'mice', 'geese']);

/**
 * What a count counts: "3 eggs" -> "eggs"; in "a 3 egg omelet" the number counts the singular first
 * noun of a compound ("eggs"), not the omelet.
 */
function referentOfCount(unit: string, value: number): string {
  const words = unit.split(' ');
  // "350 square feet": a measure, not a count of squares
  if (MEASURE_ADJECTIVES.has(words[0].toLowerCase()) || IRREGULAR_PLURAL_FORMS.has(words.at(-1)!.toLowerCase()))
    return unit;
  if (value > 1 && words.length >= 2 && !/s$/i.test(words[0]) && !/s$/i.test(words.at(-1)!))
    return pluralNoun(words[0]);
  // "8 hour per day": hours = 8 × number of days
  if (value > 1 && words.length === 1 && TIME_UNIT.test(unit) && !/s$/i.test(unit)) return pluralNoun(unit);
  return unit;
}

/** Units of measure a price is quoted by ("$4.50 a kilo"); other nouns after "a" are not a rate. */
const MEASURES = [
  'kilo',
  'kilogram',
  'kg',
  'pound',
  'lb',
  'gram',
  'ounce',
  'liter',
  'litre',
  'gallon',
  'meter',
  'metre',
  'foot',
  'yard',
  'mile',
  'dozen',
  'piece',
  'head',
  'person',
  'ticket',
  'night',
  'ride',
  'visit',
];

/** Items a price is quoted by ("$2 a bottle", "8 cents a page"): a rate only after a price ("5 flies inside a bottle" is none). */
const PRICED_ITEMS = [
  'text',
  'message',
  'call',
  'song',
  'photo',
  'page',
  'copy',
  'word',
  'item',
  'serving',
  'slice',
  'bottle',
  'can',
  'box',
  'bag',
  'lesson',
  'class',
  'session',
];

/** Units that count containers ("3 boxes of gloves"): the containers are what the rate counts. */
const CONTAINERS =
  /^(bags?|sacks?|boxes|box|bottles?|cans?|jars?|cartons?|buckets?|crates?|packs?|packets?|cases?|rolls?)$/i;

/** Units that measure out a substance ("2 cups of food", "9 liters of milk", "3 bags of rice"). */
const MEASURE_OF =
  /^(cups?|liters?|litres?|milliliters?|millilitres?|centiliters?|centilitres?|ml|gallons?|quarts?|pints?|ounces?|oz|pounds?|lbs?|kilograms?|kilos?|kg|grams?|g|tons?|tonnes?|tablespoons?|teaspoons?|spoonfuls?|scoops?|bags?|sacks?|boxes|box|bottles?|cans?|jars?|cartons?|buckets?|loaves|loaf|slices?|pieces?|sheets?|meters?|metres?|feet|foot|yards?|rolls?)$/i;

// A word token the tagger reads as a noun (not a pronoun), e.g. "pay" in "monthly pay".
const startsNoun = (c: Ctx, i: number) =>
  c.toks[i]?.type === 'word' && c.tags(i).has('Noun') && !c.tags(i).has('Pronoun');

const perPeriod = alt(
  seq(w('per'), alt(slot('per', period), units('per'))),
  seq(w('a', 'an', 'each', 'every'), slot('per', period)),
  // "60 miles in each hour"
  seq(w('in'), w('each', 'every'), slot('per', period)),
  // "$4.50 a kilo"
  seq(w('a', 'an'), cap('per', w(...MEASURES))),
  seq(w('a', 'an'), cap('priced', cap('per', w(...PRICED_ITEMS)))),
  // "28 miles to the gallon"
  seq(w('to'), w('the'), cap('per', w(...MEASURES))),
  // "32 miles on a gallon of gas", "four claws on each foot"; not "spent $30 on a ticket" (see render)
  seq(cap('on', w('on')), w('a', 'an', 'one', 'each'), cap('per', w(...MEASURES))),
  // "earns $400 weekly"; not "her $2,400 monthly pay", where the adverb is an adjective of the noun after it
  slot('per', (c, i) =>
    c.word(i) in FREQUENCY_ADVERBS && !startsNoun(c, i + 1)
      ? { from: i, to: i + 1, label: FREQUENCY_ADVERBS[c.word(i)] }
      : undefined,
  ),
);

/** Whether a second rate follows at token i ("$12 per person per day"): the first alone would mislead. */
function secondRate(p: Parse): boolean {
  const wd = p.c.word(p.to);
  if (['per', 'each', 'every'].includes(wd) || wd in FREQUENCY_ADVERBS) return true;
  return (wd === 'a' || wd === 'an') && period(p.c, p.to + 1) !== undefined;
}

const TIME_UNIT = /^(seconds?|minutes?|hours?|days?|weeks?|months?|years?)$/i;

const GOAL_BEFORE =
  /\b(?:has|have|had|needs?|needed|wants?|wanted|plans?|planned|hopes?|hoped|aims?|aimed|tries|tried|is going|are going|was going|were going|expects?|expected) to\s+\w+\s*$|\b(?:must|should)\s+\w+\s*$|\bgoal\b/i;

const STRETCH_DETERMINERS = ['the', 'a', 'an', 'his', 'her', 'its', 'their', 'our', 'my', 'your', 'each'];

/**
 * Whether "Q U in Q2 U2" (state s, slots q, u, q2, u2 read) is a given rate over a span of time:
 * "5 km in 30 minutes", not "20 points in 4 games"; not a named stretch ("ran the 100m in 9.58
 * seconds", "his 400 meter leg in 60 seconds"); not in a question ("How many cans can one machine
 * produce in 8 hours?" asks for the amount); and not where an average is asked ("120 km in 2 hours
 * and 180 km in 3 hours": the average family's gloss is the one that matters there).
 */
function rateOverTime(c: Ctx, s: State): boolean {
  const { q, u2 } = s.slots;
  // "has to sell 80 tickets in 3 days": a goal for the whole span, not a rate
  if (GOAL_BEFORE.test(c.text.slice(c.toks[c.sentenceStart(q.from)].start, c.toks[q.from].start))) return false;
  if (STRETCH_DETERMINERS.includes(c.word(q.from - 1))) return false;
  // "half of 80 years in five years": an age and a wait, no rate (and "a total of 157 hours in one week" is a sum)
  if (['of', 'be', 'turn', 'turns'].includes(c.word(q.from - 1))) return false;
  if (!TIME_UNIT.test(c.slice(u2.from, u2.to)) || /\b(average|mean)\b/i.test(c.text)) return false;
  const end = /[.?!](?!\d)/.exec(c.text.slice(c.toks[s.i - 1].end));
  return end?.[0] !== '?';
}

/**
 * "Four printers print 400 flyers …": a count of more than one agent, a plural noun and a verb
 * right before the rate's quantity, as "all 4 printers" ("both pumps"); '' otherwise.
 */
function groupBefore(p: Parse): string {
  const at = p.slots.q.from;
  const verb = at - 1;
  const noun = at - 2;
  if (!p.c.tags(verb).has('Verb') || !p.c.tags(noun).has('Plural') || p.c.tags(noun).has('Pronoun')) return '';
  const n = quantity(p.c, noun - 1);
  if (!n || n.to !== noun || n.label || !(n.value! > 1)) return '';
  const agents = p.c.toks[noun].text;
  return n.value === 2 ? `both ${agents}` : `all ${num(n.value!)} ${agents}`;
}

/** "$2 per 100 grams", "6 liters per 100 km", "30 pages in 45 minutes" -> "pages = 30 per 45 minutes". */
export const ratePerQuantity: ConstructionDef = {
  family: 'rate',
  kind: 'rate-per',
  // Above the periodic family's "every 2 minutes": "3 pages every 2 minutes" is a rate
  priority: 16,
  pattern: seq(
    when((c, s) => c.word(s.i - 1) !== 'every' && c.word(s.i - 1) !== 'per'),
    slot('q', quantity),
    opt(units('u')),
    // "8 liters of fuel every 100 km"
    opt(seq(w('of'), units('what'))),
    // "4 gallons each 5 minutes": "each" only before a number (slot q2); "30 pages in 45 minutes"
    w('per', 'for', 'every', 'each', 'in'),
    when((c, s) => c.word(s.i - 1) !== 'for' || c.word(s.i) !== 'each'),
    slot('q2', quantity),
    units('u2'),
    when((c, s) => c.word(s.slots.q2.from - 1) !== 'in' || rateOverTime(c, s)),
    // "$33 for 3 hours of dog walking": the gloss goes after the whole unit
    opt(seq(w('of'), units('u2of'))),
  ),
  render(p) {
    if (unsafeRate(p)) return null;
    const { q, q2 } = p.slots;
    const u = text(p, p.slots.u);
    if (!u && !q.label) return null;
    if (p.c.word(p.slots.q2.from - 1) === 'for' && !q.label) return null; // "3 for 2": a deal, not a rate
    // "wants to save $80 for five weeks": a goal for the whole span, not a rate
    if (GOAL_BEFORE.test(p.c.text.slice(p.c.toks[p.c.sentenceStart(q.from)].start, p.c.toks[q.from].start)))
      return null;
    const per = `${num(q2.value!)} ${text(p, p.slots.u2)}`;
    const what = text(p, p.slots.what);
    // "3 boxes of gloves every 2 days": the boxes are what is counted, not the gloves
    if (what && CONTAINERS.test(u)) return fitted(`${u} of ${what} = ${num(q.value!)} per ${per}`);
    if (what) return MEASURE_OF.test(u) ? fitted(`${what} = ${num(q.value!)} ${u} per ${per}`) : null;
    // "Four printers print 400 flyers in 10 minutes": the rate is the group's, and saying so is the point
    const group = groupBefore(p);
    if (group && u) return fitted(`${u} = ${num(q.value!)} per ${per}, by ${group} together`);
    // "2 dozen chocolates in 5 minutes": chocolates = 2 dozen per 5 minutes
    const dozen = /^(dozen|score|gross) (\S.*)$/i.exec(u);
    if (dozen) return fitted(`${dozen[2]} = ${num(q.value!)} ${dozen[1].toLowerCase()} per ${per}`);
    const whose = whoseRate(p);
    const gloss = u ? `${u} = ${num(q.value!)} per ${per}` : `total = ${money(q.value!, q.label)} per ${per}`;
    return noted(whose ? `${gloss}, for ${whose}` : gloss, unitNote(p, text(p, p.slots.u2), u));
  },
};

/** "3 for $1", "two pens for $5" -> "total = $1 per 3": a price for a bundle, not for each. */
export const ratePerBundle: ConstructionDef = {
  family: 'rate',
  kind: 'rate-per',
  priority: 15,
  pattern: alt(
    seq(
      when((c, s) => !['every', 'per', 'for', 'of'].includes(c.word(s.i - 1))),
      // A bare count: "bought 3 books for $45" is one purchase, not a price per bundle
      slot('q', quantity),
      // "3 pens for $2": with a unit only where another count of that unit follows (see render)
      opt(units('u')),
      w('for'),
      slot('q2', quantity),
      // "3 for $1 each" prices each one
      when((c, s) => !['each', 'apiece', 'a', 'per', 'every'].includes(c.word(s.i))),
    ),
    // "Eggs cost $3 for 12 of them"
    seq(slot('q2', quantity), w('for'), slot('q', quantity), phrase('of them')),
    // "sold in packs of 12 for $3"
    seq(
      w('packs', 'pack', 'boxes', 'box', 'bags', 'bag', 'sets', 'set', 'bundles', 'cartons'),
      w('of'),
      slot('q', quantity),
      w('for'),
      slot('q2', quantity),
    ),
  ),
  render(p) {
    if (unsafeRate(p)) return null;
    const { q, q2 } = p.slots;
    if (q.label || !q2.label || q.value! < 2) return null;
    const u = text(p, p.slots.u);
    if (!u) return fitted(`${money(q2.value!, q2.label)} for every ${num(q.value!)}`);
    // "bought 3 books for $45" is one purchase; "sells 3 pens for $2 ... needs 18 pens" is a price
    // per bundle that the text applies to another count
    if (!anotherCount(p, u)) return null;
    return fitted(`${money(q2.value!, q2.label)} for every ${num(q.value!)} ${u}`);
  },
};

/** Whether the text counts `unit` again elsewhere with a number before it ("18 pens"). */
function anotherCount(p: Parse, unit: string): boolean {
  const esc = unit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`\\b\\d[\\d,]*\\s+${esc}\\b`, 'gi');
  const start = p.c.toks[p.from].start;
  return [...p.c.text.matchAll(re)].some((m) => m.index !== start);
}

/** "$3 per pound" -> "total = $3 × number of pounds"; "60 miles per hour" -> "miles = 60 × number of hours". */
export const ratePer: ConstructionDef = {
  family: 'rate',
  kind: 'rate-per',
  priority: 6,
  pattern: seq(
    when((c, s) => c.word(s.i - 1) !== 'every' && c.word(s.i - 1) !== 'per'),
    slot('q', quantity),
    opt(units('u')),
    // "2 cups of food a day": what the amount measures
    opt(seq(w('of'), units('what'))),
    perPeriod,
    // "2 eggs per cup of flour": the gloss goes after the whole unit, not inside "cup of flour"
    opt(seq(w('of'), units('perOf'))),
  ),
  render(p) {
    if (unsafeRate(p)) return null;
    const q = p.slots.q;
    let u = referentOfCount(text(p, p.slots.u), q.value!);
    // "10 dozen doughnuts a day": doughnuts = 10 dozen × days, not "dozen doughnuts = 10 × ..."
    const dozen = /^(dozen|score|gross) (\S.*)$/i.exec(text(p, p.slots.u));
    if (dozen) u = dozen[2];
    else if (/^dozen$/i.test(u) && q.value! > 1) u = 'dozens'; // "4 dozen a day": dozens = 4 × days
    const count = dozen ? `${num(q.value!)} ${dozen[1].toLowerCase()}` : num(q.value!);
    if (!u && !q.label) return null; // "3 per day": no unit to name
    if (secondRate(p) || /^[kmb]$/i.test(u)) return null; // "25k a year": a number's suffix, not a unit
    const perSlot = p.slots.per;
    const perWord =
      FREQUENCY_ADVERBS[p.c.word(perSlot.from)] ??
      (perSlot.label && p.c.slice(perSlot.from, perSlot.to).split(' ').length === 1
        ? p.c.slice(perSlot.from, perSlot.to)
        : text(p, perSlot));
    const per = pluralNoun(perWord);
    // "$0.25 per aluminum can": the tagger reads "can" as a verb, so the unit was cut short
    if (p.c.word(p.to) === 'can' && !p.c.tags(p.to + 1).has('Verb')) return null;
    // "3 miles every Monday through Wednesday": a span of days, not a count of Mondays
    if (
      /^(?:mon|tues|wednes|thurs|fri|satur|sun)day$/i.test(perWord) &&
      ['through', 'to', 'and', 'thru', '-'].includes(p.c.word(p.to))
    )
      return null;
    const what = text(p, p.slots.what);
    if (what) {
      // "2 cups of food a day" measures food; "30 cycles of work a day" is no measure: no gloss
      if (!MEASURE_OF.test(u)) return null;
      const whose = whoseRate(p);
      if (CONTAINERS.test(u))
        return fitted(`${u} of ${what} = ${num(q.value!)} × number of ${per}${whose ? `, for ${whose}` : ''}`);
      return fitted(`${what} = ${num(q.value!)} ${u} × number of ${per}${whose ? `, for ${whose}` : ''}`);
    }
    if (/^off$/i.test(u)) return null; // "$3 off a bag" is a discount, not a rate
    if (/^times?$/i.test(u)) return null; // "1 time per second": a frequency, and "time = …" reads as a duration
    // "a 2,200 calorie a day diet", "a $50 a month plan": the rate is an adjective of the noun after it
    if (
      startsNoun(p.c, p.to) &&
      !p.c.tags(p.to).has('Verb') &&
      !p.c.tags(p.to).has('Gerund') &&
      !/ing$/.test(p.c.word(p.to))
    )
      return null;
    const price = !!q.label || /^cents?$/i.test(u);
    if (p.slots.priced && !price) return null;
    if (p.slots.on && (q.label || /\s/.test(u))) return null; // "spent $30 on a ticket", "80 lines fit on each page"
    if (q.label && /^cents?$/i.test(u)) return null; // "$0.40 cents per mile": dollars or cents?
    // "8 cents a page" is a price: total = 8 cents × number of pages
    if (/^cents?$/i.test(u)) return fitted(`total = ${count} ${u} × number of ${per}`);
    const whose = whoseRate(p);
    const gloss = u
      ? `${u} = ${count} × number of ${per}`
      : `${whose ? 'total' : totalOf(p)} = ${money(q.value!, q.label)} × number of ${per}`;
    return noted(whose ? `${gloss}, for ${whose}` : gloss, unitNote(p, perWord, u));
  },
};

/** The rate family. */
export const rateFamily: ConstructionDef[] = [rateForEvery, ratePerQuantity, ratePerBundle, ratePer];
