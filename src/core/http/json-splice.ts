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
  const found: Found = { children: new Map() };
  const scan = new JsonScan(text, wantTrie(paths), found);
  let checked = 0;
  try {
    while (scan.step()) {
      if (scan.i - checked > CHECK_EVERY) {
        yield;
        checked = scan.i;
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

/** The edit paths as a trie, with the key lengths each level looks for. */
function wantTrie(paths: readonly JsonPath[]): Want {
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
  return root;
}

/**
 * One scan over a JSON text: {@link step} reads one value (a scalar, or the opening of a
 * container and its first key) and then the commas and closing brackets after it, recording the
 * string values on wanted paths in `found`. Throws Malformed (or SyntaxError from a key) on text
 * it cannot follow.
 */
class JsonScan {
  /** Where the scan is in the text. */
  i = 0;
  /** One entry per open container (1: object, 0: array); the wanted ones also have a Frame. */
  private readonly kinds: number[] = [];
  private readonly frames: Frame[] = [];
  /** What the next value is, on the wanted paths (undefined: off every path). */
  private vWant: Want | undefined;
  private vFound: Found | undefined;

  constructor(
    private readonly text: string,
    want: Want,
    found: Found,
  ) {
    this.vWant = want;
    this.vFound = found;
  }

  /** Reads one value and what follows it; false once the top-level value has ended. */
  step(): boolean {
    const { text } = this;
    this.ws();
    const c = text.charCodeAt(this.i);
    if (c === LBRACE || c === LBRACKET) {
      this.i++;
      this.ws();
      if (text.charCodeAt(this.i) === (c === LBRACE ? RBRACE : RBRACKET)) this.i++;
      else {
        this.open(c === LBRACE);
        return true;
      }
    } else if (c === QUOTE) {
      const end = this.stringEnd(this.i);
      if (this.vFound) this.vFound.range = [this.i, end];
      this.i = end;
    } else this.scalar();
    return this.afterValue();
  }

  /** A non-empty container opens: its frame (when wanted) and its first member. */
  private open(obj: boolean): void {
    this.kinds.push(obj ? 1 : 0);
    let f: Frame | undefined;
    if (this.vWant && this.vFound)
      this.frames.push((f = { want: this.vWant, found: this.vFound, n: 0, depth: this.kinds.length }));
    this.member(obj, f);
  }

  /** Skips a number, true, false or null. */
  private scalar(): void {
    const { text } = this;
    const s = this.i;
    const n = text.length;
    for (;;) {
      const d = text.charCodeAt(this.i);
      if (d === COMMA || d === RBRACE || d === RBRACKET || d === SPACE || d === LF || d === CR || d === TAB) break;
      if (this.i >= n) break;
      this.i++;
    }
    if (this.i === s) throw new Malformed();
  }

  /** After a value: the next member (true), or the end of containers up to the top (false). */
  private afterValue(): boolean {
    for (;;) {
      const depth = this.kinds.length;
      if (depth === 0) return false;
      const obj = this.kinds[depth - 1] === 1;
      const top = this.frames.at(-1);
      const f = top?.depth === depth ? top : undefined;
      this.ws();
      const d = this.text.charCodeAt(this.i++);
      if (d === COMMA) {
        if (f) f.n++;
        this.member(obj, f);
        return true;
      }
      if (d !== (obj ? RBRACE : RBRACKET)) throw new Malformed();
      this.kinds.pop();
      if (f) this.frames.pop();
    }
  }

  /** Reads the next member's key (objects) and points vWant and vFound at its value. */
  private member(obj: boolean, f: Frame | undefined): void {
    let key: string | number = f ? f.n : 0;
    if (obj) {
      key = this.key(f);
      this.ws();
      if (this.text.charCodeAt(this.i) !== COLON) throw new Malformed();
      this.i++;
    }
    const w = f?.want.children.get(key);
    if (w && f) {
      const r: Found = { children: new Map() };
      // A later duplicate key replaces everything an earlier one held.
      f.found.children.set(key, r);
      this.vWant = w;
      this.vFound = r;
    } else {
      this.vWant = undefined;
      this.vFound = undefined;
    }
  }

  /** Reads an object key: decoded when `f` is wanted and the key could name a wanted one, else -1 (no path's key). */
  private key(f: Frame | undefined): string | number {
    const { text } = this;
    this.ws();
    if (text.charCodeAt(this.i) !== QUOTE) throw new Malformed();
    const start = this.i;
    const end = this.stringEnd(start);
    this.i = end;
    if (!f) return 0;
    if (f.want.lengths.has(end - start - 2)) {
      const raw = text.slice(start + 1, end - 1);
      return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
    }
    // Another length: only an escaped spelling could still name a wanted key.
    for (let j = start + 1; j < end - 1; j++)
      if (text.charCodeAt(j) === BACKSLASH) return JSON.parse(text.slice(start, end)) as string;
    // Object members are never looked up by number.
    return -1;
  }

  private ws(): void {
    const { text } = this;
    for (;;) {
      const c = text.charCodeAt(this.i);
      if (c === SPACE || c === LF || c === CR || c === TAB) this.i++;
      else return;
    }
  }

  /** Index just past the string that opens at `start`. */
  private stringEnd(start: number): number {
    const { text } = this;
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
  }
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
