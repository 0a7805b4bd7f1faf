// A bundle whose answers are known by construction: a WordLevel tokenizer over a small vocabulary
// and a detector graph whose `features` are a lookup table of token ids (feature 101 fires on
// "half", 202 on "twice", 303 on "per"). The app, middleware and proxy tests use it until the
// trained default bundle lands; every file is real (ONNX graph, tokenizer.json, manifest, sha256).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder } from '../../offline-training/graph/builder.ts';
import { BUNDLE_FORMAT, BUNDLE_VERSION, sha256Hex, type Manifest } from '../../src/core/bundle/manifest.ts';

export const KNOWN_WORDS = [
  '[UNK]',
  '[CLS]',
  'natalia',
  'sold',
  'clips',
  'to',
  '48',
  'of',
  'her',
  'friends',
  'in',
  'april',
  ',',
  'and',
  'then',
  'she',
  'half',
  'as',
  'many',
  'may',
  '.',
  'how',
  'did',
  'sell',
  'altogether',
  'twice',
  'much',
  'per',
  'hour',
  'earns',
  '$',
  '12',
  'an',
  'for',
  'babysitting',
  'a',
  'the',
  'is',
  'what',
  '?',
  'he',
  'has',
  'apples',
  'than',
  'tom',
  'miles',
  'day',
];

/** feature id -> the words it fires on, with the activation it reads there. */
export const KNOWN_FEATURES = [
  { feature: 101, label: 'half as (fraction of an earlier amount)', words: { half: 2.0 }, threshold: 0.5 },
  { feature: 202, label: 'twice (multiplicative comparison)', words: { twice: 1.5 }, threshold: 0.5 },
  { feature: 303, label: 'per (rate)', words: { per: 1.0 }, threshold: 0.5 },
];

export const KNOWN_RULES = {
  version: 1,
  rules: [
    {
      id: 'half-as-much',
      feature: 101,
      threshold: 0.5,
      scope: 'span',
      placement: 'after-span',
      gloss: '"{span}" means one half of the amount mentioned before',
      priority: 10,
      label: 'half as many / much',
      evidence: { support: 12, lift: 2.1, q_value: 0.01, heldout_auc: 0.61, datasets: ['known-answer'] },
    },
    {
      id: 'twice-as',
      feature: 202,
      threshold: 0.5,
      scope: 'span',
      placement: 'after-span',
      gloss: '"{span}" means two times the other amount',
      priority: 5,
      label: 'twice as',
      evidence: { support: 8, lift: 1.7, q_value: 0.03, datasets: ['known-answer'] },
    },
    {
      id: 'rate-per',
      feature: 303,
      threshold: 0.5,
      scope: 'prompt',
      placement: 'note',
      gloss: 'A quantity "per" unit is a rate: multiply it by the number of units.',
      priority: 1,
      label: 'per (rate)',
      evidence: { support: 20, lift: 1.3, q_value: 0.04, datasets: ['known-answer'] },
    },
  ],
};

export function knownTokenizerJson(): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '[CLS]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: Object.fromEntries(KNOWN_WORDS.map((w, i) => [w, i])), unk_token: '[UNK]' },
  };
}

/** features[t, f] = table[id_t, f]; resid[t] = a fixed embedding (so extraction has something). */
export function knownDetector(): Uint8Array {
  const V = KNOWN_WORDS.length;
  const F = KNOWN_FEATURES.length;
  const d = 8;
  const table = new Float32Array(V * F);
  KNOWN_FEATURES.forEach((f, c) => {
    for (const [w, a] of Object.entries(f.words)) table[KNOWN_WORDS.indexOf(w) * F + c] = a;
  });
  const gb = new GraphBuilder('known-answer');
  const ids = gb.input('input_ids', 'int64', [1, 'T']);
  gb.output(gb.gather(gb.init('feature_table', table, [V, F]), ids), 'features');
  gb.output(
    gb.gather(
      gb.init(
        'emb',
        Float32Array.from({ length: V * d }, (_, i) => Math.sin(i)),
        [V, d],
      ),
      ids,
    ),
    'resid',
  );
  return gb.toBytes();
}

export async function writeKnownBundle(dir: string): Promise<Manifest> {
  await mkdir(dir, { recursive: true });
  const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o, null, 1));
  const files: Record<string, Uint8Array> = {
    'detector.onnx': knownDetector(),
    'tokenizer.json': enc(knownTokenizerJson()),
    'rules.json': enc(KNOWN_RULES),
    'features.json': enc({
      version: 1,
      features: KNOWN_FEATURES.map((f, column) => ({
        column,
        feature: f.feature,
        label: f.label,
        threshold: f.threshold,
        top_contexts: [{ text: Object.keys(f.words)[0], activation: Object.values(f.words)[0] }],
      })),
    }),
    'card.md': new TextEncoder().encode(
      '# known-answer bundle\n\nA lookup-table detector for tests; no learned weights.\n',
    ),
  };
  const entries: Manifest['files'] = {};
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(join(dir, name), bytes);
    entries[name] = { sha256: await sha256Hex(bytes), bytes: bytes.byteLength };
  }
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    name: 'known-answer',
    createdBy: 'test/helpers/known-bundle.ts',
    detector: {
      arch: 'use-lite',
      layer: 0,
      numLayers: 1,
      hiddenSize: 8,
      vocabSize: KNOWN_WORDS.length,
      int8: false,
      outputs: ['features', 'resid'],
      source: 'lookup table (test)',
      maxTokens: 64,
    },
    files: entries,
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}
