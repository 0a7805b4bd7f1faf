// A bundle held in memory (Worker Data/Text modules, or fetched bytes) as a BundleSource.
import type { BundleSource } from '../../core/bundle/source.ts';

/** A packed file as a Worker module gives it: bytes (Data module) or text. */
export type FileBytes = ArrayBuffer | ArrayBufferView | string;

/** The file's bytes (text as UTF-8). */
export function toBytes(v: FileBytes): Uint8Array {
  if (typeof v === 'string') return new TextEncoder().encode(v);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** A BundleSource over in-memory files (a Worker's packed modules). */
export function memorySource(files: Record<string, FileBytes>, label = 'packed bundle'): BundleSource {
  return {
    label,
    async read(name: string) {
      const v = Object.hasOwn(files, name) ? files[name] : undefined;
      return v === undefined ? undefined : toBytes(v);
    },
  };
}
