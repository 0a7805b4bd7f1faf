// The one bundle-folder writer: files plus a manifest.json that lists each file's sha256 and size
// (the format is src/core/bundle/manifest.ts). Used by build-detector (a detector folder) and by
// export / build:default (a full bundle).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FORMAT, BUNDLE_VERSION, sha256Hex, type Manifest } from '../../src/core/bundle/manifest.ts';

/** The manifest's own fields; `format`, `version` and `files` are filled in by writeBundleFolder. */
export type ManifestFields = Omit<Manifest, 'format' | 'version' | 'files'>;

/**
 * Writes `files` (name -> bytes) into `out` (created if missing) and then manifest.json with
 * `fields`, the files' sha256 and byte counts. Returns the manifest written.
 */
export async function writeBundleFolder(
  out: string,
  files: Record<string, Uint8Array>,
  fields: ManifestFields,
): Promise<Manifest> {
  await mkdir(out, { recursive: true });
  const entries: Manifest['files'] = {};
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(join(out, name), bytes);
    entries[name] = { sha256: await sha256Hex(bytes), bytes: bytes.byteLength };
  }
  const { name, createdBy, detector, ...rest } = fields;
  // Key order as the bundle format documents it (and as build:default reproduces byte for byte).
  const manifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    name,
    createdBy,
    detector,
    files: entries,
    ...rest,
  };
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest as Manifest;
}
