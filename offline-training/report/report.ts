// gloss-train report: one self-contained HTML file (inline SVG charts, no scripts). In the order a
// reader looks: the summary figures beside their baselines, the rules exported with their evidence,
// the SAE's training curves and held-out figures, the candidate features' length-controlled
// association with intervals, the held-out ROC curves, failed examples, and the run's settings.
import { writeFile } from 'node:fs/promises';
import { readJson } from '../util/read-json.ts';
import { UsageError } from '../util/errors.ts';
import type { MiningResult } from '../mine/mine.ts';
import type { DetectionEvaluation } from '../evaluate/detection.ts';
import type { SaeMetricsReport } from '../sae/trainer.ts';
import { parseRules, type RulesFile } from '../../src/core/rules/schema.ts';
import { intervalChart, lineChart, svgChart } from './charts.ts';
import { formatPercent, formatValue, isFractionKey, readableKey } from './format.ts';

/** Inputs of `gloss-train report`: the HTML file to write and the trainer's JSON outputs it reads (each optional). */
export interface ReportOptions {
  out: string;
  /** sae/metrics.json written by gloss-train sae. */
  saeMetrics?: string;
  /** candidates.json written by gloss-train mine. */
  candidates?: string;
  /** evaluation-details.json written by gloss-train evaluate. */
  evaluation?: string;
  /** rules.json as exported (the bundle's, or gloss-train rules' output after review). */
  rules?: string;
  title?: string;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

async function readOptional<T>(path: string | undefined, what: string): Promise<T | undefined> {
  return path ? readJson<T>(path, what) : undefined;
}

/** A table cell: plain text, or text with a title (the raw key a label stands for). */
type Cell = string | { text: string; title?: string; num?: boolean };

function table(header: string[], rows: Cell[][], caption?: string): string {
  const td = (c: Cell) => {
    const o = typeof c === 'string' ? { text: c } : c;
    return `<td${o.title ? ` title="${esc(o.title)}"` : ''}${o.num ? ' class="num"' : ''}>${esc(o.text)}</td>`;
  };
  return `<table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Key/value rows with readable labels; fractions as percentages. */
function figureRows(entries: [string, unknown][]): Cell[][] {
  return entries
    .filter(([, v]) => typeof v !== 'object' || v === null)
    .map(([k, v]) => [
      { text: readableKey(k), title: k },
      { text: typeof v === 'number' && isFractionKey(k) ? formatPercent(v) : formatValue(v), num: true },
    ]);
}

function saeSections(sae: SaeMetricsReport): Promise<string[]> | string[] {
  return (async () => {
    const out: string[] = [];
    const history = sae.history ?? [];
    if (history.length) {
      const fvu = history.flatMap((h) => [
        { step: h.step, value: h.train_fvu, series: 'training (moving average)' },
        ...(h.eval_fvu !== undefined ? [{ step: h.step, value: h.eval_fvu, series: 'held-out sample' }] : []),
      ]);
      out.push(
        await svgChart(
          lineChart(fvu, 'step', 'value', 'series', 'Fraction of variance unexplained (FVU)', {
            xTitle: 'step',
            yTitle: 'FVU',
          }),
        ),
      );
      const window = sae.training?.dead_tokens;
      const dead = history.flatMap((h) => [
        {
          step: h.step,
          value: h.dead_fraction,
          series: `training: no activation in the last ${window ? formatValue(window) : 'N'} tokens`,
        },
        ...(h.eval_dead_fraction !== undefined
          ? [{ step: h.step, value: h.eval_dead_fraction, series: 'held-out sample: never fired on it' }]
          : []),
      ]);
      // A line flat at zero says nothing a sentence cannot, and its axis would read 0.000000.
      if (dead.every((d) => !d.value))
        out.push(
          `<p class="dead">No latent was dead at any evaluation step (training window and held-out sample).</p>`,
        );
      else
        out.push(
          await svgChart(
            lineChart(dead, 'step', 'value', 'series', 'Dead latents', {
              xTitle: 'step',
              yTitle: 'share of latents',
              yFormat: '.1%',
            }),
          ),
        );
    }
    if (sae.held_out) {
      const rows = figureRows(Object.entries(sae.held_out));
      if (sae.baselines) rows.push(...figureRows(Object.entries(sae.baselines)));
      const where = sae.split?.evaluated_on === 'train' ? 'training rows (no held-out split)' : 'held-out rows';
      out.push(table(['measure', 'value'], rows, `The final SAE on ${where}, beside its baselines`));
      if (sae.training && sae.held_out.dead_fraction !== undefined)
        out.push(
          `<p>Dead latents at the end: ${formatPercent(sae.training.dead_fraction)} had no activation in the last ${formatValue(sae.training.dead_tokens)} training tokens; ${formatPercent(sae.held_out.dead_fraction)} never fired on the ${formatValue(sae.held_out.rows)} evaluation rows (a smaller sample, so more latents stay silent there).</p>`,
        );
    }
    if (sae.jumprelu)
      out.push(
        table(
          ['measure', 'value'],
          figureRows(Object.entries(sae.jumprelu)),
          'JumpReLU thresholds (what the bundle runs) against the TopK SAE they were calibrated on',
        ),
      );
    return out.length ? [`<h2>SAE training</h2>${out.join('\n')}`] : [];
  })();
}

function rulesSection(rules: RulesFile, heldOutBaseline: number | undefined): string {
  const aucHead =
    heldOutBaseline !== undefined ? `held-out AUC (length only: ${formatValue(heldOutBaseline)})` : 'held-out AUC';
  const rows: Cell[][] = rules.rules.map((r) => [
    { text: r.id },
    { text: `${r.feature}: ${r.label}` },
    { text: `activation >= ${formatValue(r.threshold)}`, num: true },
    { text: `${r.scope}, ${r.placement}` },
    { text: r.gloss },
    { text: formatValue(r.evidence.support), num: true },
    { text: formatValue(r.evidence.lift), num: true },
    { text: formatValue(r.evidence.q_value), num: true },
    { text: formatValue(r.evidence.heldout_auc), num: true },
    { text: r.evidence.datasets.join(', ') },
  ]);
  return `<h2>Rules exported (${rules.rules.length})</h2>${table(
    ['rule', 'feature', 'fires at', 'scope, placement', 'gloss', 'support', 'lift', 'q-value', aucHead, 'data sets'],
    rows,
  )}<p>Support: mining prompts where the feature fires; lift: failure rate where it fires over the overall failure rate; q-value: Benjamini-Hochberg over every latent tested.</p>`;
}

function settingsSection(sae: SaeMetricsReport | undefined, mining: MiningResult | undefined): string {
  const parts: string[] = [];
  if (sae?.sae) parts.push(table(['SAE', 'value'], figureRows(Object.entries(sae.sae))));
  if (sae?.training) {
    // dead_fraction is a result, reported with the SAE's figures above.
    const { normalization, dead_fraction: _dead, ...t } = sae.training;
    const rows = figureRows(Object.entries(t));
    if (normalization)
      rows.push([
        { text: 'input normalisation', title: 'normalization' },
        { text: `mean-centred, scaled by ${formatValue(normalization.scale)}, folded into the weights` },
      ]);
    parts.push(table(['SAE training', 'value'], rows));
  }
  if (sae?.split)
    parts.push(
      table(
        ['SAE data split', 'value'],
        figureRows(Object.entries({ ...sae.split, evaluated_on: sae.split.evaluated_on.replace('_', '-') })),
      ),
    );
  if (mining)
    parts.push(
      table(
        ['mining', 'value'],
        [
          ['target model (outcomes)', mining.target],
          ['outcomes file', mining.outcomes],
          ['detector', mining.detector],
          ['SAE', mining.sae],
          ['latents tested', `${formatValue(mining.counts.latentsTested)} (family: ${mining.family})`],
          ['held-out fraction', formatPercent(mining.heldOutFraction)],
          ['split seed', formatValue(mining.seed)],
          [
            'prompts',
            `${formatValue(mining.counts.prompts)}: ${formatValue(mining.counts.mining)} mining (${formatValue(mining.counts.miningFailures)} failures), ${formatValue(mining.counts.heldOut)} held out (${formatValue(mining.counts.heldOutFailures)} failures)`,
          ],
        ],
      ),
    );
  return parts.length ? `<h2>Run settings</h2>${parts.join('\n')}` : '';
}

/**
 * Writes one self-contained HTML report (inline SVG charts, no script) from the trainer's outputs:
 * summary figures beside their baselines, the exported rules with their evidence, SAE curves,
 * candidate features, held-out ROC and the run's settings. Returns the path written.
 * @throws Error naming the file when an input cannot be read or parsed
 */
export async function writeReport(opts: ReportOptions): Promise<string> {
  const sae = await readOptional<SaeMetricsReport>(opts.saeMetrics, 'SAE metrics');
  const mining = await readOptional<MiningResult>(opts.candidates, 'candidates');
  const ev = await readOptional<{
    detection?: DetectionEvaluation;
    metaphor?: unknown;
    summary?: Record<string, number>;
  }>(opts.evaluation, 'evaluation');
  const rulesJson = await readOptional<unknown>(opts.rules, 'rules');
  const rules = rulesJson === undefined ? undefined : parseRules(rulesJson);
  if (!sae && !mining && !ev && !rules)
    throw new UsageError('report: give at least one of --sae-metrics, --candidates, --evaluation, --rules');
  const sections: string[] = [];

  if (ev?.summary)
    sections.push(
      `<h2>Summary figures</h2>${table(
        ['measure', 'value'],
        figureRows(Object.entries(ev.summary)),
        'Held-out figures of gloss-train evaluate, each beside its baseline',
      )}`,
    );
  if (rules) sections.push(rulesSection(rules, mining?.lengthBaseline?.heldOutAuc));
  if (sae) sections.push(...(await saeSections(sae)));
  if (mining) sections.push(...(await candidateSections(mining)));
  if (ev?.detection) sections.push(...(await detectionSections(ev.detection)));
  const settings = settingsSection(sae, mining);
  if (settings) sections.push(settings);

  const title = esc(opts.title ?? 'Gloss report');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#111}table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;font-weight:600;padding:.25rem 0}td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}svg{max-width:100%;height:auto;display:block;margin:1rem 0}</style></head>
<body><h1>${title}</h1>${sections.join('\n')}</body></html>\n`;
  await writeFile(opts.out, html);
  return html;
}

/** The candidate-features part of the report: interval chart, table and failed examples of the top 20. */
async function candidateSections(mining: MiningResult): Promise<string[]> {
  const sections: string[] = [];
  const top = mining.candidates.slice(0, 20);
  const values = top.map((c) => ({
    label: `${c.feature}: ${c.label}`.slice(0, 48),
    est: c.lor,
    lo: c.lorLo,
    hi: c.lorHi,
    group: c.mhQ <= 0.1 ? 'q (length-controlled) <= 0.1' : 'not significant',
  }));
  sections.push(
    `<h2>Features and failures (${esc(mining.target)})</h2><p>${formatValue(mining.counts.mining)} mining prompts, ${formatValue(mining.counts.miningFailures)} failures; ${formatValue(mining.counts.latentsTested)} latents tested. Log odds ratio of failure when the feature fires, 95% interval.</p>${await svgChart(intervalChart(values, 'Log odds ratio of failure', 'log odds ratio'))}`,
  );
  sections.push(
    table(
      [
        'feature',
        'label',
        'support',
        'lift',
        'odds ratio (Mantel-Haenszel, length strata)',
        'q-value (MH)',
        'AUC gain over length',
      ],
      top.map((c) => [
        { text: String(c.feature), num: true },
        c.label,
        { text: formatValue(c.support), num: true },
        { text: formatValue(c.lift), num: true },
        { text: formatValue(c.mhOr), num: true },
        { text: formatValue(c.mhQ), num: true },
        { text: formatValue(c.aucGainOverLength), num: true },
      ]),
    ),
  );
  const ex = top
    .slice(0, 5)
    .flatMap((c) =>
      c.examples
        .slice(0, 1)
        .map((e) => [String(c.feature), e.prompt.slice(0, 240), e.token, e.answer ?? '?', e.gold ?? '?']),
    );
  sections.push(`<h3>Failed examples</h3>${table(['feature', 'prompt', 'fires on', 'LLM answer', 'gold'], ex)}`);
  return sections;
}

/** The held-out detection part of the report: ROC of rules vs the length baseline, and the best features. */
async function detectionSections(d: DetectionEvaluation): Promise<string[]> {
  const sections: string[] = [];
  const auc = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '-');
  const roc = [
    ...d.roc.rules.map((p) => ({ ...p, series: `rules (AUC ${auc(d.rulesAuc)})` })),
    ...d.roc.length.map((p) => ({ ...p, series: `length only, the baseline (AUC ${auc(d.lengthAuc)})` })),
    ...d.roc.lengthPlusRules.map((p) => ({ ...p, series: `length + rules (AUC ${auc(d.lengthPlusRulesAuc)})` })),
  ];
  sections.push(
    `<h2>Held-out detection</h2><p>${formatValue(d.heldOut)} held-out prompts, ${formatValue(d.heldOutFailures)} failures.</p>${await svgChart(
      lineChart(roc, 'fpr', 'tpr', 'series', 'ROC on held-out prompts', {
        xTitle: 'false positive rate',
        yTitle: 'true positive rate',
      }),
    )}`,
  );
  sections.push(
    table(
      ['best features (mining rank)', 'held-out AUC'],
      d.bestFeatures.map((f) => [`${f.miningRank}. ${f.feature}: ${f.label}`, { text: auc(f.heldOutAuc), num: true }]),
    ),
  );
  return sections;
}
