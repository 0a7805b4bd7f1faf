// A bundle folder on disk as a BundleSource.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleSource } from '../../core/bundle/source.ts';

/** A BundleSource reading files of a folder on disk; absent files read as undefined. */
export function folderSource(dir: string): BundleSource {
  return {
    label: dir,
    async read(name: string) {
      if (name.includes('..') || name.startsWith('/')) return undefined;
      try {
        return new Uint8Array(await readFile(join(dir, name)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
  };
}
