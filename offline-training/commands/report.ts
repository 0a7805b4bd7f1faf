// gloss-train report: one self-contained HTML page with the run's charts.
import type { Command } from 'commander';
import { z } from 'zod';
import { defineCommand } from './define.ts';
import { flag } from '../util/option-schema.ts';

/** `gloss-train report` options. */
export const ReportOptions = z
  .object({
    out: flag(z.string(), 'file', 'HTML file to write'),
    saeMetrics: flag(z.string().optional(), 'file', 'metrics.json of the SAE'),
    candidates: flag(z.string().optional(), 'file', 'candidates.json from gloss-train mine'),
    evaluation: flag(z.string().optional(), 'file', 'evaluation-details.json'),
    rules: flag(z.string().optional(), 'file', 'rules.json as exported: listed with their evidence'),
    title: flag(z.string().optional(), 'title', 'page title'),
  })
  .describe('one self-contained HTML report with plots');

/** The `report` command. */
export function reportCommand(): Command {
  return defineCommand('report', ReportOptions, async (o) => {
    const { writeReport } = await import('../report/report.ts');
    await writeReport(o);
    return `wrote ${o.out}`;
  });
}
