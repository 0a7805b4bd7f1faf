// Renders a rule's gloss template. Shared by matching (to dedupe identical glosses) and rewriting.
import { snapBackward } from './boundaries.ts';

/** A long span quoted inside a gloss is shortened; the gloss sits right next to the span anyway. */
export const MAX_SPAN_IN_GLOSS = 80;

function shorten(span: string): string {
  if (span.length <= MAX_SPAN_IN_GLOSS) return span;
  return span.slice(0, snapBackward(span, MAX_SPAN_IN_GLOSS - 1)) + '\u2026';
}

/** Replaces every `{span}` with the (possibly shortened) span text. */
export function renderGloss(template: string, spanText: string): string {
  if (!template.includes('{span}')) return template;
  return template.split('{span}').join(shorten(spanText));
}
