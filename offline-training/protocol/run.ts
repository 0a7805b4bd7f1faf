// The protocol's checks on one bundle, on one side of the locked split: `validation` (development:
// the hand-written dev data, GSM8K validation questions, VUA val, MOH-X folds 2-9) or `test` (the
// one look per bundle: GSM8K test questions, VUA test, MOH-X folds 0-1). Data: test/data/dev and
// ../shared (splits.ts). Run by scripts/protocol-eval.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { loadEngine } from '../../src/runtime/node/server.ts';
import type { MatchOptions } from '../../src/core/rules/match.ts';
import { detokenize } from '../data/detokenize.ts';
import {
  figurativeCheck,
  gsm8kCheck,
  negativesCheck,
  paraphraseCheck,
  trapFreeCheck,
  trapsCheck,
  type VerbUse,
} from './checks.ts';
import { readOutcomeQuestions } from './construction-risk.ts';
import { engineGlosser } from './engine-glosser.ts';
import { grammarGlosser, type GrammarPathOptions } from './grammar-glosser.ts';
import { isMohxTest, mohxFold } from './splits.ts';
import { perVerbMajority } from '../evaluate/dev-checks.ts';

/** Where the checks read from and which side of the split they look at. */
export interface ProtocolOptions {
  bundle: string;
  /** The ../shared folder. */
  shared: string;
  /** test/data/dev. */
  devData: string;
  split: 'validation' | 'test';
  /** Run options for the rewrite (e.g. `families` to turn off-by-default families on). */
  match?: MatchOptions;
  /** Measure the composed grammar path (grammar-glosser.ts) over the bundle's gate instead of the bundle's own rules. */
  grammar?: GrammarPathOptions;
  /** Skip the figurative verb-use checks (slow: every sentence tagged). */
  skipFigurative?: boolean;
}

const jsonl = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

type Row = Record<string, string>;
const csv = (file: string): Row[] =>
  parseCsv(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, relax_column_count: true }) as Row[];

/** Verb uses as people write them (detokenized), with the verb's span in the text. */
function verbUses(rows: readonly Row[]): VerbUse[] {
  const out: VerbUse[] = [];
  for (const r of rows) {
    const d = detokenize(r.sentence);
    const vi = Number(r.verb_idx);
    const span = d.words[vi];
    if (!span) continue;
    out.push({ text: d.text, span, label: Number(r.label) ? 1 : 0, verb: r.verb });
  }
  return out;
}

type Of<F extends (...a: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

/** The figures of runProtocol: the dev-data checks only on validation, the figurative ones unless skipped. */
export interface ProtocolResult {
  bundle: string;
  split: 'validation' | 'test';
  match: MatchOptions;
  traps_reworded?: Of<typeof trapsCheck>;
  traps_classic?: Of<typeof trapsCheck>;
  trap_free?: Of<typeof trapFreeCheck>;
  paraphrases?: Of<typeof paraphraseCheck>;
  injected_triggers?: Of<typeof negativesCheck>;
  chat_prompts?: Of<typeof negativesCheck>;
  /** Chat requests that hold numbers, rates and percentages but ask for no computation. */
  chat_numeric?: Of<typeof negativesCheck>;
  chat_asking?: Of<typeof negativesCheck>;
  general_english: Of<typeof negativesCheck> & { corpus: string };
  gsm8k: Omit<Of<typeof gsm8kCheck>, 'glossed_texts'>;
  gsm8k_glossed_sample: string[];
  figurative_vua?: Of<typeof figurativeCheck>;
  figurative_mohx?: Of<typeof figurativeCheck> & { note: string };
}

/** Runs every check on one bundle and one side of the split; returns the figures with baselines. */
export async function runProtocol(o: ProtocolOptions): Promise<ProtocolResult> {
  const engine = await loadEngine(o.bundle);
  try {
    const glosser = o.grammar ? grammarGlosser(engine, o.grammar) : engineGlosser(engine, o.match);
    const dev = (f: string) => join(o.devData, f);
    const meta = join(o.shared, 'data/metaphor');
    const out = { bundle: o.bundle, split: o.split, match: o.match ?? {} } as ProtocolResult;
    if (o.split === 'validation') {
      out.traps_reworded = await trapsCheck(glosser, jsonl(dev('traps-reworded.jsonl')));
      out.traps_classic = await trapsCheck(glosser, jsonl(dev('math-traps.jsonl')));
      out.trap_free = await trapFreeCheck(
        glosser,
        jsonl<{ text: string }>(dev('trap-free.jsonl')).map((r) => r.text),
      );
      out.paraphrases = await paraphraseCheck(glosser, jsonl(dev('paraphrases.jsonl')));
      out.injected_triggers = await negativesCheck(
        glosser,
        jsonl<{ text: string }>(dev('injected-triggers.jsonl')).map((r) => r.text),
      );
      const lines = (f: string) =>
        readFileSync(dev(f), 'utf8')
          .split('\n')
          .filter((l) => l.trim() && !l.startsWith('#'));
      out.chat_prompts = await negativesCheck(glosser, lines('chat-prompts.txt'));
      out.chat_numeric = await negativesCheck(glosser, lines('chat-numeric.txt'));
      out.chat_asking = await negativesCheck(glosser, lines('chat-asking.txt'));
    }
    // General English: the split's VUA sentences as people write them.
    const vua = csv(join(meta, o.split === 'test' ? 'VUA_test.csv' : 'VUA_val.csv'));
    const news = [...new Set(vua.map((r) => detokenize(r.sentence).text))];
    const newsCheck = await negativesCheck(glosser, news, 8);
    out.general_english = { corpus: o.split === 'test' ? 'VUA test' : 'VUA val', ...newsCheck };
    // GSM8K outcomes of the split.
    const qs = readOutcomeQuestions(join(o.shared, 'data/gsm8k/test_outcomes.jsonl')).filter(
      (q) => q.split === o.split,
    );
    const { glossed_texts, ...g } = await gsm8kCheck(glosser, qs);
    out.gsm8k = g;
    out.gsm8k_glossed_sample = glossed_texts.filter((x) => x.glosses.length).map((x) => x.rewritten);
    if (!o.skipFigurative) {
      const train = csv(join(meta, 'VUA_train.csv')).map((r) => ({
        verb: r.verb,
        label: (Number(r.label) ? 1 : 0) as 0 | 1,
      }));
      out.figurative_vua = await figurativeCheck(glosser, verbUses(vua), train);
      const mohx = csv(join(meta, 'MOH-X.csv'));
      const label = (r: Row) => ({ verb: r.verb, label: (Number(r.label) ? 1 : 0) as 0 | 1 });
      const side = mohx.filter((r) => isMohxTest(r.verb, r.sentence) === (o.split === 'test'));
      const devFolds = mohx.filter((r) => !isMohxTest(r.verb, r.sentence));
      // Per-verb majority: on test, from the eight development folds; on validation, from the other development folds.
      const foldOf = (r: Row) => mohxFold(r.verb, r.sentence);
      const kept = side.filter((r) => detokenize(r.sentence).words[Number(r.verb_idx)]);
      const majorityFrom =
        o.split === 'test'
          ? devFolds.map(label)
          : {
              pred: kept.map(
                (r) =>
                  perVerbMajority(devFolds.filter((x) => foldOf(x) !== foldOf(r)).map(label), [{ verb: r.verb }])[0],
              ),
            };
      out.figurative_mohx = {
        note: 'the shipped probe was fitted on all of MOH-X (weighted x3): these figures are in-sample',
        ...(await figurativeCheck(glosser, verbUses(kept), majorityFrom)),
      };
    }
    return out;
  } finally {
    await engine.detector.release();
  }
}
