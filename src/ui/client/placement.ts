// Which execution provider onnxruntime placed each node on. onnxruntime-web's WebGPU provider
// leaves the ops it has no kernel for on the CPU (inside the same WASM runtime) without failing,
// so "WebGPU" alone can hide a partial fallback. With a session's log severity at verbose,
// onnxruntime logs the placement at session creation:
//
//   [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 14
//   [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Shape (n3_Shape)
//
// parsePlacement reads those lines; capturePlacement creates a throwaway session to get them.

export interface Placement {
  /** Provider -> op type -> node count (onnxruntime lists the nodes only when several providers share the graph). */
  providers: Record<string, Record<string, number>>;
  /** Provider -> number of nodes, as onnxruntime's header line says. */
  nodes: Record<string, number>;
}

/** Ops onnxruntime keeps on the CPU on purpose (shape arithmetic), whatever the provider. */
export const SHAPE_OPS = new Set([
  'Shape',
  'Gather',
  'Range',
  'Cast',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Slice',
  'Reshape',
  'ConstantOfShape',
  'Size',
  'Expand',
]);

const HEADER = /(?:All nodes|Node\(s\)) placed on \[(\w+)\]\. Number of nodes: (\d+)/;
const NODE = /VerifyEachNodeIsAssignedToAnEp\]\s+([A-Za-z][\w.]*) \(/;

export function parsePlacement(lines: readonly string[]): Placement | undefined {
  const providers: Placement['providers'] = {};
  const nodes: Placement['nodes'] = {};
  let current: string | undefined;
  for (const line of lines) {
    const hm = HEADER.exec(line);
    if (hm) {
      current = hm[1];
      providers[current] ??= {};
      nodes[current] = Number(hm[2]);
      continue;
    }
    const nm = NODE.exec(line);
    if (nm && current) providers[current][nm[1]] = (providers[current][nm[1]] ?? 0) + 1;
  }
  return Object.keys(providers).length ? { providers, nodes } : undefined;
}

export function count(ops: Record<string, number> | undefined): number {
  return Object.values(ops ?? {}).reduce((a, b) => a + b, 0);
}

/** Ops placed on the CPU that are not shape arithmetic: real compute that left the GPU. */
export function cpuComputeOps(p: Placement | undefined): Record<string, number> {
  const cpu = p?.providers.CPUExecutionProvider ?? {};
  return Object.fromEntries(Object.entries(cpu).filter(([op]) => !SHAPE_OPS.has(op)));
}

export function describePlacement(p: Placement | undefined, gpuProvider = 'WebGpuExecutionProvider'): string {
  if (!p) return 'Node placement unknown (onnxruntime logged none)';
  const isCopy = (op: string) => op.startsWith('Memcpy');
  const gpuOps = p.providers[gpuProvider] ?? {};
  const copies = count(Object.fromEntries(Object.entries(gpuOps).filter(([op]) => isCopy(op))));
  const gpu = (p.nodes[gpuProvider] ?? count(gpuOps)) - copies;
  const cpu = p.providers.CPUExecutionProvider ?? {};
  const total = gpu + (p.nodes.CPUExecutionProvider ?? count(cpu));
  const heavy = cpuComputeOps(p);
  const shape = Object.keys(cpu).filter((op) => SHAPE_OPS.has(op));
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([op, n]) => (n > 1 ? `${op} ×${n}` : op))
      .join(', ');
  let s = gpu === total ? `WebGPU runs all ${total} nodes` : `WebGPU runs ${gpu} of the ${total} nodes`;
  if (Object.keys(heavy).length) s += `; on the CPU: ${list(heavy)} (no WebGPU kernel)`;
  if (shape.length)
    s += `${Object.keys(heavy).length ? ' and' : '; on the CPU:'} shape ops (${shape.join(', ')}), as onnxruntime does by design`;
  if (copies) s += `; ${copies} copies between GPU and CPU`;
  return s;
}

type ConsoleFn = (...args: unknown[]) => void;
const LEVELS = ['log', 'info', 'warn', 'error', 'debug'] as const;
let collector: string[] | undefined;
let tapped = false;

/**
 * Puts a pass-through wrapper around the console methods. Call it before onnxruntime-web loads:
 * its WASM runtime keeps a reference to console.error from the moment it starts, so a later patch
 * would never see its lines.
 */
export function installConsoleTap(): void {
  if (tapped) return;
  tapped = true;
  const c = console as unknown as Record<string, ConsoleFn>;
  for (const level of LEVELS) {
    const orig = c[level].bind(console);
    c[level] = (...args: unknown[]) => {
      if (collector) {
        const text = args.map(String).join(' ');
        collector.push(text);
        // onnxruntime's verbose lines (hundreds at session creation) stay out of the console.
        if (/onnxruntime/.test(text)) return;
      }
      orig(...args);
    };
  }
}

/** Runs `fn` while collecting console output (needs installConsoleTap first). */
export async function captureConsole<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const outer = collector;
  collector = lines;
  try {
    return { value: await fn(), lines };
  } finally {
    collector = outer;
  }
}
