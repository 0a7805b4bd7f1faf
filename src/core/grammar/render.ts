// Rendering helpers shared by the constructions: numbers as numerals, the operators of a relation
// (×, ÷, +, −), and the word budget. A gloss restates a relation; it never computes an answer.

/** Most words a gloss may have (words are runs between spaces; "×" and "=" count). */
export const MAX_GLOSS_WORDS = 15;

/** Words in a gloss, as MAX_GLOSS_WORDS counts them. */
export function glossWords(gloss: string): number {
  return gloss.split(/\s+/).filter(Boolean).length;
}

/** A number as a short numeral: 2, 0.5, 1.25, 1,200 stays 1200 (no separators inside relations). */
export function num(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toFixed(4)));
}

/** A money-aware quantity: "$5", "5". */
export function money(v: number, currency?: string): string {
  // Money keeps its cents: "$4.50", not "$4.5"; a price below a cent keeps its digits ("$0.002", not "$0.00").
  if (!currency) return num(v);
  if (Number.isInteger(v)) return `${currency}${num(v)}`;
  const whole = Math.abs(v * 100 - Math.round(v * 100)) < 1e-9;
  return `${currency}${whole ? v.toFixed(2) : num(v)}`;
}

/** The factor of a p% increase or decrease: 25 -> "1.25", -20 -> "0.8". */
export function factor(p: number, down: boolean): string {
  return num(down ? (100 - p) / 100 : (100 + p) / 100);
}

/** The gloss if it is within the word budget, else null (no gloss rather than a clipped one). */
export function fit(gloss: string): string | null {
  return glossWords(gloss) <= MAX_GLOSS_WORDS ? gloss : null;
}

/** A construction's render result: `{ gloss }` if the gloss fits the word budget (fit), else null. */
export function fitted(gloss: string): { gloss: string } | null {
  const g = fit(gloss);
  return g ? { gloss: g } : null;
}
