// The feature browser: a search box over id, label, role, rules and context text, 25 features a
// page with page controls, and for each feature its generated label, what the bundle uses it for,
// the rules on it, and its top activating contexts from held-out text (features.json).
import type { FeatureInfo, Rule } from '../../core/rules/schema.ts';
import { fmt, h, replace } from './dom.ts';
import { pageOf, searchFeatures } from './feature-search.ts';
import { ruleFacts } from './rule-facts.ts';

/** The browser's elements. */
export interface BrowserEls {
  features: HTMLElement;
  filter: HTMLInputElement;
  count: HTMLElement;
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  pageLabel: HTMLElement;
}

/** Renders page `page` of the features matching the box's query; returns the page actually shown. */
export function renderFeatureBrowser(
  els: BrowserEls,
  features: readonly FeatureInfo[],
  rules: readonly Rule[],
  page: number,
): number {
  const shown = searchFeatures(features, rules, els.filter.value);
  const p = pageOf(shown, page);
  const q = els.filter.value.trim();
  const range = p.total ? `showing ${p.from + 1}–${p.from + p.items.length}` : 'none shown';
  els.count.textContent = q
    ? `${p.total} of ${features.length} features match “${q}”; ${range}.`
    : `${features.length} features; ${range}.`;
  els.pageLabel.textContent = `Page ${p.page + 1} of ${p.pages}`;
  els.prev.disabled = p.page === 0;
  els.next.disabled = p.page >= p.pages - 1;
  if (!features.length) {
    replace(
      els.features,
      h('p', { class: 'placeholder' }, 'This bundle has no SAE features (a bare detector): nothing can fire.'),
    );
    return 0;
  }
  replace(
    els.features,
    p.items.length
      ? p.items.map((f) => featureCard(f, rules))
      : h('p', { class: 'placeholder' }, 'No feature matches.'),
  );
  return p.page;
}

const USE = {
  grammar: 'a construction-grammar rule; this feature is shown beside it, not what fires it',
  probe: 'a probe rule; this is its strongest latent',
  cue: 'fires where this feature and the rule’s cue pattern meet',
  latent: 'fires where this feature reaches the rule’s threshold',
} as const;

/** One feature: label, role, threshold, the rules on it, and its top contexts (the first three shown, the rest folded). */
function featureCard(f: FeatureInfo, rules: readonly Rule[]): HTMLElement {
  const on = rules.filter((r) => r.feature === f.feature);
  const contexts = f.top_contexts ?? [];
  const role = typeof f.role === 'string' ? f.role : undefined;
  const list = (cs: typeof contexts) =>
    h(
      'ol',
      { class: 'contexts' },
      cs.map((c) => contextItem(c)),
    );
  return h(
    'article',
    { class: 'feature-card', 'data-feature': f.feature },
    h('h3', {}, h('span', { class: 'fid' }, `#${f.feature}`), ' ', h('span', { class: 'flabel' }, f.label)),
    h(
      'p',
      { class: 'meta' },
      role ? `${role}. ` : '',
      `Column ${f.column}; JumpReLU threshold ${fmt(f.threshold, 3)}. `,
      h('button', { type: 'button', class: 'shade-this', 'data-feature': f.feature }, 'Shade tokens by this feature'),
    ),
    on.length
      ? h(
          'ul',
          { class: 'uses' },
          on.map((r) =>
            h('li', {}, h('code', {}, r.id), `: ${USE[ruleFacts(r).driver]}`, r.off ? ' (off by default)' : ''),
          ),
        )
      : h('p', { class: 'unused' }, 'No rule names this feature.'),
    contexts.length
      ? h(
          'div',
          { class: 'top-contexts' },
          h('h4', {}, `Top activating contexts (${contexts.length})`),
          list(contexts.slice(0, 3)),
          contexts.length > 3
            ? h('details', {}, h('summary', {}, `${contexts.length - 3} more`), list(contexts.slice(3)))
            : null,
        )
      : h('p', { class: 'placeholder' }, 'No top contexts in features.json.'),
  );
}

function contextItem(c: NonNullable<FeatureInfo['top_contexts']>[number]): HTMLElement {
  const s = (c as { start?: unknown }).start;
  const e = (c as { end?: unknown }).end;
  const src = (c as { source?: unknown }).source;
  const text =
    typeof s === 'number' && typeof e === 'number' && s >= 0 && e > s && e <= c.text.length
      ? [c.text.slice(0, s), h('mark', {}, c.text.slice(s, e)), c.text.slice(e)]
      : [c.text];
  return h(
    'li',
    { dir: 'auto' },
    text,
    ' ',
    h('span', { class: 'act' }, fmt(c.activation, 2)),
    typeof src === 'string' ? h('span', { class: 'src' }, ` ${src.split(':')[0]}`) : null,
  );
}
