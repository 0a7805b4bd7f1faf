// Gloss's markers. Everything Gloss inserts into a text has one of two shapes:
//
//   inline, right after the span:   "half as many ⟦gloss: 0.5 times as many⟧ clips"
//   one note block at the very end: "...\n\n⟦gloss-notes: how to read the text above\n- note\n- note\n⟧"
//
// U+27E6/U+27E7 (mathematical white square brackets) almost never occur in prompts, read as brackets
// to an LLM, and cost few tokens. Inserted gloss text never contains either bracket (sanitize), so
// `⟦gloss` in a text means Gloss already annotated it, and each marker ends at the first `⟧`
// after its opener: stripping is one regular expression and exact.

/** Opens every marker (U+27E6). */
export const OPEN = '\u27E6';
/** Closes every marker (U+27E7). */
export const CLOSE = '\u27E7';
/** Present in every insertion; a text containing it is treated as already annotated. */
export const SIGNATURE = `${OPEN}gloss`;
/** Opens an inline gloss (after a space). */
export const INLINE_PREFIX = ` ${OPEN}gloss: `;
/** Opens the notes block appended to a message. */
export const NOTES_PREFIX = `\n\n${OPEN}gloss-notes: how to read the text above\n`;
/** Closes the notes block. */
export const NOTES_SUFFIX = `\n${CLOSE}`;

const MARKERS = new RegExp(
  ` ${OPEN}gloss: [^${OPEN}${CLOSE}]*${CLOSE}|\\n\\n${OPEN}gloss-notes: [^${OPEN}${CLOSE}]*${CLOSE}`,
  'g',
);

/** The inline gloss marker inserted after a span: `⟦gloss: ...⟧`. */
export function inlineMarker(gloss: string): string {
  return `${INLINE_PREFIX}${gloss}${CLOSE}`;
}

/**
 * The notes block appended to a message when glosses go at the end: one `- ` line per note between the notes
 * markers.
 */
export function notesBlock(notes: readonly string[]): string {
  return `${NOTES_PREFIX}${notes.map((n) => `- ${n}`).join('\n')}${NOTES_SUFFIX}`;
}

/** Gloss text as inserted: one line, no brackets that could close (or open) a marker. */
export function sanitizeGloss(gloss: string): string {
  return gloss.replaceAll(OPEN, '[').replaceAll(CLOSE, ']').replace(/\s+/g, ' ').trim();
}

/** Whether `text` already holds Gloss's markers (so it is not glossed twice). */
export function isAnnotated(text: string): boolean {
  return text.includes(SIGNATURE);
}

/** Removes exactly what rewriteText inserted (for a text that rewriteText rewrote). */
export function stripGlosses(text: string): string {
  return text.replace(MARKERS, '');
}
