// Where bundle bytes come from: a folder on disk (Node), modules packed into a Worker, or HTTP
// (browser). Loading always goes through the manifest and its sha256 check.
import { BundleError, parseManifest, verifyFile, type Manifest } from './manifest.ts';

/** Where bundle files come from (a folder, Worker modules, an upload); `read` gives undefined for a missing file. */
export interface BundleSource {
  /** A short description for error messages, e.g. the folder path. */
  readonly label: string;
  /** The bytes of one file of the bundle, or undefined when it is absent. */
  read(name: string): Promise<Uint8Array | undefined>;
}

/** A bundle file: its name and bytes. */
export interface LoadedFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * Reads and checks a bundle's manifest.json. Throws BundleError when it is missing, not JSON, or not a valid
 * manifest.
 */
export async function readManifest(source: BundleSource): Promise<Manifest> {
  const bytes = await source.read('manifest.json');
  if (!bytes) throw new BundleError(`${source.label}: no manifest.json`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new BundleError(`${source.label}: manifest.json is not valid JSON (${(e as Error).message})`);
  }
  return parseManifest(json);
}

/** Reads one file named in the manifest and verifies its size and sha256. */
export async function readVerified(source: BundleSource, manifest: Manifest, name: string): Promise<Uint8Array> {
  const bytes = await source.read(name);
  if (!bytes) throw new BundleError(`${source.label}: ${name} is listed in manifest.json but missing`);
  try {
    await verifyFile(manifest, name, bytes);
  } catch (e) {
    throw new BundleError(`${source.label}: ${(e as Error).message}`);
  }
  return bytes;
}

/**
 * A bundle file checked against its manifest sha256 and parsed as JSON. Throws BundleError for a mismatch or bad
 * JSON.
 */
export async function readVerifiedJson<T>(source: BundleSource, manifest: Manifest, name: string): Promise<T> {
  const bytes = await readVerified(source, manifest, name);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (e) {
    throw new BundleError(`${source.label}: ${name} is not valid JSON (${(e as Error).message})`);
  }
}
