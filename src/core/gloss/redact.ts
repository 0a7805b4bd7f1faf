// Detector errors as they may be logged: an error's quoted parts may quote the prompt (a token the
// tokenizer could not map, say), so they are redacted wherever a detector failure is logged.
import { describeError } from '../http/errors.ts';

/** `describeError(e)` with every double-quoted part replaced by `"…"`. */
export function redactDetectorError(e: unknown): string {
  return describeError(e).replace(/"[^"]*"/g, '"…"');
}
