// The planned runtime path of grammar-driven rules, composed here for measurement before it is wired
// into src/core/rules/match.ts: a bundle's task gate (its SAE latents decide that the text is a math
// problem), then the construction grammar (src/core/grammar) writes one gloss per phrase, for the
// families on in this run; constructions that touch material (src/core/material) are skipped; the
// riskiest families first (mining-split order), at most `maxGlosses` (default 2), and a gloss beyond
// the first only while the added text stays within `maxAddedFraction` (default 1/3) of the prompt.
// Used by the protocol checks and the paraphrase measurement; figurative glosses are not produced.
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import { findConstructions } from '../../src/core/grammar/index.ts';
import { findMaterial, overlapsMaterial } from '../../src/core/rules/material.ts';
import { inlineMarker } from '../../src/core/rewrite/markers.ts';
import type { Glossed, Glosser } from './checks.ts';

/** How the composed path runs: which families are on, their priority, the caps. */
export interface GrammarPathOptions {
  families: readonly string[];
  /** Family -> priority (higher first); families absent rank last. */
  priority: ReadonlyMap<string, number>;
  maxGlosses?: number;
  maxAddedFraction?: number;
  /** Skip the task gate (the grammar alone), for the grammar-only figures. */
  noGate?: boolean;
}

/** The composed path as a Glosser over `engine` (for its gate). */
export function grammarGlosser(engine: GlossEngine, o: GrammarPathOptions): Glosser {
  const on = new Set(o.families);
  const memo = new Map<string, Promise<Glossed>>();
  const run = async (text: string): Promise<Glossed> => {
    const open = o.noGate ? true : ((await engine.analyze(text)).gate?.open ?? true);
    if (!open) return { text, rewritten: text, glosses: [] };
    const material = findMaterial(text);
    const found = findConstructions(text)
      .filter((c) => on.has(c.family) && !overlapsMaterial(material, c.span.start, Math.max(c.span.end, c.insertAt)))
      .sort(
        (a, b) =>
          (o.priority.get(b.family) ?? -1e9) - (o.priority.get(a.family) ?? -1e9) || a.span.start - b.span.start,
      );
    const kept: typeof found = [];
    let added = 0;
    for (const c of found) {
      if (kept.length >= (o.maxGlosses ?? 2)) break;
      const len = inlineMarker(c.gloss).length;
      if (kept.length && added + len > text.length * (o.maxAddedFraction ?? 1 / 3)) continue;
      kept.push(c);
      added += len;
    }
    kept.sort((a, b) => a.insertAt - b.insertAt);
    let rewritten = '';
    let prev = 0;
    for (const c of kept) {
      rewritten += text.slice(prev, c.insertAt) + inlineMarker(c.gloss);
      prev = c.insertAt;
    }
    rewritten += text.slice(prev);
    return {
      text,
      rewritten,
      glosses: kept.map((c) => ({ family: c.family, at: c.insertAt, gloss: c.gloss, span: c.span })),
    };
  };
  return (text) => {
    let p = memo.get(text);
    if (!p) memo.set(text, (p = run(text)));
    return p;
  };
}
