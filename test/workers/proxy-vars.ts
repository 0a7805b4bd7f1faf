// The Gloss Worker's vars in the workers tests (vitest.config.ts), as a deployment would set them
// in wrangler.toml [vars] and secrets. The hosts are names only: the Worker's outboundService is
// the fake LLM worker, which records the URL of everything that reaches it.
export const FAKE_HOST = 'fake.upstream';
export const OTHER_HOST = 'other.upstream';

export const PROXY_VARS: Record<string, string> = {
  GLOSS_LOG: 'off',
  GLOSS_UPSTREAM_OPENAI_URL: `http://${FAKE_HOST}/v1`,
  GLOSS_UPSTREAM_ANTHROPIC_URL: `http://${FAKE_HOST}/v1`,
  GLOSS_UPSTREAM_OTHER_URL: `http://${OTHER_HOST}/v1`,
  GLOSS_UPSTREAM_OTHER_KEY: 'sk-injected-secret',
  GLOSS_UPSTREAM_TIMEOUT_MS: '1500',
  GLOSS_STREAM_IDLE_TIMEOUT_MS: '1500',
  // Generous: these tests are not about the budget, and must not time out on a loaded machine.
  GLOSS_BUDGET_MS: '60000',
};
