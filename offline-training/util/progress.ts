// Progress for long trainer jobs on stderr: a cli-progress bar when stderr is a terminal; in logs
// and CI (stderr a pipe or a file) one plain line every few seconds instead,
// `<step>: n/total (pct%), rate/s, ETA s`, and a last line when the job stops.
import { Presets, SingleBar } from 'cli-progress';

/** Whether bars are drawn (stderr is a terminal); off a terminal progress is printed as lines. */
export const showProgress = (): boolean => Boolean(process.stderr.isTTY);

/** Milliseconds between log lines off a terminal: $GLOSS_PROGRESS_MS, else 5000. */
export function progressIntervalMs(): number {
  const v = Number(process.env.GLOSS_PROGRESS_MS);
  return Number.isFinite(v) && v > 0 ? v : 5000;
}

/** The bar a job updates: `update(value, payload)`; `stop()` ends the line (or prints the last one). */
export interface Progress {
  start(total: number, value?: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

/**
 * Progress as log lines: `<step>: n/total (pct%), rate/s, ETA s` on `write` (default: stderr) at
 * most every `intervalMs` (default {@link progressIntervalMs}), the first once that much time
 * has passed, and a last line at `stop()` when anything was done. A total of 0 or less prints `n`
 * alone. The rate counts from `start`.
 */
export function lineProgress(
  step: string,
  opts: { intervalMs?: number; write?: (line: string) => void } = {},
): Progress {
  const every = opts.intervalMs ?? progressIntervalMs();
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  let total = 0;
  let first = 0;
  let value = 0;
  let t0 = 0;
  let last = 0;
  let started = false;
  const line = () => {
    const s = (performance.now() - t0) / 1000;
    const rate = s > 0 ? (value - first) / s : 0;
    const rateText = rate >= 10 ? rate.toFixed(0) : rate.toFixed(2);
    if (total <= 0) return `${step}: ${value}, ${rateText}/s`;
    const pct = ((100 * value) / total).toFixed(1);
    const eta = rate > 0 ? Math.ceil((total - value) / rate) : '?';
    return `${step}: ${value}/${total} (${pct}%), ${rateText}/s, ETA ${eta} s`;
  };
  return {
    start(t, v = 0) {
      total = t;
      value = first = v;
      t0 = last = performance.now();
      started = true;
    },
    update(v) {
      if (!started) this.start(0, 0);
      value = v;
      const now = performance.now();
      if (now - last >= every) {
        last = now;
        write(line());
      }
    },
    stop() {
      if (started && value > first) write(line());
      started = false;
    },
  };
}

/** The step name of a bar format: its first word (`sae [{bar}] ...` -> `sae`). */
function stepOf(format: string): string {
  return /^[^\s[{:|]+/.exec(format.trim())?.[0] ?? 'progress';
}

/**
 * A progress bar with cli-progress's `format` (tokens {bar}, {value}, {total}, {eta_formatted}
 * and the payload's own keys), redrawn at most every `fpsMs` milliseconds, on a terminal; off
 * one, {@link lineProgress} named by the format's first word.
 */
export function progressBar(format: string, fpsMs = 200): Progress {
  if (!showProgress()) return lineProgress(stepOf(format));
  return new SingleBar({ format, fps: 1000 / fpsMs, hideCursor: true }, Presets.shades_classic);
}

/** A bar for jobs that report (done, total) as they go: it starts on the first report. */
export interface JobProgress {
  update(done: number, total: number, payload?: object): void;
  stop(): void;
}

/** progressBar for a job whose total is known only from its first report. */
export function jobProgress(format: string): JobProgress {
  const bar = progressBar(format);
  let started = false;
  return {
    update(done, total, payload = {}) {
      if (!started) bar.start(total, done, { ...payload });
      started = true;
      bar.update(done, { ...payload });
    },
    stop: () => bar.stop(),
  };
}
