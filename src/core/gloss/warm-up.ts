// The first detections after a bundle loads are several times slower than later ones (onnxruntime
// sizes its buffers, V8 compiles the grammar and the tagger): measured here, a first proxy request
// took 121 ms against a 50 ms default budget, so a fresh server answered skipped-timeout. Running
// these texts once before the port opens moves that cost to start-up.
import type { GlossEngine } from '../engine/engine.ts';
import { MISREADING_FAMILIES } from '../rules/schema.ts';
import { scanTexts, type DetectAnswer } from './detect.ts';

/**
 * A math word problem (task gate open, a rate construction) and a prose sentence (gate closed), both
 * short: a warm-up must not cost what a long prompt does.
 */
export const WARM_UP_TEXTS: readonly string[] = [
  'A train goes 45 miles per hour for 3 hours. How far does it go?',
  'Thank my neighbour for watering the plants.',
];

/**
 * Runs {@link WARM_UP_TEXTS} through the engine's scan loop `rounds` times (default 2), on all
 * families, so every path a request takes has run once before the first request.
 * @returns the last round's answers, one per text (for tests: the math text fires).
 * @throws the detector's error, as scanTexts does.
 */
export async function warmUp(engine: GlossEngine, rounds = 2): Promise<DetectAnswer[]> {
  let answers: DetectAnswer[] = [];
  for (let i = 0; i < rounds; i++)
    answers = await scanTexts(engine, { texts: [...WARM_UP_TEXTS], maxTokens: 4096, families: MISREADING_FAMILIES });
  return answers;
}
