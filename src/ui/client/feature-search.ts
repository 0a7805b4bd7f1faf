// The feature browser's search and paging, pure: which features match a query (id, label, role,
// the rules on them, top-context text), best first, and which page of them to show.
import type { FeatureInfo, Rule } from '../../core/rules/schema.ts';

/** Features per page of the browser. */
export const FEATURES_PER_PAGE = 25;

/**
 * Features matching `query` (case-insensitive; "#7" or "7" matches feature 7 first, then every
 * feature whose label, role, rules or contexts contain the text), in column order after an id
 * match. An empty query matches all.
 */
export function searchFeatures(features: readonly FeatureInfo[], rules: readonly Rule[], query: string): FeatureInfo[] {
  const all = [...features].sort((x, y) => x.column - y.column);
  const q = query.trim().toLowerCase();
  if (!q) return all;
  const id = /^#?\d+$/.test(q) ? Number(q.replace('#', '')) : undefined;
  const haystack = (f: FeatureInfo) =>
    [
      f.label,
      typeof f.role === 'string' ? f.role : '',
      ...rules.filter((r) => r.feature === f.feature).map((r) => `${r.id} ${r.label}`),
      ...(f.top_contexts ?? []).map((c) => c.text),
    ]
      .join('\n')
      .toLowerCase();
  const exact = all.filter((f) => f.feature === id);
  return [...exact, ...all.filter((f) => f.feature !== id && haystack(f).includes(q))];
}

/** Page `page` (0-based, clamped) of `items`: the slice, the page shown and how many pages. */
export function pageOf<T>(items: readonly T[], page: number, size = FEATURES_PER_PAGE) {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.max(0, Math.min(pages - 1, Math.floor(page) || 0));
  return { items: items.slice(p * size, (p + 1) * size), page: p, pages, from: p * size, total: items.length };
}
