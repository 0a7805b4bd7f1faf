// The proxy's upstream fetch on Workers: workerd's own fetch, with what it decodes declared. workerd
// (checked with miniflare 5 / workerd 1.20261102, compatibility date 2026-10-01) hands back a lone
// `gzip` or `br` body decoded and keeps the header; every other value (zstd, deflate in either
// form, x-gzip, any list such as `gzip, br`) arrives as the upstream sent it, header and bytes. The
// proxy then drops content-encoding for the first two and keeps header and bytes for the rest, so
// the client decodes what it asked for (test/node/proxy-workerd-encodings.test.ts).
import type { FetchFn } from '../../core/proxy/forward.ts';

const DECODED = new Set(['gzip', 'br', 'identity']);

/** workerd's global fetch as a {@link FetchFn} that says which content-encoding values it decodes. */
export const workerdFetch: FetchFn = Object.assign((input: string, init: RequestInit) => fetch(input, init), {
  decodes: (contentEncoding: string) => DECODED.has(contentEncoding.trim()),
});
