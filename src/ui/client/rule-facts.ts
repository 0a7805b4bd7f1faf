// What a rule card says about a rule, as plain text: what drives it (a grammar cue, a cue pattern on
// a latent, a probe, a latent alone), its gate, whether it is on by default and why, and its
// evidence as rules.json states it. Mining statistics (support, lift, q-value) appear only where
// they carry a value: a construction rule's "support 0, lift 0, q 1" are placeholders, not findings.
import { CONSTRUCTION_KINDS } from '../../core/grammar/index.ts';
import type { GateResult } from '../../core/rules/gate.ts';
import type { Gate, Rule } from '../../core/rules/schema.ts';

/** A rule card's text: one line each for cue, gate and default, then the evidence as label/value pairs. */
export interface RuleFacts {
  driver: 'grammar' | 'cue' | 'probe' | 'latent';
  cue: string;
  gate: string;
  onOff: string;
  evidence: [string, string][];
}

const KNOWN = new Set([
  'support',
  'lift',
  'q_value',
  'heldout_auc',
  'datasets',
  'decision',
  'driven_by',
  'validation_failure_or',
  'mining_failure_or',
  'val_precision',
  'val_recall',
]);

/** The facts of `rule`; `gate` is the bundle's task gate and `result` its verdict on this prompt, when known. */
export function ruleFacts(rule: Rule, gate?: Gate, result?: GateResult): RuleFacts {
  return { ...driverOf(rule), gate: gateLine(rule, gate, result), onOff: onOffLine(rule), evidence: evidenceOf(rule) };
}

function driverOf(rule: Rule): Pick<RuleFacts, 'driver' | 'cue'> {
  if (rule.construction !== undefined) {
    const kinds = Array.isArray(rule.construction)
      ? rule.construction
      : [...CONSTRUCTION_KINDS].filter(([, fam]) => fam === rule.construction).map(([k]) => k);
    const fam = Array.isArray(rule.construction) ? rule.family : rule.construction;
    return {
      driver: 'grammar',
      cue: `grammar cue: ${fam} constructions of the construction grammar (${kinds.join(', ') || 'no kinds'}); feature ${rule.feature} is shown beside it, not a firing condition`,
    };
  }
  if (rule.probe)
    return {
      driver: 'probe',
      cue: `probe: logistic read-out of ${rule.probe.features.length} latents at ${rule.probe.pos}s (and the next ${rule.probe.rightWords} words), fires at p ≥ ${rule.threshold}`,
    };
  if (rule.cue)
    return { driver: 'cue', cue: `cue pattern /${rule.cue}/i on feature ${rule.feature} ≥ ${rule.threshold}` };
  return { driver: 'latent', cue: `feature ${rule.feature} ≥ ${rule.threshold} (no cue pattern)` };
}

function gateLine(rule: Rule, gate?: Gate, result?: GateResult): string {
  if (rule.probe?.context)
    return `context gate ${rule.probe.context.id} (per sentence, threshold ${rule.probe.context.threshold}), family ${rule.family ?? '—'}`;
  if (gate && rule.family && gate.families.includes(rule.family)) {
    const now = result
      ? result.error
        ? ` · on this prompt: closed (${result.error})`
        : ` · on this prompt: ${result.open ? 'open' : 'closed'} (score ${result.score.toFixed(2)}, opens at ${gate.threshold}${
            gate.askedThreshold === undefined
              ? ''
              : `, or ${gate.askedThreshold} for constructions where the prompt asks for a quantity`
          })`
      : '';
    return `task gate ${gate.id} governs family ${rule.family}${now}`;
  }
  return `no task gate: family ${rule.family ?? '—'} fires on any prompt`;
}

function onOffLine(rule: Rule): string {
  const d = (rule.evidence as { decision?: unknown }).decision;
  const why = typeof d === 'string' ? `. Why: ${d}` : '';
  return rule.off
    ? `off by default (fires only where the run options name family ${rule.family ?? '—'})${why}`
    : `on by default${why}`;
}

/** `[or, lo, hi]` -> "3.12 [2.03, 4.79]"; anything else as JSON. */
export function formatOr(v: unknown): string {
  if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number'))
    return `${v[0].toFixed(2)} [${v[1].toFixed(2)}, ${v[2].toFixed(2)}]`;
  return JSON.stringify(v);
}

function evidenceOf(rule: Rule): [string, string][] {
  const e = rule.evidence as Record<string, unknown> & Rule['evidence'];
  const out: [string, string][] = [];
  const str = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
  // evidence.decision is the Default line's "why".
  if (e.validation_failure_or != null) out.push(['validation failure OR', formatOr(e.validation_failure_or)]);
  if (e.mining_failure_or != null) out.push(['mining failure OR', formatOr(e.mining_failure_or)]);
  if (str('driven_by')) out.push(['driven by', str('driven_by')!]);
  // Placeholders of rules nothing was mined for: not shown.
  if (e.support > 0) out.push(['support', String(e.support)]);
  const mined = !(e.lift === 0 && e.q_value === 1);
  if (mined) out.push(['lift', e.lift.toFixed(2)]);
  if (e.heldout_auc !== undefined) out.push(['held-out AUC', e.heldout_auc.toFixed(3)]);
  if (mined) out.push(['q-value', e.q_value.toFixed(3)]);
  for (const k of ['val_precision', 'val_recall'])
    if (typeof e[k] === 'number') out.push([k.replace('val_', 'validation '), (e[k] as number).toFixed(3)]);
  for (const [k, v] of Object.entries(e))
    if (!KNOWN.has(k) && (typeof v === 'number' || typeof v === 'string')) out.push([k.replace(/_/g, ' '), String(v)]);
  if (e.datasets.length) out.push(['data', e.datasets.join(', ')]);
  return out;
}
