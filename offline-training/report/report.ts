// gloss-train report: one self-contained HTML file (inline SVG charts, no scripts) with the SAE
// training curves, the candidate features' length-controlled association with intervals, the
// held-out ROC curves, and failed examples.
import { writeFile } from 'node:fs/promises';
import { readJson } from '../read-json.ts';
import { UsageError } from '../errors.ts';
import type { MiningResult } from '../mine/mine.ts';
import type { DetectionEvaluation } from '../evaluate/detection.ts';
import { intervalChart, lineChart, svgChart } from './charts.ts';

export interface ReportOptions {
  out: string;
  saeMetrics?: string;
  candidates?: string;
  /** evaluation-details.json written by gloss-train evaluate. */
  evaluation?: string;
  title?: string;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

async function readOptional<T>(path: string | undefined, what: string): Promise<T | undefined> {
  return path ? readJson<T>(path, what) : undefined;
}

export async function writeReport(opts: ReportOptions): Promise<string> {
  const sae = await readOptional<{
    history?: Record<string, number>[];
    held_out?: Record<string, number>;
    baselines?: Record<string, number>;
  }>(opts.saeMetrics, 'SAE metrics');
  const mining = await readOptional<MiningResult>(opts.candidates, 'candidates');
  const ev = await readOptional<{
    detection?: DetectionEvaluation;
    metaphor?: unknown;
    summary?: Record<string, number>;
  }>(opts.evaluation, 'evaluation');
  if (!sae && !mining && !ev)
    throw new UsageError('report: give at least one of --sae-metrics, --candidates, --evaluation');
  const sections: string[] = [];

  if (sae?.history?.length) {
    const rows = sae.history.flatMap((h) => [
      { step: h.step, value: h.train_fvu, series: 'train FVU' },
      ...(h.eval_fvu !== undefined ? [{ step: h.step, value: h.eval_fvu, series: 'held-out FVU' }] : []),
    ]);
    const l0 = sae.history.map((h) => ({ step: h.step, value: h.dead_fraction, series: 'dead fraction' }));
    sections.push(
      `<h2>SAE training</h2>${await svgChart(lineChart(rows, 'step', 'value', 'series', 'Fraction of variance unexplained', 'FVU'))}${await svgChart(lineChart(l0, 'step', 'value', 'series', 'Dead latents', 'fraction'))}`,
    );
    if (sae.held_out)
      sections.push(
        table(
          ['held-out', 'value'],
          Object.entries(sae.held_out)
            .filter(([, v]) => typeof v === 'number')
            .map(([k, v]) => [k, v.toFixed(4)]),
        ),
      );
  }
  if (mining) {
    const top = mining.candidates.slice(0, 20);
    const values = top.map((c) => ({
      label: `${c.feature}: ${c.label}`.slice(0, 48),
      est: c.lor,
      lo: c.lorLo,
      hi: c.lorHi,
      group: c.mhQ <= 0.1 ? 'q (length-controlled) <= 0.1' : 'not significant',
    }));
    sections.push(
      `<h2>Features and failures (${esc(mining.target)})</h2><p>${mining.counts.mining} mining prompts, ${mining.counts.miningFailures} failures; ${mining.counts.latentsTested} latents tested. Log odds ratio of failure when the feature fires, 95% interval.</p>${await svgChart(intervalChart(values, 'Log odds ratio of failure', 'log odds ratio'))}`,
    );
    sections.push(
      table(
        ['feature', 'label', 'support', 'lift', 'MH OR', 'q (MH)', 'AUC gain over length'],
        top.map((c) => [
          String(c.feature),
          c.label,
          String(c.support),
          c.lift.toFixed(2),
          c.mhOr.toFixed(2),
          c.mhQ.toPrecision(2),
          Number.isFinite(c.aucGainOverLength) ? c.aucGainOverLength.toFixed(3) : '-',
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
  }
  if (ev?.detection) {
    const d = ev.detection;
    const roc = [
      ...d.roc.rules.map((p) => ({ ...p, series: `rules (AUC ${d.rulesAuc.toFixed(3)})` })),
      ...d.roc.length.map((p) => ({ ...p, series: `length only (AUC ${d.lengthAuc.toFixed(3)})` })),
      ...d.roc.lengthPlusRules.map((p) => ({
        ...p,
        series: `length + rules (AUC ${d.lengthPlusRulesAuc.toFixed(3)})`,
      })),
    ];
    sections.push(
      `<h2>Held-out detection</h2><p>${d.heldOut} held-out prompts, ${d.heldOutFailures} failures.</p>${await svgChart(lineChart(roc, 'fpr', 'tpr', 'series', 'ROC on held-out prompts', 'true positive rate'))}`,
    );
    sections.push(
      table(
        ['best features (mining rank)', 'held-out AUC'],
        d.bestFeatures.map((f) => [`${f.miningRank}. ${f.feature}: ${f.label}`, f.heldOutAuc.toFixed(3)]),
      ),
    );
  }
  if (ev?.summary)
    sections.push(
      `<h2>Summary figures</h2>${table(
        ['measure', 'value'],
        Object.entries(ev.summary).map(([k, v]) => [k, typeof v === 'number' ? v.toFixed(4) : String(v)]),
      )}`,
    );

  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(opts.title ?? 'Gloss report')}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}svg{max-width:100%;height:auto}</style></head>
<body><h1>${esc(opts.title ?? 'Gloss report')}</h1>${sections.join('\n')}</body></html>\n`;
  await writeFile(opts.out, html);
  return html;
}

function table(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}
