// The held-out texts top contexts are computed on (export, scripts/feature-contexts.ts): text the
// SAE never trained on (it trained on GSM8K train and VUA train) and no locked test split:
//  - GSM8K outcome questions (test_outcomes.jsonl) of the mining and validation splits, never the
//    locked test split (offline-training/protocol/splits.ts);
//  - VUA val sentences, detokenized (VUA test is locked);
//  - the hand-written chat prompts of test/data/dev (development data, not any test split).
// Whatever of these is missing is skipped; `sources` says what was read.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detokenize } from '../data/detokenize.ts';
import { readVerbCsv } from '../data/verb-csv.ts';
import { gsm8kSplit } from '../protocol/splits.ts';
import type { HeldOutText } from './feature-contexts.ts';

/** How labels name each corpus of heldOutTexts. */
export const HELD_OUT_CORPUS_NAMES: Record<string, string> = {
  gsm8k: 'math problems',
  vua: 'prose (VUA)',
  chat: 'chat prompts',
};

/** Where heldOutTexts looks: `../shared/data` (gsm8k/, metaphor/) and the repo's test/data/dev. */
export interface HeldOutSources {
  sharedData?: string;
  devData?: string;
}

/**
 * The held-out texts that exist under the given folders (deduplicated, in file order), and a line
 * per corpus read ('gsm8k: 642 questions (mining + validation splits)'). Never reads a locked split.
 */
export async function heldOutTexts(o: HeldOutSources = {}): Promise<{ texts: HeldOutText[]; sources: string[] }> {
  const shared = o.sharedData ?? process.env.GLOSS_SHARED_DATA ?? join(process.env.GLOSS_SHARED ?? '../shared', 'data');
  const dev = o.devData ?? 'test/data/dev';
  const texts: HeldOutText[] = [];
  const sources: string[] = [];
  const seen = new Set<string>();
  const add = (corpus: string, id: string, text: string) => {
    const t = text.trim();
    if (!t || seen.has(t)) return false;
    seen.add(t);
    texts.push({ id, text: t, corpus });
    return true;
  };
  const gsm = join(shared, 'gsm8k/test_outcomes.jsonl');
  if (existsSync(gsm)) {
    let n = 0;
    (await readFile(gsm, 'utf8')).split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const q = (JSON.parse(line) as { question?: unknown }).question;
      if (typeof q === 'string' && gsm8kSplit(q) !== 'test' && add('gsm8k', `test_outcomes:${i}`, q)) n++;
    });
    sources.push(`gsm8k: ${n} outcome questions of the mining + validation splits (the locked test split left out)`);
  }
  const vua = join(shared, 'metaphor/VUA_val.csv');
  if (existsSync(vua)) {
    let n = 0;
    (await readVerbCsv(vua)).forEach((r, i) => add('vua', `VUA_val:${i}`, detokenize(r.sentence).text) && n++);
    sources.push(`vua: ${n} VUA val sentences, detokenized`);
  }
  const chat = join(dev, 'chat-prompts.txt');
  if (existsSync(chat)) {
    let n = 0;
    (await readFile(chat, 'utf8'))
      .split('\n')
      .forEach((l, i) => !l.startsWith('#') && add('chat', `chat-prompts:${i}`, l) && n++);
    sources.push(`chat: ${n} hand-written chat prompts (test/data/dev)`);
  }
  return { texts, sources };
}
