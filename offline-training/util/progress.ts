// Progress for long trainer jobs: a cli-progress bar on stderr when it is a terminal, nothing
// otherwise (logs and CI stay clean).
import { Presets, SingleBar } from 'cli-progress';

/** Whether progress is drawn at all (stderr is a terminal). */
export const showProgress = (): boolean => Boolean(process.stderr.isTTY);

/** The bar a job updates: `update(value, payload)`; `stop()` ends the line. A no-op off a TTY. */
export interface Progress {
  start(total: number, value?: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

/**
 * A progress bar with cli-progress's `format` (tokens {bar}, {value}, {total}, {eta_formatted}
 * and the payload's own keys), redrawn at most every `fpsMs` milliseconds.
 */
export function progressBar(format: string, fpsMs = 200): Progress {
  if (!showProgress()) return { start() {}, update() {}, stop() {} };
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
