// gloss-train report: one self-contained HTML page with the run's charts.
import type { Command } from 'commander';
import { z } from 'zod';
import { defineCommand } from './define.ts';
import { flag } from '../option-schema.ts';

/** `gloss-train report` options. */
export const ReportOptions = z.object({
  out: flag(z.string(), 'file', 'HTML file to write'),
  saeMetrics: flag(z.string().optional(), 'file', 'metrics.json of the SAE'),
  candidates: flag(z.string().optional(), 'file', 'candidates.json from gloss-train mine'),
  evaluation: flag(z.string().optional(), 'file', 'evaluation-details.json'),
  title: flag(z.string().optional(), 'title', 'page title'),
});

/** The `report` command. */
export function reportCommand(): Command {
  return defineCommand('report', 'one self-contained HTML report with plots', ReportOptions, async (o) => {
    const { writeReport } = await import('../report/report.ts');
    await writeReport(o);
    console.log(`gloss-train: wrote ${o.out}`);
  });
}
