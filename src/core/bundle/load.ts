// Loads a whole bundle through a BundleSource: every file verified against the manifest.
import { BundleError, type Manifest } from './manifest.ts';
import { readManifest, readVerified, readVerifiedJson, type BundleSource } from './source.ts';
import { parseFeatures, parseRules, type FeaturesFile, type RulesFile } from '../rules/schema.ts';

/** A bundle read and verified: manifest, detector model bytes, tokenizer.json, rules and features. */
export interface LoadedBundle {
  manifest: Manifest;
  model: Uint8Array;
  tokenizerJson: object;
  /** Absent for a bare detector (no SAE head yet): then nothing can fire. */
  rules?: RulesFile;
  features?: FeaturesFile;
  card?: string;
}

/**
 * Loads a bundle from any source: the manifest, detector.onnx and tokenizer.json (each checked against its
 * sha256), rules and features when listed. Throws BundleError for a missing or mismatched file.
 */
export async function loadBundle(source: BundleSource): Promise<LoadedBundle> {
  const manifest = await readManifest(source);
  for (const required of ['detector.onnx', 'tokenizer.json']) {
    if (!manifest.files[required]) throw new BundleError(`${source.label}: manifest.json does not list ${required}`);
  }
  const model = await readVerified(source, manifest, 'detector.onnx');
  const tokenizerJson = await readVerifiedJson<object>(source, manifest, 'tokenizer.json');
  const bundle: LoadedBundle = { manifest, model, tokenizerJson };
  if (manifest.files['rules.json']) {
    const json = await readVerifiedJson<unknown>(source, manifest, 'rules.json');
    bundle.rules = parseOrThrow(source, () => parseRules(json));
  }
  if (manifest.files['features.json']) {
    const json = await readVerifiedJson<unknown>(source, manifest, 'features.json');
    bundle.features = parseOrThrow(source, () => parseFeatures(json));
  }
  if (bundle.rules && !bundle.features)
    throw new BundleError(`${source.label}: rules.json needs features.json (which column each feature is)`);
  if (manifest.files['card.md'])
    bundle.card = new TextDecoder().decode(await readVerified(source, manifest, 'card.md'));
  return bundle;
}

function parseOrThrow<T>(source: BundleSource, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new BundleError(`${source.label}: ${(e as Error).message}`);
  }
}
