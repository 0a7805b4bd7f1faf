// Reads a JSON file a command was pointed at; a missing or broken file is the user's error.
import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.ts';

/**
 * Reads and parses a JSON file; throws UsageError naming `what` and the path when it cannot (missing file, bad
 * JSON). No schema check.
 */
export async function readJson<T>(path: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}
