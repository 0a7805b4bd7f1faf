// A bundle over HTTP as a BundleSource: GET <base><name> for each file the manifest names. The
// loaders in src/core/bundle then verify every file's size and sha256 against the manifest, in the
// browser, exactly as Node and the Worker do with files from disk or modules.
import type { BundleSource } from '../../core/bundle/source.ts';

export interface HttpSourceOptions {
  /** Extra request headers (e.g. Authorization when the server wants a bearer token). */
  headers?: Record<string, string>;
  /** Called with each file name and its size once it has arrived (for a progress line). */
  onFile?: (name: string, bytes: number) => void;
  fetch?: typeof fetch;
}

export class BundleFetchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BundleFetchError';
  }
}

/** `base` ends with `/`, e.g. `https://host/v1/bundle/files/`. */
export function httpBundleSource(base: string, opts: HttpSourceOptions = {}): BundleSource {
  const get = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return {
    label: base,
    async read(name: string): Promise<Uint8Array | undefined> {
      const url = new URL(encodeURIComponent(name), base);
      let res: Response;
      try {
        // The manifest's sha256 is the check; no-cache lets the server answer 304 from its ETag.
        res = await get(url, { headers: opts.headers, cache: 'no-cache' });
      } catch (e) {
        throw new BundleFetchError(`could not fetch ${name}: ${(e as Error).message}`);
      }
      if (res.status === 404) return undefined;
      if (!res.ok) throw new BundleFetchError(`could not fetch ${name}: HTTP ${res.status}`, res.status);
      const bytes = new Uint8Array(await res.arrayBuffer());
      opts.onFile?.(name, bytes.byteLength);
      return bytes;
    },
  };
}
