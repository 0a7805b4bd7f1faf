// tsx scripts/construction-recall.ts [--bundle DIR]: recall of the construction grammar on the
// development rewordings (test/data/dev: traps-reworded, paraphrases, trap-free), with every family
// on, grammar alone and through the bundle's runtime path (task gate, families option, caps and the
// added-text budget), beside the bundle as shipped (its on families) and the frozen keyword matcher.
// Development data only: no held-out file is read. Prints one JSON object.
import { readFileSync } from 'node:fs';
import { loadBundle } from '../src/core/bundle/load.ts';
import { GlossEngine } from '../src/core/engine/engine.ts';
import { CONSTRUCTION_FAMILIES } from '../src/core/grammar/families.ts';
import { MISREADING_FAMILIES } from '../src/core/rules/schema.ts';
import { folderSource } from '../src/runtime/node/fs-source.ts';
import { ortNodeBackend } from '../src/runtime/node/ort-node-backend.ts';
import { paraphraseCheck, trapFreeCheck, trapsCheck, type Glosser } from '../offline-training/protocol/checks.ts';
import { engineGlosser } from '../offline-training/protocol/engine-glosser.ts';
import { grammarGlosser } from '../offline-training/protocol/grammar-glosser.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const jsonl = <T>(f: string): T[] =>
  readFileSync(`test/data/dev/${f}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

const engine = await GlossEngine.create(
  await loadBundle(folderSource(arg('--bundle', 'models/default'))),
  ortNodeBackend(),
);
const traps = jsonl<{ family: string; phrase: string; text: string }>('traps-reworded.jsonl');
const pairs = jsonl<{ id: string; family: string; a: string; b: string }>('paraphrases.jsonl');
const trapFree = jsonl<{ text: string }>('trap-free.jsonl').map((t) => t.text);

const paths: Record<string, Glosser> = {
  grammar_all_families: grammarGlosser(engine, { families: CONSTRUCTION_FAMILIES, priority: new Map(), noGate: true }),
  engine_all_families: engineGlosser(engine, { families: MISREADING_FAMILIES.filter((f) => f !== 'figurative') }),
  engine_default_families: engineGlosser(engine),
};
const out: Record<string, unknown> = {};
for (const [name, g] of Object.entries(paths)) {
  const t = await trapsCheck(g, traps);
  const p = await paraphraseCheck(g, pairs);
  const f = await trapFreeCheck(g, trapFree);
  out[name] = {
    traps_right_family: t.right_family,
    keyword_traps_right_family: t.keyword_matcher_right_family,
    paraphrase_fires_on_b: p.fires_on_paraphrase,
    paraphrase_kept_given_a: p.kept_given_original,
    keyword_paraphrase_fires_on_b: p.keyword_matcher_fires_on_paraphrase,
    trap_free_glossed: f.glossed,
    per_family: t.per_family,
    misses: process.argv.includes('--misses') ? t.misses : undefined,
    lost: process.argv.includes('--misses') ? p.lost : undefined,
  };
}
console.log(JSON.stringify(out, null, 2));
