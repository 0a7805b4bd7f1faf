// The Worker's proxy configuration: the public APIs and the Workers detection budget by default
// (onnxruntime-web's single-threaded WASM is slower than onnxruntime-node), vars and secrets over it.
import { describe, it, expect } from 'vitest';
import { resolveProxyConfig } from '../../src/core/proxy/config.ts';
import { WORKER_BUDGET_MS, workerProxyConfig } from '../../src/runtime/worker/worker-app.ts';

describe('workerProxyConfig', () => {
  it('defaults to the Workers budget, which is larger than the Node default', () => {
    const cfg = resolveProxyConfig(workerProxyConfig({})!);
    expect(cfg.budgetMs).toBe(WORKER_BUDGET_MS);
    expect(WORKER_BUDGET_MS).toBeGreaterThan(50);
    expect([...cfg.upstreams.keys()].sort()).toEqual(['anthropic', 'openai']);
  });

  it('GLOSS_BUDGET_MS overrides it; GLOSS_PROXY=off turns the proxy off', () => {
    expect(resolveProxyConfig(workerProxyConfig({ GLOSS_BUDGET_MS: '80' })!).budgetMs).toBe(80);
    expect(workerProxyConfig({ GLOSS_PROXY: 'off' })).toBeUndefined();
  });
});
