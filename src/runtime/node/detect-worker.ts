// One detection worker thread: loads the bundle with its own onnxruntime-node session (one intra-op
// thread: the pool's parallelism is one request per worker) and answers jobs from the pool
// (detect-pool.ts) with the scan loop every runtime shares (scanTexts). A job can be cancelled
// between texts; a text already in the detector runs to its end.
import { parentPort, workerData } from 'node:worker_threads';
import { loadBundle } from '../../core/bundle/load.ts';
import type { InferenceBackend } from '../../core/detector/backend.ts';
import { GlossEngine } from '../../core/engine/engine.ts';
import { scanTexts, type DetectJob } from '../../core/gloss/detect.ts';
import { warmUp } from '../../core/gloss/warm-up.ts';
import { folderSource } from './fs-source.ts';
import { ortNodeBackend } from './ort-node-backend.ts';

/** The workerData a detection worker starts with. */
export interface WorkerInit {
  bundle: string;
  /** A module whose default export `(arg) => InferenceBackend` replaces onnxruntime-node (tests). */
  backendModule?: string;
  backendArg?: unknown;
}

/** Pool -> worker messages: a job, or a cancel of one. */
export type ToWorker = { id: number; job: DetectJob } | { cancel: number };
/** Worker -> pool messages: ready (or not), a job's answers, or its error. */
export type FromWorker =
  | { ready: true }
  | { ready: false; error: string }
  | { id: number; answers: Awaited<ReturnType<typeof scanTexts>> }
  | { id: number; error: string; aborted?: boolean };

const port = parentPort!;
const init = workerData as WorkerInit;

async function backend(): Promise<InferenceBackend> {
  if (!init.backendModule) return ortNodeBackend({ intraOpNumThreads: 1 });
  const m = (await import(init.backendModule)) as { default: (arg: unknown) => InferenceBackend };
  return m.default(init.backendArg);
}

try {
  const engine = await GlossEngine.create(await loadBundle(folderSource(init.bundle)), await backend());
  await warmUp(engine).catch(() => undefined); // a failing detector fails its requests instead
  const running = new Map<number, AbortController>();
  port.on('message', (msg: ToWorker) => {
    if ('cancel' in msg) {
      running.get(msg.cancel)?.abort(new Error('cancelled'));
      return;
    }
    const ctl = new AbortController();
    running.set(msg.id, ctl);
    scanTexts(engine, msg.job, ctl.signal)
      .then(
        (answers) => port.postMessage({ id: msg.id, answers } satisfies FromWorker),
        (e: unknown) =>
          port.postMessage({
            id: msg.id,
            error: e instanceof Error ? e.message : String(e),
            aborted: ctl.signal.aborted,
          } satisfies FromWorker),
      )
      .finally(() => running.delete(msg.id));
  });
  port.postMessage({ ready: true } satisfies FromWorker);
} catch (e) {
  port.postMessage({ ready: false, error: e instanceof Error ? e.message : String(e) } satisfies FromWorker);
}
