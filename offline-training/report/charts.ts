// Charts as static SVG through Vega-Lite, rendered in Node: the report needs no script, CDN or
// network to be viewed.
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** Renders a Vega-Lite spec (default 520 x 260 px) to a static SVG string in Node, with no script or network. */
export async function svgChart(spec: Record<string, unknown>): Promise<string> {
  const compiled = vl.compile({ width: 520, height: 260, ...spec } as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  await view.finalize();
  return svg;
}

/** Legends below the plot, one entry per line at full length: labels carry figures (AUCs) that must not be cut. */
const LEGEND = { orient: 'bottom', direction: 'vertical', title: null, labelLimit: 0, labelFontSize: 12 };

/** Axis titles and the y axis's number format for lineChart. */
export interface LineChartAxes {
  /** Title of the x axis (default: the field name). */
  xTitle?: string;
  /** Title of the y axis (default: the field name). */
  yTitle?: string;
  /** d3 format of the y axis labels, e.g. '.1%' for fractions. */
  yFormat?: string;
}

/** Lines of `y` against `x`, one per value of `series`, as a Vega-Lite spec. */
export function lineChart(
  values: Record<string, unknown>[],
  x: string,
  y: string,
  series: string,
  title: string,
  axes: LineChartAxes = {},
): Record<string, unknown> {
  return {
    title,
    data: { values },
    mark: { type: 'line', point: values.length <= 60 },
    encoding: {
      x: { field: x, type: 'quantitative', title: axes.xTitle ?? x },
      y: {
        field: y,
        type: 'quantitative',
        title: axes.yTitle ?? y,
        ...(axes.yFormat ? { axis: { format: axes.yFormat } } : {}),
      },
      color: { field: series, type: 'nominal', legend: LEGEND },
    },
  };
}

/** A Vega-Lite spec of point estimates with their intervals [lo, hi], one row per label, coloured by group (odds ratios with 95% CIs, for example). */
export function intervalChart(
  values: { label: string; est: number; lo: number; hi: number; group: string }[],
  title: string,
  xTitle: string,
): Record<string, unknown> {
  return {
    title,
    height: Math.max(120, values.length * 18),
    // Feature labels in full (they are cut to 48 characters before they get here).
    config: { axisY: { labelLimit: 0 } },
    data: { values },
    layer: [
      {
        mark: 'rule',
        encoding: {
          y: { field: 'label', type: 'nominal', sort: null, title: null },
          x: { field: 'lo', type: 'quantitative', title: xTitle },
          x2: { field: 'hi' },
          color: { field: 'group', type: 'nominal', legend: LEGEND },
        },
      },
      {
        mark: { type: 'point', filled: true },
        encoding: {
          y: { field: 'label', type: 'nominal', sort: null },
          x: { field: 'est', type: 'quantitative' },
          color: { field: 'group', type: 'nominal' },
        },
      },
    ],
  };
}
