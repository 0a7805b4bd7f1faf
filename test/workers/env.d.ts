declare module 'cloudflare:test' {
  interface ProvidedEnv {
    DETECTOR: Fetcher;
  }
}
declare module 'cloudflare:workers' {
  namespace Cloudflare {
    interface Env {
      DETECTOR: Fetcher;
    }
  }
}
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*/graphs.gen.mjs' {
  export const graphs: Record<string, ArrayBuffer>;
  export const expected: {
    graph: string;
    inputIds: number[];
    outputs: Record<string, { dims: number[]; data: number[] }>;
    tolerance: number;
  }[];
}
