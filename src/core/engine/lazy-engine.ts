// The engine is created on first use, not at start-up: workerd forbids I/O and random values in
// global scope, and a server should not pay for a model it never runs. Concurrent first requests
// share one creation; a failed creation is forgotten, so the next request tries again.
import type { GlossEngine } from './engine.ts';

/** An engine created once, on first use; see {@link lazyEngine}. */
export interface LazyEngine {
  /** The engine, creating it on the first call. */
  get(): Promise<GlossEngine>;
  /** The engine if it has been created, without creating it. */
  current(): GlossEngine | undefined;
  /** Why the last creation failed, until one succeeds. */
  lastError(): unknown;
}

/** Wraps an engine factory: the first get() creates it, concurrent calls share that creation, a failure is forgotten (the next get() retries). */
export function lazyEngine(factory: () => Promise<GlossEngine>, loaded?: GlossEngine): LazyEngine {
  let pending: Promise<GlossEngine> | undefined;
  let engine: GlossEngine | undefined = loaded;
  let error: unknown;
  return {
    get() {
      if (engine) return Promise.resolve(engine);
      pending ??= Promise.resolve()
        .then(factory)
        .then(
          (e) => {
            engine = e;
            error = undefined;
            return e;
          },
          (e: unknown) => {
            pending = undefined;
            error = e;
            throw e;
          },
        );
      return pending;
    },
    current: () => engine,
    lastError: () => error,
  };
}
