// Metrics in the Prometheus text format (version 0.0.4), from one small registry that runs the
// same in Node and workerd (prom-client needs Node's process and perf_hooks, so it is not used).
// Counters and histograms with labels; label values are escaped; series are rendered sorted, so
// /metrics is stable. On Workers every isolate has its own registry (per-isolate figures).

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function fmt(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i])}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`bad metric name ${name}`);
    for (const l of labelNames) if (!LABEL_NAME.test(l) || l === 'le') throw new Error(`bad label name ${l}`);
  }

  protected values(labels: Labels): string[] {
    return this.labelNames.map((n) => String(labels[n] ?? ''));
  }

  /** The series key of `labels`: their values in labelNames order. */
  protected key(labels: Labels): string {
    return this.values(labels).join('\u0000');
  }

  /** HELP and TYPE, then each series' lines in sorted key order (so /metrics is stable). */
  protected renderSorted<S>(type: string, series: Map<string, S>, linesOf: (s: S) => string[]): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${type}`];
    for (const key of [...series.keys()].sort()) lines.push(...linesOf(series.get(key)!));
    return lines;
  }

  abstract render(): string[];
}

/** A Prometheus counter with labels. */
export class Counter extends Metric {
  private readonly series = new Map<string, { values: string[]; n: number }>();

  inc(labels: Labels = {}, by = 1): void {
    const values = this.values(labels);
    const key = values.join('\u0000');
    const s = this.series.get(key);
    if (s) s.n += by;
    else this.series.set(key, { values, n: by });
  }

  /** The current value of one series (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.series.get(this.key(labels))?.n ?? 0;
  }

  render(): string[] {
    return this.renderSorted('counter', this.series, (s) => [
      `${this.name}${labelText(this.labelNames, s.values)} ${fmt(s.n)}`,
    ]);
  }
}

/** A Prometheus histogram with labels and fixed, increasing bucket bounds (in the metric's unit). */
export class Histogram extends Metric {
  private readonly series = new Map<string, { values: string[]; counts: number[]; sum: number; n: number }>();

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
    for (let i = 1; i < buckets.length; i++)
      if (!(buckets[i] > buckets[i - 1])) throw new Error(`buckets of ${name} must increase`);
  }

  observe(labels: Labels, value: number): void {
    const values = this.values(labels);
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { values, counts: new Array(this.buckets.length).fill(0), sum: 0, n: 0 }));
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]++;
    s.sum += value;
    s.n++;
  }

  /** Observations of one series. */
  count(labels: Labels = {}): number {
    return this.series.get(this.key(labels))?.n ?? 0;
  }

  render(): string[] {
    return this.renderSorted('histogram', this.series, (s) => {
      const lines: string[] = [];
      let cum = 0;
      this.buckets.forEach((b, i) => {
        cum += s.counts[i];
        lines.push(`${this.name}_bucket${labelText(this.labelNames, s.values, ['le', fmt(b)])} ${cum}`);
      });
      lines.push(`${this.name}_bucket${labelText(this.labelNames, s.values, ['le', '+Inf'])} ${s.n}`);
      lines.push(`${this.name}_sum${labelText(this.labelNames, s.values)} ${fmt(s.sum)}`);
      lines.push(`${this.name}_count${labelText(this.labelNames, s.values)} ${s.n}`);
      return lines;
    });
  }
}

/** A set of metrics rendered together in the Prometheus text format (exposition format 0.0.4). */
export class Registry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  private add<M extends Metric>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }

  /** The text exposition format; serve as `text/plain; version=0.0.4`. */
  render(): string {
    return this.metrics.flatMap((m) => m.render()).join('\n') + '\n';
  }
}

/** Content type of the Prometheus text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Gloss's metrics. */
export interface GlossMetrics {
  registry: Registry;
  /** Every request Gloss answered, by route (a fixed set, or "other") and HTTP status. */
  httpRequests: Counter;
  /** Proxied requests by route, upstream and x-gloss-status. */
  proxyRequests: Counter;
  /** Rules that fired on proxied requests (dry runs included), by rule id. */
  rulesFired: Counter;
  /** Detection time per proxied request (all its texts), seconds. */
  detectionSeconds: Histogram;
  /** Time from sending to the upstream's response headers, seconds, by upstream. */
  upstreamSeconds: Histogram;
  /** Upstream failures by upstream and kind (connect, reset, timeout, redirect, stream_cut, stream_idle). */
  upstreamErrors: Counter;
  /** Retries of requests that never reached the upstream. */
  upstreamRetries: Counter;
  /** Detection cache lookups by result (hit, miss). */
  cacheLookups: Counter;
  /** Detections abandoned at the time budget (the request went on without them), by route. */
  detectionAbandoned: Counter;
}

/** A new registry with Gloss's metrics (requests, detection, upstream, cache), served at GET /metrics. */
export function glossMetrics(): GlossMetrics {
  const registry = new Registry();
  return {
    registry,
    httpRequests: registry.counter('gloss_http_requests_total', 'HTTP requests answered, by route and status.', [
      'route',
      'status',
    ]),
    proxyRequests: registry.counter(
      'gloss_proxy_requests_total',
      'Proxied requests by route, upstream and gloss status (x-gloss-status).',
      ['route', 'upstream', 'gloss_status'],
    ),
    rulesFired: registry.counter('gloss_rules_fired_total', 'Rules fired on proxied requests, by rule id.', ['rule']),
    detectionSeconds: registry.histogram(
      'gloss_detection_seconds',
      'Detection time per proxied request, all scanned texts together.',
      ['route'],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    ),
    upstreamSeconds: registry.histogram(
      'gloss_upstream_seconds',
      'Time from sending a request upstream to its response headers.',
      ['upstream'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    ),
    upstreamErrors: registry.counter('gloss_upstream_errors_total', 'Upstream failures by upstream and kind.', [
      'upstream',
      'kind',
    ]),
    upstreamRetries: registry.counter(
      'gloss_upstream_retries_total',
      'Retries of requests that never reached the upstream.',
      ['upstream'],
    ),
    cacheLookups: registry.counter('gloss_detection_cache_total', 'Detection cache lookups by result.', ['result']),
    detectionAbandoned: registry.counter(
      'gloss_detection_abandoned_total',
      'Detections abandoned at the time budget; the request went on without them.',
      ['route'],
    ),
  };
}
