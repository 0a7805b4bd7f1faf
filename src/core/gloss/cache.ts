// Detection results cached by SHA-256 of (bundle fingerprint, match options, text). Chat clients
// resend the whole conversation on every turn, so all earlier user turns are hits and only the
// newest text meets the detector. In memory it is an LRU (lru-cache, runs in Node and workerd);
// on Workers a second tier can sit in the Cache API, shared by the isolates of a location.
import { LRUCache } from 'lru-cache';
import type { FiredRule } from '../rules/match.ts';

/** The gloss cache: the rules that fired on a text, keyed by a hash (see above), so earlier turns are glossed the same way every time. */
export interface DetectionCache {
  get(key: string): FiredRule[] | undefined | Promise<FiredRule[] | undefined>;
  set(key: string, fired: FiredRule[]): void | Promise<void>;
}

/** An LRU of at most `max` entries (a text's fired rules are small: the key is the only big part). */
export function memoryCache(max: number): DetectionCache {
  const lru = new LRUCache<string, FiredRule[]>({ max });
  return {
    get: (k) => lru.get(k),
    set: (k, v) => {
      lru.set(k, v);
    },
  };
}

/**
 * The Workers Cache API as a second tier (per location, survives isolates). Writes go through
 * `waitUntil` when given, so they never hold up the response.
 */
export function cacheApiCache(
  cache: Cache,
  opts: { ttlSeconds?: number; waitUntil?: (p: Promise<unknown>) => void } = {},
): DetectionCache {
  const url = (k: string) => `https://gloss-detection-cache.invalid/${k}`;
  const ttl = opts.ttlSeconds ?? 86_400;
  return {
    async get(k) {
      try {
        const r = await cache.match(url(k));
        return r ? ((await r.json()) as FiredRule[]) : undefined;
      } catch {
        return undefined;
      }
    },
    set(k, v) {
      const p = cache
        .put(
          url(k),
          new Response(JSON.stringify(v), {
            headers: { 'content-type': 'application/json', 'cache-control': `max-age=${ttl}` },
          }),
        )
        .catch(() => {});
      if (opts.waitUntil) opts.waitUntil(p);
      else return p;
    },
  };
}

/** Memory first, then `second`; a second-tier hit is copied into memory. */
export function tieredCache(first: DetectionCache, second: DetectionCache): DetectionCache {
  return {
    async get(k) {
      const a = await first.get(k);
      if (a) return a;
      const b = await second.get(k);
      if (b) await first.set(k, b);
      return b;
    },
    async set(k, v) {
      await first.set(k, v);
      await second.set(k, v);
    },
  };
}

const hex = (buf: ArrayBuffer) => {
  const b = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
};

/** Text -> hex digest used as the cache key (SHA-256: Web Crypto, or node:crypto on Node). */
export type HashFn = (text: string) => string | Promise<string>;

/** SHA-256 of the text as hex, with Web Crypto (Node and workerd). */
export async function sha256Text(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}
