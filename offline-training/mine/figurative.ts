// Figurative rules (issue 14, the metaphor half): SAE latents whose firing on a verb says the verb
// is used figuratively. On VUA train verb uses, each latent's activation at the verb's tokens (max
// over the word's pieces) is scored against the label; a latent is a candidate when, at some
// threshold, at least `minPrecision` of the verb uses it fires on are figurative. Rules fire on
// any word at runtime, so each candidate's firing on non-verb words is measured too.
import type { FeatureRunner } from './feature-runner.ts';

/** One labelled verb use from the VUA / MOH-X verb sets (Gao et al. 2018's release): 1 = figurative, 0 = literal. */
export interface VerbUse {
  sentence: string;
  /** Word index of the verb in the space-separated sentence. */
  verbIdx: number;
  label: 0 | 1;
}

/** A latent mined as a figurative-verb rule candidate: threshold (activation units) and its scores, in [0, 1]. */
export interface FigurativeCandidate {
  feature: number;
  threshold: number;
  /** On the training verb uses at the threshold. */
  precision: number;
  recall: number;
  support: number;
  /** Verbs it fires on, most frequent first. */
  words: string[];
  /** Share of all its firings (any word of the sentences) that are on a labelled verb. */
  onVerbShare: number;
}

function wordSpan(sentence: string, idx: number): [number, number] | undefined {
  const words = sentence.split(' ');
  if (!(idx >= 0 && idx < words.length)) return undefined;
  let s = 0;
  for (let i = 0; i < idx; i++) s += words[i].length + 1;
  return [s, s + words[idx].length];
}

/** Candidates from verb uses (grouped by sentence so each sentence runs once). */
export async function mineFigurative(
  runner: FeatureRunner,
  uses: readonly VerbUse[],
  opts: { minPrecision?: number; minSupport?: number; top?: number } = {},
): Promise<FigurativeCandidate[]> {
  const minP = opts.minPrecision ?? 0.6;
  const minSupport = opts.minSupport ?? 25;
  const m = runner.width;
  const bySentence = new Map<string, VerbUse[]>();
  for (const u of uses) bySentence.set(u.sentence, [...(bySentence.get(u.sentence) ?? []), u]);
  const atVerb = new Map<number, { a: number; label: 0 | 1; verb: string }[]>();
  const anyFire = new Map<number, number[]>(); // all token activations > 0, for the on-verb share
  let positives = 0;
  for (const [sentence, us] of bySentence) {
    const r = await runner.run(sentence);
    const verbTokens = new Set<number>();
    for (const u of us) {
      const span = wordSpan(sentence, u.verbIdx);
      if (!span) continue;
      if (u.label) positives++;
      const toks: number[] = [];
      r.offsets.forEach(([s, e], t) => {
        if (e > s && s < span[1] && e > span[0]) toks.push(t);
      });
      toks.forEach((t) => verbTokens.add(t));
      const verb = sentence.slice(span[0], span[1]).toLowerCase();
      for (let j = 0; j < m; j++) {
        let a = 0;
        for (const t of toks) a = Math.max(a, r.acts[t * m + j]);
        if (a > 0) {
          let l = atVerb.get(j);
          if (!l) atVerb.set(j, (l = []));
          l.push({ a, label: u.label, verb });
        }
      }
    }
    for (let t = 0; t < r.ids.length; t++) {
      if (verbTokens.has(t)) continue;
      for (let j = 0; j < m; j++) {
        const a = r.acts[t * m + j];
        if (a > 0) {
          let l = anyFire.get(j);
          if (!l) anyFire.set(j, (l = []));
          l.push(a);
        }
      }
    }
  }
  const out: FigurativeCandidate[] = [];
  for (const [feature, list] of atVerb) {
    if (list.length < minSupport) continue;
    const sorted = [...list].sort((x, y) => y.a - x.a);
    let tp = 0;
    let pick: { t: number; p: number; r: number; n: number } | undefined;
    for (let i = 0; i < sorted.length; i++) {
      tp += sorted[i].label;
      if (i + 1 < sorted.length && sorted[i + 1].a === sorted[i].a) continue;
      const p = tp / (i + 1);
      if (i + 1 >= minSupport && p >= minP && (!pick || tp / positives > pick.r))
        pick = { t: sorted[i].a, p, r: tp / positives, n: i + 1 };
    }
    if (!pick) continue;
    const counts = new Map<string, number>();
    for (const h of sorted) if (h.a >= pick.t) counts.set(h.verb, (counts.get(h.verb) ?? 0) + 1);
    const off = (anyFire.get(feature) ?? []).filter((a) => a >= pick!.t).length;
    out.push({
      feature,
      threshold: +pick.t.toFixed(4),
      precision: +pick.p.toFixed(4),
      recall: +pick.r.toFixed(4),
      support: pick.n,
      words: [...counts.entries()]
        .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
        .slice(0, 5)
        .map(([w]) => w),
      onVerbShare: +(pick.n / (pick.n + off)).toFixed(4),
    });
  }
  return out
    .sort((x, y) => y.recall * y.precision - x.recall * x.precision || x.feature - y.feature)
    .slice(0, opts.top ?? 20);
}
