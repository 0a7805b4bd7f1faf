// Replaces a few string values inside a JSON text without re-serializing the rest, so a request
// body stays byte-identical except for the texts Gloss rewrote: key order, whitespace, number
// spellings (1.0, 1e3, integers beyond 2^53) and escapes of untouched strings all survive.
//
// The scanner expects text that JSON.parse accepted. It records where each string value sits, by
// path, down to a small depth. A duplicate key resolves as JSON.parse resolves it (ECMA-262
// JSON.parse, RFC 8259 §4: the last one wins): what an earlier occurrence held is forgotten, and
// the edit lands in the value the parsed body (and so the upstream's parser, as a rule) sees.

/** Where a value sits in a JSON document: object keys and array indices from the root. */
export type JsonPath = readonly (string | number)[];

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function key(path: JsonPath): string {
  return JSON.stringify(path);
}

/** Forgets every range at or below `path` (an earlier occurrence of a duplicate key). */
function forget(out: Map<string, [number, number]>, path: JsonPath): void {
  const k = key(path);
  const below = k.slice(0, -1) + ',';
  for (const kk of out.keys()) if (kk === k || kk.startsWith(below)) out.delete(kk);
}

/**
 * Source ranges [start, end) (quotes included) of string values at most `maxDepth` deep, by path;
 * undefined when the text is not JSON this scanner can follow.
 */
export function stringRanges(text: string, maxDepth = 6): Map<string, [number, number]> | undefined {
  const out = new Map<string, [number, number]>();
  let i = 0;

  const ws = () => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const stringEnd = (start: number): number => {
    let j = start + 1;
    for (;;) {
      const ch = text.charCodeAt(j);
      if (ch === 0x5c)
        j += 2; // backslash: skip the escaped character
      else if (ch === 0x22) return j + 1;
      else if (Number.isNaN(ch)) throw new SyntaxError('unterminated string');
      else j++;
    }
  };
  const value = (path: (string | number)[]): void => {
    ws();
    const ch = text[i];
    if (ch === '"') {
      const end = stringEnd(i);
      if (path.length <= maxDepth) out.set(key(path), [i, end]);
      i = end;
    } else if (ch === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const kEnd = stringEnd(i);
        const k = JSON.parse(text.slice(i, kEnd)) as string;
        i = kEnd;
        if (seen.has(k)) forget(out, [...path, k]);
        seen.add(k);
        ws();
        i++; // ':'
        value([...path, k]);
        ws();
        if (text[i++] === '}') return;
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value([...path, n]);
        ws();
        if (text[i++] === ']') return;
      }
    } else {
      // number, true, false, null
      while (i < text.length && !WS.has(text.charCodeAt(i)) && text[i] !== ',' && text[i] !== '}' && text[i] !== ']')
        i++;
    }
  };

  try {
    value([]);
  } catch {
    return undefined;
  }
  return out;
}

/** Replace the string value at `path` (object keys and array indexes from the root) with `value`. */
export interface StringEdit {
  path: JsonPath;
  value: string;
}

/**
 * `text` with the string values at the given paths replaced and every other byte kept (number
 * spellings such as 1.0 and 9007199254740993, duplicate keys, whitespace, escapes); undefined when
 * a path does not hold a string in `text`.
 */
export function spliceStrings(text: string, edits: readonly StringEdit[]): string | undefined {
  if (edits.length === 0) return text;
  const maxDepth = Math.max(...edits.map((e) => e.path.length));
  const ranges = stringRanges(text, maxDepth);
  if (!ranges) return undefined;
  const located: { start: number; end: number; value: string }[] = [];
  for (const e of edits) {
    const r = ranges.get(key(e.path));
    if (!r) return undefined;
    located.push({ start: r[0], end: r[1], value: JSON.stringify(e.value) });
  }
  located.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let prev = 0;
  for (const l of located) {
    if (l.start < prev) return undefined; // overlapping edits: not a shape we produce
    parts.push(text.slice(prev, l.start), l.value);
    prev = l.end;
  }
  parts.push(text.slice(prev));
  return parts.join('');
}
