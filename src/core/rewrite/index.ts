// Rewrite: inserting glosses into plain text and chat messages, and removing them again.
export * from './text.ts';
export * from './messages.ts';
export { SIGNATURE, INLINE_PREFIX, NOTES_PREFIX, NOTES_SUFFIX, sanitizeGloss } from './markers.ts';
