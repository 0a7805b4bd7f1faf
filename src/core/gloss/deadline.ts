// One deadline for every step between a request's body and its upstream: decoding and parsing,
// the message walk, cache lookups, detection, the rewrite and the splice. Each step either checks
// it (`expired`) or paces itself with it (`pace`): past the deadline `pace` throws
// DeadlineExpired, and once the current turn of the event loop has run longer than a slice it
// yields, so a body with a few hundred thousand messages costs its sender time, never other
// clients (/healthz, other streams) a stall. Runtime-agnostic: setImmediate where there is one
// (Node), else setTimeout 0 (workerd, browsers).

/** Thrown by {@link Deadline.pace} past the deadline. */
export class DeadlineExpired extends Error {
  constructor() {
    super('the glossing budget was spent');
    this.name = 'DeadlineExpired';
  }
}

/** A deadline on performance.now()'s clock, with cooperative yielding. */
export interface Deadline {
  /** performance.now() at which it expires (Infinity: never). */
  readonly at: number;
  expired(): boolean;
  /** ms left (0 once expired; Infinity without a deadline). */
  left(): number;
  /**
   * Throws DeadlineExpired once expired; yields to the event loop (a promise to await) once this
   * turn has run past its slice; else undefined (no microtask: call it per item, cheaply).
   */
  pace(): Promise<void> | undefined;
}

/** Longest stretch of glossing work between two yields to the event loop, ms. */
export const SLICE_MS = 8;

/** Lets the event loop run what waits (I/O, timers) before going on. */
export const yieldToLoop: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise<void>((r) => setImmediate(r))
    : () => new Promise<void>((r) => setTimeout(r, 0));

/** A deadline `ms` from now (Infinity: none); the work it paces yields every `sliceMs`. */
export function deadlineIn(ms: number, sliceMs = SLICE_MS): Deadline {
  const at = Number.isFinite(ms) ? performance.now() + Math.max(0, ms) : Infinity;
  let turn = performance.now();
  let calls = 0;
  return {
    at,
    expired: () => performance.now() >= at,
    left: () => Math.max(0, at - performance.now()),
    pace() {
      // Reading the clock costs about as much as a small step: every 16th call.
      if (++calls & 15) return undefined;
      const now = performance.now();
      if (now >= at) throw new DeadlineExpired();
      if (now - turn < sliceMs) return undefined;
      return yieldToLoop().then(() => {
        turn = performance.now();
        if (turn >= at) throw new DeadlineExpired();
      });
    },
  };
}
