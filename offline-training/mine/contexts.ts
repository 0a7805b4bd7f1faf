// Top activating contexts of latents over a corpus: for each latent, the K strongest tokens with a
// window of text around them, so a person can see what the latent responds to.
import type { FeatureRunner } from '../sae/feature-runner.ts';

/** A text window around a feature's strongest token, with the activation. */
export interface TopContext {
  /** The text window, with the token's span marked by `start`/`end` inside it. */
  text: string;
  start: number;
  end: number;
  token: string;
  activation: number;
  source: string;
}

/**
 * The `k` texts on which each feature fires most, with a `windowChars` window around the top token (the usual
 * top-activating-examples view of a latent).
 */
export async function topContexts(
  runner: FeatureRunner,
  texts: readonly { id: string; text: string }[],
  features: readonly number[],
  k = 8,
  windowChars = 60,
): Promise<Map<number, TopContext[]>> {
  const best = new Map<number, TopContext[]>(features.map((f) => [f, []]));
  const m = runner.width;
  for (const { id, text } of texts) {
    const r = await runner.run(text);
    const T = r.ids.length;
    for (const f of features) {
      // The strongest token of this text only: contexts then come from k different texts.
      let bestT = -1;
      let bestV = 0;
      for (let t = 0; t < T; t++) {
        const v = r.acts[t * m + f];
        if (v > bestV) {
          bestV = v;
          bestT = t;
        }
      }
      if (bestT < 0) continue;
      const list = best.get(f)!;
      if (list.length === k && bestV <= list[k - 1].activation) continue;
      const [s, e] = r.offsets[bestT];
      const from = Math.max(0, s - windowChars);
      const to = Math.min(text.length, e + windowChars);
      list.push({
        text: text.slice(from, to),
        start: s - from,
        end: e - from,
        token: text.slice(s, e) || r.pieces[bestT],
        activation: bestV,
        source: id,
      });
      list.sort((a, b) => b.activation - a.activation);
      if (list.length > k) list.pop();
    }
  }
  return best;
}

/** The activating words of a latent's top contexts, most frequent first. */
export function wordsOf(contexts: readonly TopContext[]): string[] {
  const counts = new Map<string, number>();
  for (const c of contexts) {
    const w = c.token.toLowerCase().replace(/[^\p{L}\p{N}%$]+/gu, '');
    if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
}

/** A short label from what the contexts share: the most frequent activating words. */
export function autoLabel(contexts: readonly TopContext[]): string {
  const top = wordsOf(contexts)
    .slice(0, 3)
    .map((w) => `"${w}"`);
  return top.length ? `fires on ${top.join(', ')}` : 'no clear context';
}
