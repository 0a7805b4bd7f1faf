// A FeatureRunner that reports each text it runs to a progress bar (or log lines off a terminal),
// so the slow loops that run the detector over a corpus are never silent in CI logs.
import type { Progress } from '../util/progress.ts';
import type { FeatureRunner } from './feature-runner.ts';

/**
 * `runner`, with `bar.update(n)` after its n-th `run` (n counts from 0 at the call). The caller
 * starts the bar (with the number of texts it will run) and stops it; release() is the runner's.
 */
export function countedRunner(runner: FeatureRunner, bar: Progress): FeatureRunner {
  let done = 0;
  return {
    manifest: runner.manifest,
    tokenizer: runner.tokenizer,
    width: runner.width,
    release: () => runner.release(),
    run: async (text: string) => {
      const r = await runner.run(text);
      bar.update(++done);
      return r;
    },
  };
}
