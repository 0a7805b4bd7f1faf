// Prompts longer than the detector's window are scanned in overlapping windows. Each token takes
// its activations from the window where it sits farthest from an edge, so every token sees at
// least `overlap / 2` tokens of context on both sides (except at the prompt's own ends).

/** A window [start, end) of token positions and the part [keepStart, keepEnd) whose outputs are kept. */
export interface Window {
  /** First token of the window. */
  start: number;
  end: number;
  /** Tokens [keepStart, keepEnd) take their activations from this window. */
  keepStart: number;
  keepEnd: number;
}

/**
 * Splits `length` tokens into windows of at most `size` sharing `overlap` tokens; each window keeps [keepStart,
 * keepEnd) so every token is read once, away from a window edge where possible. Throws RangeError for a size <
 * 1.
 */
export function planWindows(length: number, size: number, overlap: number): Window[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
  const ov = Math.min(Math.max(0, Math.floor(overlap)), Math.floor((size - 1) / 2) * 2);
  if (length <= size) return [{ start: 0, end: length, keepStart: 0, keepEnd: length }];
  const step = size - ov;
  const windows: Window[] = [];
  for (let start = 0; ; start += step) {
    const end = Math.min(start + size, length);
    const s = end === length ? Math.max(0, length - size) : start;
    windows.push({ start: s, end, keepStart: 0, keepEnd: 0 });
    if (end === length) break;
  }
  // Boundaries between consecutive windows sit in the middle of their overlap.
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i];
    w.keepStart = i === 0 ? 0 : windows[i - 1].keepEnd;
    w.keepEnd = i === windows.length - 1 ? length : Math.floor((w.end + windows[i + 1].start) / 2);
  }
  return windows;
}
