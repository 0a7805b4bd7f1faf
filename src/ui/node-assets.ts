// The explorer's assets on Node: the built page from src/ui/dist (built on first use when missing
// or stale), and onnxruntime-web's .wasm files straight from node_modules under `ort/`.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ensureUiBuilt, UI_DIST } from './build.ts';
import { ORT_ASSETS, type UiAssets } from './routes.ts';

export interface NodeUiAssetOptions {
  /** Folder of the built page (default src/ui/dist). */
  dist?: string;
  /** 'auto' (default): build on first use when missing or stale; 'never': serve what is there. */
  build?: 'auto' | 'never';
}

let ortDist: string | undefined;

/** node_modules/onnxruntime-web/dist, found through the package's exports. */
export function onnxruntimeWebDist(): string {
  ortDist ??= dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  return ortDist;
}

async function readIfThere(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export function nodeUiAssets(opts: NodeUiAssetOptions = {}): UiAssets {
  const dist = opts.dist ?? UI_DIST;
  const ready = () => (opts.build === 'never' ? Promise.resolve() : ensureUiBuilt(dist).then(() => undefined));
  return {
    async read(path: string) {
      if (path.startsWith('ort/')) {
        const name = path.slice(4);
        return ORT_ASSETS.includes(name) ? readIfThere(join(onnxruntimeWebDist(), name)) : undefined;
      }
      if (!/^[\w.-]+$/.test(path)) return undefined; // flat folder: no sub-paths, no '..'
      await ready();
      return readIfThere(join(dist, path));
    },
  };
}
