// Gloss's token on the proxy's routes (Hono's bearerAuth), refused in the shape of the API the
// client speaks; Gloss's own endpoints check theirs in src/core/routes/guards.ts.
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { ConfigError, type ResolvedProxyConfig } from './config.ts';
import { apiError, apiFamilyOf } from './handler.ts';

/**
 * Gloss's token on proxy routes: in `Authorization: Bearer` when an upstream key is injected (the
 * caller's credential is then Gloss's own, as with LiteLLM's virtual keys), else in x-gloss-token
 * when the operator asks for it (requireToken) and the caller's own key stays in Authorization.
 * Refusals are errors in the shape of the API the client speaks. Undefined when no token is needed.
 * @throws ConfigError for an injected key without a token (unless allowOpenProxy), or a token
 *   outside RFC 6750's token68 characters.
 */
export function proxyAuth(cfg: ResolvedProxyConfig, token: string | undefined): MiddlewareHandler | undefined {
  if (cfg.injectsKeys && !token && !cfg.allowOpenProxy)
    throw new ConfigError(
      'an upstream key is injected but no Gloss token is set: anyone could spend the key (set GLOSS_BEARER_TOKEN, or allowOpenProxy to serve it open)',
    );
  if (!token || !(cfg.injectsKeys || cfg.requireToken)) return undefined;
  // bearerAuth accepts RFC 6750 token68 characters only; any other token could never match.
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(token))
    throw new ConfigError('GLOSS_BEARER_TOKEN must use only letters, digits and . _ ~ + / - (then = padding)');
  const inAuthorization = cfg.injectsKeys;
  const refuse = (why: string) => (c: Context) =>
    apiError(apiFamilyOf(c.req.raw), 401, 'unauthorized', why, { 'www-authenticate': 'Bearer realm="gloss"' });
  const missing = inAuthorization
    ? "this proxy needs Gloss's token: send Authorization: Bearer <token> (it is replaced by the upstream key)"
    : "this proxy needs Gloss's token: send x-gloss-token: <token>";
  return bearerAuth({
    token,
    realm: 'gloss',
    ...(inAuthorization ? {} : { headerName: 'x-gloss-token', prefix: '' }),
    noAuthenticationHeader: { message: refuse(missing) },
    invalidAuthenticationHeader: { message: refuse(missing) },
    invalidToken: { message: refuse('invalid Gloss token') },
  });
}
