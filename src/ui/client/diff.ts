// The rewritten prompt as a diff against the original. Gloss only inserts (inline markers after
// spans, one note block at the end), and /v1/rewrite says where: the parts are rebuilt from those
// insertions with the same marker functions the rewriter uses, and checked against the rewritten
// text. Should they ever disagree, a plain prefix/suffix diff is shown instead, so the view never
// misrepresents what was sent.
import { inlineMarker, notesBlock } from '../../core/rewrite/markers.ts';

export interface DiffPart {
  kind: 'same' | 'ins' | 'del';
  text: string;
  /** Rule ids whose glosses this insertion holds. */
  rules?: string[];
}

export interface DiffInsertion {
  rule: string;
  at: number;
  gloss: string;
}

export function insertionDiff(
  original: string,
  rewritten: string,
  inserted: readonly DiffInsertion[],
  noteRules: ReadonlySet<string>,
): DiffPart[] {
  if (original === rewritten) return original ? [{ kind: 'same', text: original }] : [];
  const inline = inserted.filter((i) => !noteRules.has(i.rule));
  const notes = inserted.filter((i) => noteRules.has(i.rule));
  const parts: DiffPart[] = [];
  let prev = 0;
  // Stable sort: glosses at one offset keep their order, as the rewriter inserts them.
  for (const ins of [...inline].sort((a, b) => a.at - b.at)) {
    if (ins.at < prev || ins.at > original.length) return plainDiff(original, rewritten);
    if (ins.at > prev) parts.push({ kind: 'same', text: original.slice(prev, ins.at) });
    parts.push({ kind: 'ins', text: inlineMarker(ins.gloss), rules: [ins.rule] });
    prev = ins.at;
  }
  if (prev < original.length) parts.push({ kind: 'same', text: original.slice(prev) });
  if (notes.length)
    parts.push({ kind: 'ins', text: notesBlock(notes.map((n) => n.gloss)), rules: notes.map((n) => n.rule) });
  if (parts.map((p) => p.text).join('') !== rewritten) return plainDiff(original, rewritten);
  return mergeSame(parts);
}

/** Common prefix and suffix kept, the middle shown as deleted and inserted. */
export function plainDiff(a: string, b: string): DiffPart[] {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const parts: DiffPart[] = [];
  if (p) parts.push({ kind: 'same', text: a.slice(0, p) });
  if (a.length - s > p) parts.push({ kind: 'del', text: a.slice(p, a.length - s) });
  if (b.length - s > p) parts.push({ kind: 'ins', text: b.slice(p, b.length - s) });
  if (s) parts.push({ kind: 'same', text: a.slice(a.length - s) });
  return parts;
}

function mergeSame(parts: DiffPart[]): DiffPart[] {
  const out: DiffPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (last && last.kind === 'same' && p.kind === 'same') last.text += p.text;
    else out.push({ ...p });
  }
  return out;
}
