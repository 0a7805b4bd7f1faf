// The per-request switch `x-gloss: on | off | dry-run`, read the same way by the proxy, the
// middleware and /v1/rewrite, /v1/explain: absent or empty means on; any other value is a 400.
import { HttpError } from './errors.ts';

/** `on`: gloss; `off`: leave the request alone; `dry-run`: detect and report, change nothing. */
export type GlossMode = 'on' | 'off' | 'dry-run';

/**
 * The request's `x-gloss` header as a mode (case and surrounding spaces ignored).
 * @throws HttpError 400 `invalid_request` for any value other than on, off, dry-run or empty.
 */
export function glossMode(req: Request): GlossMode {
  const v = req.headers.get('x-gloss');
  if (v === null) return 'on';
  const m = v.trim().toLowerCase();
  if (m === 'off' || m === 'dry-run' || m === 'on' || m === '') return (m || 'on') as GlossMode;
  throw new HttpError(
    400,
    'invalid_request',
    `x-gloss must be on, off or dry-run, got ${JSON.stringify(v.slice(0, 40))}`,
  );
}
