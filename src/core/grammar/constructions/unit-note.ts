// A rate's unit beside another unit of the same kind in the text ("60 miles per hour … a 30-minute
// break", "5 gallons a minute … How many hours"): the gloss says which unit the count is in, since
// mixing them up is a common misreading. The note names units only; it converts nothing.
import type { Parse } from '../engine.ts';

/** Unit words (as written, lower case) -> [kind, canonical singular]. */
const UNITS: Record<string, [string, string]> = {};
const add = (kind: string, canonical: string, ...forms: string[]) => {
  for (const f of [canonical, ...forms]) UNITS[f] = [kind, canonical];
};
add('time', 'second', 'seconds');
add('time', 'minute', 'minutes', 'min', 'mins');
add('time', 'hour', 'hours', 'hr', 'hrs');
add('time', 'day', 'days');
add('time', 'week', 'weeks');
add('time', 'fortnight', 'fortnights');
add('time', 'month', 'months');
add('time', 'year', 'years');
add('mass', 'ounce', 'ounces', 'oz');
add('mass', 'pound', 'pounds', 'lb', 'lbs');
add('mass', 'gram', 'grams');
add('mass', 'kilogram', 'kilograms', 'kg', 'kilo', 'kilos');
add('length', 'inch', 'inches');
add('length', 'foot', 'feet');
add('length', 'yard', 'yards');
add('length', 'mile', 'miles');
add('length', 'centimeter', 'centimeters', 'centimetre', 'centimetres', 'cm');
add('length', 'meter', 'meters', 'metre', 'metres');
add('length', 'kilometer', 'kilometers', 'kilometre', 'kilometres', 'km');
add('volume', 'cup', 'cups');
add('volume', 'pint', 'pints');
add('volume', 'quart', 'quarts');
add('volume', 'gallon', 'gallons');
add('volume', 'milliliter', 'milliliters', 'millilitre', 'millilitres', 'ml');
add('volume', 'liter', 'liters', 'litre', 'litres');

const PLURAL: Record<string, string> = { foot: 'feet', inch: 'inches' };
const plural = (u: string) => PLURAL[u] ?? `${u}s`;

const COUNTED =
  /(?:\b(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|fifty|sixty|half)[\s-]+|\bhow many\s+)([a-z]+)\b/gi;

/**
 * The note for a rate per `perUnit` whose count is `countUnit` (either may be ""): " (hours, not
 * minutes)" where the text outside the phrase counts another unit of the per-unit's kind (a number
 * or "how many" before it) and the count is not itself of that kind ("5 days a week" is a count of
 * days per week; no note); "" otherwise.
 */
export function unitNote(p: Parse, perUnit: string, countUnit: string): string {
  const per = UNITS[perUnit.toLowerCase()];
  if (!per) return '';
  const count = UNITS[countUnit.toLowerCase().split(' ').at(-1) ?? ''];
  if (count && count[0] === per[0]) return '';
  const c = p.c;
  const start = c.toks[p.from].start;
  const end = c.toks[p.to - 1].end;
  const text = c.text.slice(0, start) + ' '.repeat(end - start) + c.text.slice(end);
  for (const m of text.matchAll(COUNTED)) {
    const u = UNITS[m[1].toLowerCase()];
    if (u && u[0] === per[0] && u[1] !== per[1]) return ` (${plural(per[1])}, not ${plural(u[1])})`;
  }
  return '';
}
