// The setup most app, middleware and proxy tests share: a fresh temp dir holding the known-answer
// bundle, optionally its engine loaded and a fake upstream LLM on loopback, all torn down by one
// close() so every test file's afterAll stays one line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKnownBundle } from './known-bundle.ts';
import { startFakeLlm, type FakeHandler, type FakeLlm } from './fake-llm.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import { loadEngine } from '../../src/runtime/node/server.ts';

/** What {@link openKnownFixture} set up; `engine` and `fake` only where asked for. */
export interface KnownFixture {
  /** The temp dir; close() removes it with everything written there. */
  dir: string;
  /** `<dir>/b`: the known-answer bundle (test/helpers/known-bundle.ts). */
  bundle: string;
  engine?: GlossEngine;
  fake?: FakeLlm;
  /** Closes the fake upstream, releases the engine's detector, removes the dir. */
  close(): Promise<void>;
}

/**
 * Writes the known-answer bundle into a new temp dir named `prefix…`; with `engine` loads it the
 * way the Node server does, with `fake` starts a fake upstream LLM answering with that handler.
 */
export async function openKnownFixture(
  prefix: string,
  opts: { engine?: boolean; fake?: FakeHandler } = {},
): Promise<KnownFixture> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const bundle = join(dir, 'b');
  await writeKnownBundle(bundle);
  const engine = opts.engine ? await loadEngine(bundle) : undefined;
  const fake = opts.fake ? await startFakeLlm(opts.fake) : undefined;
  return {
    dir,
    bundle,
    engine,
    fake,
    async close() {
      await fake?.close();
      await engine?.detector.release();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
