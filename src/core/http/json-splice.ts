// Replaces a few string values inside a JSON text without re-serializing the rest, so a request
// body stays byte-identical except for the texts Gloss rewrote: key order, whitespace, number
// spellings (1.0, 1e3, integers beyond 2^53) and escapes of untouched strings all survive.
//
// The scanner expects text that JSON.parse accepted. It is one pass over the text with an explicit
// stack (no recursion, so no depth limit), linear in the text's length whatever its shape: it
// follows only the paths the edits name (a trie), decodes no key off those paths, and records each
// string value on them in a tree that mirrors the document. A duplicate key resolves as JSON.parse
// resolves it (ECMA-262 JSON.parse, RFC 8259 §4: the last one wins): its later value replaces the
// earlier one's whole subtree in one step, so what an earlier occurrence held is forgotten and the
// edit lands in the value the parsed body (and so the upstream's parser, as a rule) sees.
// `expired` is polled every 64 KiB of text, so a splice never outlives the caller's deadline.

/** Where a value sits in a JSON document: object keys and array indices from the root. */
export type JsonPath = readonly (string | number)[];

/** Replace the string value at `path` (object keys and array indexes from the root) with `value`. */
export interface StringEdit {
  path: JsonPath;
  value: string;
}

/** A splice's outcome: the new text, or why there is none (a path that holds no string, overlapping edits, text the scanner cannot follow, the deadline). */
export type SpliceResult =
  { ok: true; text: string } | { ok: false; why: 'no-target' | 'overlap' | 'malformed' | 'timeout' };

/** The edit paths as a trie: the scanner descends only where some edit leads. */
interface Want {
  children: Map<string | number, Want>;
  /** The lengths of its string keys: a key of another length (and no escapes) is skipped undecoded. */
  lengths: Set<number>;
}

/** What the scan found at a wanted place: the string's range, and its wanted children. */
interface Found {
  range?: [number, number];
  children: Map<string | number, Found>;
}

/** A container on a wanted path (containers off every path are only a kind on the stack). */
interface Frame {
  want: Want;
  found: Found;
  /** Members or elements read so far. */
  n: number;
  /** The stack depth it sits at. */
  depth: number;
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const CHECK_EVERY = 1 << 16;

class Malformed extends Error {}

/**
 * The source ranges [start, end) (quotes included) of the string values at `paths`, in their
 * order (undefined where a path holds no string); 'malformed' for text the scanner cannot follow,
 * 'timeout' once `expired()` says so.
 */
export function locateStrings(
  text: string,
  paths: readonly JsonPath[],
  expired: () => boolean = () => false,
): ([number, number] | undefined)[] | 'malformed' | 'timeout' {
  const scan = scanner(text, paths);
  for (;;) {
    const r = scan.next();
    if (r.done) return r.value;
    if (expired()) return 'timeout';
  }
}

/** What {@link locateStrings} pauses on: every 64 KiB of text, for the caller to check its deadline or yield. */
type Scan = Generator<void, ([number, number] | undefined)[] | 'malformed', void>;

function* scanner(text: string, paths: readonly JsonPath[]): Scan {
  const root: Want = { children: new Map(), lengths: new Set() };
  for (const p of paths) {
    let w = root;
    for (const k of p) {
      let next = w.children.get(k);
      if (!next) w.children.set(k, (next = { children: new Map(), lengths: new Set() }));
      if (typeof k === 'string') w.lengths.add(k.length);
      w = next;
    }
  }
  const top: Found = { children: new Map() };
  const found: Found = { children: new Map() };
  top.children.set(0, found);

  let i = 0;
  const n = text.length;
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === SPACE || c === LF || c === CR || c === TAB) i++;
      else return;
    }
  };
  /** Index just past the string that opens at `start`. */
  const stringEnd = (start: number): number => {
    let j = start + 1;
    for (;;) {
      const q = text.indexOf('"', j);
      if (q < 0) throw new Malformed();
      let b = q - 1;
      while (b > start && text.charCodeAt(b) === BACKSLASH) b--;
      // An even run of backslashes before the quote escapes only itself: the string ends here.
      if ((q - 1 - b) % 2 === 0) return q + 1;
      j = q + 1;
    }
  };

  // One entry per open container (1: object, 0: array); the wanted ones also have a Frame.
  const kinds: number[] = [];
  const frames: Frame[] = [];
  let vWant: Want | undefined = root;
  let vFound: Found | undefined = found;
  /** Reads the next member's key (objects) and points vWant and vFound at its value. */
  const member = (obj: boolean, f: Frame | undefined): void => {
    let key: string | number = f ? f.n : 0;
    if (obj) {
      ws();
      if (text.charCodeAt(i) !== QUOTE) throw new Malformed();
      const end = stringEnd(i);
      if (f) {
        const len = end - i - 2;
        if (f.want.lengths.has(len)) {
          const raw = text.slice(i + 1, end - 1);
          key = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
        } else {
          // Another length: only an escaped spelling could still name a wanted key.
          let escaped = false;
          for (let j = i + 1; j < end - 1; j++)
            if (text.charCodeAt(j) === BACKSLASH) {
              escaped = true;
              break;
            }
          // -1: no path's key (object members are never looked up by number).
          key = escaped ? (JSON.parse(text.slice(i, end)) as string) : -1;
        }
      }
      i = end;
      ws();
      if (text.charCodeAt(i) !== COLON) throw new Malformed();
      i++;
    }
    const w = f?.want.children.get(key);
    if (w && f) {
      const r: Found = { children: new Map() };
      // A later duplicate key replaces everything an earlier one held.
      f.found.children.set(key, r);
      vWant = w;
      vFound = r;
    } else {
      vWant = undefined;
      vFound = undefined;
    }
  };

  let checked = 0;
  try {
    outer: for (;;) {
      if (i - checked > CHECK_EVERY) {
        yield;
        checked = i;
      }
      ws();
      const c = text.charCodeAt(i);
      if (c === LBRACE || c === LBRACKET) {
        i++;
        ws();
        if (text.charCodeAt(i) === (c === LBRACE ? RBRACE : RBRACKET)) i++;
        else {
          kinds.push(c === LBRACE ? 1 : 0);
          let f: Frame | undefined;
          if (vWant && vFound) frames.push((f = { want: vWant, found: vFound, n: 0, depth: kinds.length }));
          member(c === LBRACE, f);
          continue;
        }
      } else if (c === QUOTE) {
        const end = stringEnd(i);
        if (vFound) vFound.range = [i, end];
        i = end;
      } else {
        const s = i;
        for (;;) {
          const d = text.charCodeAt(i);
          if (d === COMMA || d === RBRACE || d === RBRACKET || d === SPACE || d === LF || d === CR || d === TAB) break;
          if (i >= n) break;
          i++;
        }
        if (i === s) throw new Malformed();
      }
      // After a value: the next member, or the end of one or more containers.
      for (;;) {
        const depth = kinds.length;
        if (depth === 0) break outer;
        const obj = kinds[depth - 1] === 1;
        const top = frames.at(-1);
        const f = top?.depth === depth ? top : undefined;
        ws();
        const d = text.charCodeAt(i++);
        if (d === COMMA) {
          if (f) f.n++;
          member(obj, f);
          continue outer;
        }
        if (d !== (obj ? RBRACE : RBRACKET)) throw new Malformed();
        kinds.pop();
        if (f) frames.pop();
      }
    }
  } catch (e) {
    if (e instanceof Malformed || e instanceof SyntaxError) return 'malformed';
    throw e;
  }

  return paths.map((p) => {
    let f: Found | undefined = found;
    for (const k of p) {
      f = f.children.get(k);
      if (!f) return undefined;
    }
    return f.range;
  });
}

/**
 * `text` with the string values at the given paths replaced and every other byte kept (number
 * spellings such as 1.0 and 9007199254740993, duplicate keys, whitespace, escapes), or why not.
 * Linear in the text's length; `expired` is polled as it goes.
 */
export function spliceJson(
  text: string,
  edits: readonly StringEdit[],
  expired: () => boolean = () => false,
): SpliceResult {
  if (edits.length === 0) return { ok: true, text };
  return place(
    text,
    edits,
    locateStrings(
      text,
      edits.map((e) => e.path),
      expired,
    ),
  );
}

/** The edits placed at the ranges found. */
function place(
  text: string,
  edits: readonly StringEdit[],
  ranges: ([number, number] | undefined)[] | 'malformed' | 'timeout',
): SpliceResult {
  if (ranges === 'malformed' || ranges === 'timeout') return { ok: false, why: ranges };
  const located: { start: number; end: number; value: string }[] = [];
  for (const [k, e] of edits.entries()) {
    const r = ranges[k];
    if (!r) return { ok: false, why: 'no-target' };
    located.push({ start: r[0], end: r[1], value: JSON.stringify(e.value) });
  }
  located.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let prev = 0;
  for (const l of located) {
    if (l.start < prev) return { ok: false, why: 'overlap' }; // not a shape we produce
    parts.push(text.slice(prev, l.start), l.value);
    prev = l.end;
  }
  parts.push(text.slice(prev));
  return { ok: true, text: parts.join('') };
}

/**
 * {@link spliceJson} that waits on `pace` every 64 KiB of text (a yield to the event loop, say):
 * `pace` resolves false to go on, true to stop (the result is then a timeout).
 */
export async function spliceJsonPaced(
  text: string,
  edits: readonly StringEdit[],
  pace: () => boolean | Promise<boolean>,
): Promise<SpliceResult> {
  if (edits.length === 0) return { ok: true, text };
  const scan = scanner(
    text,
    edits.map((e) => e.path),
  );
  for (;;) {
    const r = scan.next();
    if (r.done) return place(text, edits, r.value);
    if (await pace()) return { ok: false, why: 'timeout' };
  }
}

/** {@link spliceJson}'s text, or undefined when the edits cannot be spliced. */
export function spliceStrings(text: string, edits: readonly StringEdit[]): string | undefined {
  const r = spliceJson(text, edits);
  return r.ok ? r.text : undefined;
}
