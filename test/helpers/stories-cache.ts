// Real activations for the torch tests: the stories260K detector (after block 3, from ../shared)
// and its activation cache over the first GSM8K training questions.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDetector } from '../../offline-training/commands/build-detector.ts';
import { extract } from '../../offline-training/activations/extract.ts';
import { readTexts } from '../../offline-training/data/texts.ts';
import { STORIES_GGUF } from './parity-graphs.ts';

const GSM8K = '../shared/data/gsm8k/train.jsonl';

/** Whether ../shared has the stories260K GGUF and GSM8K. */
export const haveStories = existsSync(STORIES_GGUF) && existsSync(GSM8K);

/** Builds <dir>/det and extracts <dir>/cache from the first `texts` GSM8K questions; returns both folders. */
export async function storiesCache(dir: string, texts: number): Promise<{ det: string; cache: string }> {
  const det = join(dir, 'det');
  await buildDetector({ arch: 'llama', weights: STORIES_GGUF, layer: 3, out: det });
  const data = join(dir, 'texts.jsonl');
  const rows = (await readTexts(GSM8K)).slice(0, texts);
  await writeFile(data, rows.map((t) => JSON.stringify({ text: t.text })).join('\n'));
  const cache = join(dir, 'cache');
  await extract({ detector: det, data: [data], out: cache });
  return { det, cache };
}
