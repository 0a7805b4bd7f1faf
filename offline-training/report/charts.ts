// Charts as static SVG through Vega-Lite, rendered in Node: the report needs no script, CDN or
// network to be viewed.
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** Renders a Vega-Lite spec (default 520 x 260 px) to an SVG string in Node, with no browser. */
export async function svgChart(spec: Record<string, unknown>): Promise<string> {
  const compiled = vl.compile({ width: 520, height: 260, ...spec } as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  await view.finalize();
  return svg;
}

/** A Vega-Lite line chart spec of `y` against `x`, one line per value of `series`. */
export function lineChart(
  values: Record<string, unknown>[],
  x: string,
  y: string,
  series: string,
  title: string,
  yTitle = y,
): Record<string, unknown> {
  return {
    title,
    data: { values },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: x, type: 'quantitative' },
      y: { field: y, type: 'quantitative', title: yTitle },
      color: { field: series, type: 'nominal' },
    },
  };
}

/** A Vega-Lite spec of point estimates with [lo, hi] intervals, one row per label, coloured by group. */
export function intervalChart(
  values: { label: string; est: number; lo: number; hi: number; group: string }[],
  title: string,
  xTitle: string,
): Record<string, unknown> {
  return {
    title,
    height: Math.max(120, values.length * 18),
    data: { values },
    layer: [
      {
        mark: 'rule',
        encoding: {
          y: { field: 'label', type: 'nominal', sort: null, title: null },
          x: { field: 'lo', type: 'quantitative', title: xTitle },
          x2: { field: 'hi' },
          color: { field: 'group', type: 'nominal' },
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
