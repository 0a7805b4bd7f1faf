// Rule cards: a fired rule (where it fired, with what, the gloss) or any rule of the bundle, each
// with its cue, gate, default and evidence as rules.json states them (rule-facts.ts).
import type { GateResult } from '../../core/rules/gate.ts';
import type { Gate, Rule } from '../../core/rules/schema.ts';
import { fmt, h } from './dom.ts';
import { ruleFacts } from './rule-facts.ts';
import type { FiredSpan } from './shade.ts';
import type { Inserted } from './types.ts';

/** What the cards need beyond the rule: the bundle's gate, its verdict on this prompt, feature labels. */
export interface CardContext {
  gate?: Gate;
  gateResult?: GateResult;
  featureLabel(feature: number): string | undefined;
}

/** The facts block shared by both kinds of card: cue, gate, on/off, evidence. */
function factsBlock(rule: Rule | undefined, ctx: CardContext): HTMLElement[] {
  if (!rule) return [h('p', { class: 'placeholder' }, 'This rule is not in the bundle’s rules.json.')];
  const f = ruleFacts(rule, ctx.gate, ctx.gateResult);
  return [
    h('p', { class: `cue-line driver-${f.driver}` }, h('span', { class: 'k' }, 'Cue: '), f.cue),
    h('p', { class: 'gate' }, h('span', { class: 'k' }, 'Gate: '), f.gate),
    h('p', { class: `onoff${rule.off ? ' off' : ''}` }, h('span', { class: 'k' }, 'Default: '), f.onOff),
    h(
      'dl',
      { class: 'evidence' },
      f.evidence.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    ),
  ];
}

/** The card of a rule that fired: span, what drove it, the gloss inserted, then its facts. */
export function firedCard(span: FiredSpan, rule: Rule | undefined, inserted: Inserted | undefined, ctx: CardContext) {
  const f = span.fired;
  const label = ctx.featureLabel(f.feature);
  const max = Math.max(f.peak, f.threshold) * 1.25 || 1;
  const how = span.cueKind
    ? [
        h(
          'p',
          { class: 'activation cue-fired' },
          `Fired on a grammar cue: the grammar parsed a ${span.cueKind} construction here (not an activation over a threshold).`,
        ),
      ]
    : [
        h(
          'p',
          { class: 'activation' },
          span.probe
            ? `Probe probability ${fmt(f.peak, 3)} against threshold ${fmt(f.threshold, 3)} (${fmt(f.ratio)}× the threshold)`
            : `Activation ${fmt(f.peak, 3)} against threshold ${fmt(f.threshold, 3)} (${fmt(f.ratio)}× the threshold)`,
        ),
        h(
          'div',
          { class: 'bar', 'aria-hidden': 'true' },
          h('span', { class: 'fill', style: `width:${((f.peak / max) * 100).toFixed(1)}%` }),
          h('span', { class: 'tick', style: `left:${((f.threshold / max) * 100).toFixed(1)}%` }),
        ),
      ];
  return h(
    'li',
    { class: 'rule', 'data-rule': f.rule, 'data-driver': span.cueKind ? 'grammar' : span.probe ? 'probe' : 'latent' },
    h('h3', {}, f.label, ' ', h('code', {}, f.rule)),
    h(
      'p',
      { class: 'feature' },
      span.cueKind ? `Grammar cue ${span.cueKind}` : `Feature ${f.feature}`,
      !span.cueKind && label ? ` · ${label}` : '',
      ' · on ',
      h('q', { dir: 'auto' }, f.span.text),
    ),
    how,
    h(
      'p',
      { class: 'gloss' },
      h('span', { class: 'k' }, 'Gloss: '),
      inserted ? inserted.gloss : h('em', {}, 'not inserted (same gloss already there, or over the cap)'),
    ),
    factsBlock(rule, ctx),
  );
}

/** The card of any rule of the bundle (the "all rules" list). */
export function bundleRuleCard(rule: Rule, ctx: CardContext, firedHere: boolean): HTMLElement {
  return h(
    'li',
    { class: `rule bundle-rule${firedHere ? ' fired' : ''}`, 'data-rule': rule.id },
    h('h3', {}, rule.label, ' ', h('code', {}, rule.id), firedHere ? h('span', { class: 'badge' }, ' fired here') : ''),
    factsBlock(rule, ctx),
  );
}
