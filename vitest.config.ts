// Two projects: `node` runs in Node (onnxruntime-node, onnxruntime-web WASM, the CLI, servers);
// `workers` runs inside workerd through @cloudflare/vitest-plugin, against test workers that
// globalSetup builds, reached through service bindings (large modules stay out of test files):
// DETECTOR runs detector graphs; APP is the Gloss Worker built from src/runtime/worker/index.ts
// with the known-answer bundle packed in, its proxy configured from vars like a deployment's
// wrangler.toml and every outbound fetch sent to FAKE_LLM, the fake LLM upstream worker
// (test/workers/proxy-upstream-worker.ts), which records what reaches it.
import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { appWorkerModules } from './test/workers/app-cases.ts';
import { PROXY_VARS } from './test/workers/proxy-vars.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: './test/workers/harness.ts',
            // workerd --verbose logs every exception a Worker did not catch with its stack, and also
            // those the fault tests cause on purpose (an upstream stream cut mid-way fails the fake's
            // response body pump after its handler returned): stack dumps in every passing run. Off by
            // default; a failing test still fails (the runner reports its errors, an auxiliary
            // Worker's turn into the 500 the test sees). GLOSS_WORKERD_VERBOSE=1 shows them again.
            verbose: process.env.GLOSS_WORKERD_VERBOSE === '1',
            miniflare: {
              compatibilityDate: '2026-10-01',
              compatibilityFlags: ['nodejs_compat'],
              workers: [
                {
                  name: 'detector-under-test',
                  // Written by test/workers/global-setup.ts before the pool starts.
                  modulesRoot: './test/workers/.build',
                  modules: [
                    { type: 'ESModule', path: './test/workers/.build/detector-worker.mjs' },
                    { type: 'CompiledWasm', path: './test/workers/.build/ort-wasm-simd-threaded.wasm' },
                    { type: 'Data', path: './test/workers/.build/graphs.bin' },
                  ],
                  compatibilityDate: '2026-10-01',
                  compatibilityFlags: ['nodejs_compat'],
                },
                {
                  name: 'app-under-test',
                  // Written by test/workers/global-setup.ts (test/workers/app-build.ts).
                  modulesRoot: './test/workers/.build/app',
                  modules: appWorkerModules('./test/workers/.build/app'),
                  compatibilityDate: '2026-10-01',
                  compatibilityFlags: ['nodejs_compat'],
                  bindings: PROXY_VARS,
                  // Whatever URL the Worker fetches, it reaches the fake upstream.
                  outboundService: 'fake-llm',
                },
                {
                  name: 'fake-llm',
                  modulesRoot: './test/workers/.build',
                  modules: [{ type: 'ESModule', path: './test/workers/.build/proxy-upstream-worker.mjs' }],
                  compatibilityDate: '2026-10-01',
                  compatibilityFlags: ['nodejs_compat'],
                },
              ],
              serviceBindings: { DETECTOR: 'detector-under-test', APP: 'app-under-test', FAKE_LLM: 'fake-llm' },
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup: ['./test/workers/global-setup.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
