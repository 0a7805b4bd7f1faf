// Writes a bundle folder from its parts: the detector with the SAE head of the rule features,
// tokenizer, rules, features, card, and a manifest with each file's sha256 and the figures as
// numbers. Shared by `gloss-train export` and `npm run build:default`.
import { writeBundleFolder } from './bundle-writer.ts';
import { appendSaeHead, type SaeHead } from '../graph/sae-head.ts';
import type { DetectorInfo, Manifest } from '../../src/core/bundle/manifest.ts';
import type { FeaturesFile, RulesFile } from '../../src/core/rules/schema.ts';

/** The SAE figures a manifest's sae.metrics carries. */
export interface SaeFigures {
  fvu: number;
  explained_variance: number;
  l0: number;
  dead_fraction: number;
}

/** Everything assembleBundle writes: detector bytes, SAE head, tokenizer, rules, features, card, figures. */
export interface BundleParts {
  out: string;
  name: string;
  detectorModel: Uint8Array;
  tokenizer: Uint8Array;
  detector: DetectorInfo;
  head: SaeHead;
  features: FeaturesFile;
  rules: RulesFile;
  card: string;
  sae?: { metrics: SaeFigures } & Record<string, unknown>;
  evaluation?: Record<string, number>;
  createdBy: string;
}

/**
 * Writes a complete bundle: the detector with the SAE head appended, tokenizer, rules, features, card and
 * manifest (see writeBundleFolder). Returns the manifest.
 */
export async function assembleBundle(p: BundleParts): Promise<Manifest> {
  const model = appendSaeHead(p.detectorModel, p.head);
  const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o, null, 1) + '\n');
  const files: Record<string, Uint8Array> = {
    'detector.onnx': model,
    'tokenizer.json': p.tokenizer,
    'rules.json': enc(p.rules),
    'features.json': enc(p.features),
    'card.md': new TextEncoder().encode(p.card),
  };
  return writeBundleFolder(p.out, files, {
    name: p.name,
    createdBy: p.createdBy,
    detector: { ...p.detector, int8: Boolean(p.detector.int8 || p.head.int8), outputs: ['resid', 'features'] },
    ...(p.sae ? { sae: p.sae } : {}),
    ...(p.evaluation ? { evaluation: p.evaluation } : {}),
  });
}
