// The explorer without a browser: the diff view's parts, token shading and grouping, onnxruntime's
// placement log, the fetch-based bundle source (sha256 checked by the core loaders), and the routes
// (/ui, /ui/assets, /v1/bundle/files) mounted on the Gloss app, as a server mounts them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/core/app.ts';
import { loadBundle } from '../../src/core/bundle/load.ts';
import { sha256Hex } from '../../src/core/bundle/manifest.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import { rewriteText } from '../../src/core/rewrite/text.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { loadEngine } from '../../src/runtime/node/server.ts';
import { insertionDiff, plainDiff } from '../../src/ui/client/diff.ts';
import { httpBundleSource } from '../../src/ui/client/http-source.ts';
import { cpuComputeOps, describePlacement, parsePlacement } from '../../src/ui/client/placement.ts';
import { groupTokens, shadeTokens } from '../../src/ui/client/shade.ts';
import type { ExplainResponse } from '../../src/ui/client/types.ts';
import { nodeUiAssets } from '../../src/ui/node-assets.ts';
import { UI_CSP, uiRoutes } from '../../src/ui/routes.ts';
import { KNOWN_RULES, writeKnownBundle } from '../helpers/known-bundle.ts';

const NATALIA =
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?';

describe('diff of the rewritten prompt', () => {
  const rules = KNOWN_RULES.rules as Parameters<typeof rewriteText>[2];
  const span = (text: string, word: string) => {
    const start = text.indexOf(word);
    return { start, end: start + word.length, text: word };
  };
  const fired = (id: string, text: string, word: string, placement: 'after-span' | 'note') => ({
    ruleId: id,
    feature: 0,
    column: 0,
    scope: placement === 'note' ? ('prompt' as const) : ('span' as const),
    placement,
    priority: 0,
    span: span(text, word),
    peak: 1,
    threshold: 0.5,
    ratio: 2,
    tokens: [],
  });

  it('rebuilds inline and note insertions exactly, the rest kept as the original', () => {
    const text = 'She earns $12 per hour and sold twice as many, then half as many.';
    const f = [
      fired('half-as-much', text, 'half', 'after-span'),
      fired('twice-as', text, 'twice', 'after-span'),
      fired('rate-per', text, 'per', 'note'),
    ];
    const rw = rewriteText(text, f, rules);
    const inserted = rw.inserted.map((i) => ({ rule: i.ruleId, at: i.at, gloss: i.gloss }));
    const parts = insertionDiff(text, rw.text, inserted, new Set(['rate-per']));
    expect(parts.map((p) => p.text).join('')).toBe(rw.text);
    expect(
      parts
        .filter((p) => p.kind === 'same')
        .map((p) => p.text)
        .join(''),
    ).toBe(text);
    expect(parts.filter((p) => p.kind === 'ins').map((p) => p.rules)).toEqual([
      ['twice-as'],
      ['half-as-much'],
      ['rate-per'],
    ]);
    expect(parts.some((p) => p.kind === 'del')).toBe(false);
  });

  it('falls back to a plain diff when the insertions do not explain the text', () => {
    const parts = insertionDiff('a b c', 'a X b c', [{ rule: 'r', at: 4, gloss: 'nope' }], new Set());
    expect(parts).toEqual(plainDiff('a b c', 'a X b c'));
    expect(parts).toEqual([
      { kind: 'same', text: 'a ' },
      { kind: 'ins', text: 'X ' },
      { kind: 'same', text: 'b c' },
    ]);
    expect(insertionDiff('', '', [], new Set())).toEqual([]);
    expect(insertionDiff('same', 'same', [], new Set())).toEqual([{ kind: 'same', text: 'same' }]);
  });
});

describe('token shading', () => {
  const ex: ExplainResponse = {
    bundle: 'x',
    backend: 'y',
    tokens: [
      { id: 1, piece: 'half', start: 0, end: 4 },
      { id: 2, piece: 'as', start: 5, end: 7 },
      { id: 3, piece: 'twice', start: 8, end: 13 },
    ],
    features: [
      { column: 0, feature: 101, label: 'half', threshold: 0 },
      { column: 1, feature: 202, label: 'twice', threshold: 0 },
    ],
    rules: [
      { id: 'h', feature: 101, threshold: 0.5, label: 'h' },
      { id: 't', feature: 202, threshold: 2, label: 't' },
    ],
    activations: [
      [2, 0],
      [0.25, 0.5],
      [0, 1.5],
    ],
    fired: [],
    windows: 1,
    timing: {},
  };

  it('fired rules: only the tokens of fired spans are marked; a grammar cue is outlined, not shaded', () => {
    const fired = (rule: string, feature: number, start: number, end: number, peak: number, threshold: number) => ({
      rule,
      label: rule,
      feature,
      column: feature === 101 ? 0 : 1,
      scope: 'span' as const,
      placement: 'after-span' as const,
      priority: 0,
      span: { start, end, text: 'x' },
      peak,
      threshold,
      ratio: peak / threshold,
    });
    // Nothing fired: nothing is marked, although "twice" is over no threshold and "half" is over one.
    expect(shadeTokens(ex, { kind: 'fired' }).every((x) => x.intensity === 0 && !x.over.length)).toBe(true);
    const s = shadeTokens(ex, { kind: 'fired' }, [
      { fired: fired('h', 101, 0, 4, 2, 0.5) },
      { fired: fired('c', 202, 8, 13, 1.5, 1), cueKind: 'times-as-many' },
    ]);
    expect(s.map((x) => x.over)).toEqual([['h'], [], ['c']]);
    expect(s.map((x) => x.intensity)).toEqual([1, 0, 0]);
    expect(s[2].cues).toEqual([{ rule: 'c', kind: 'times-as-many' }]);
  });

  it('one selected feature, against the lowest threshold of its rules', () => {
    const s = shadeTokens(ex, { kind: 'feature', feature: 202 });
    expect(s.map((x) => x.activation)).toEqual([0, 0.5, 1.5]);
    expect(s.map((x) => x.intensity)).toEqual([0, 0.25, 0.75]);
    expect(shadeTokens(ex, { kind: 'feature', feature: 999 }).every((x) => x.intensity === 0)).toBe(true);
  });

  it('groups byte pieces of one character and keeps special tokens as zero-width groups', () => {
    const g = groupTokens(
      [
        { start: 0, end: 0 },
        { start: 0, end: 2 },
        { start: 3, end: 5 },
        { start: 3, end: 5 },
        { start: 6, end: 7 },
      ],
      7,
    );
    expect(g).toEqual([
      { start: 0, end: 0, tokens: [0] },
      { start: 0, end: 2, tokens: [1] },
      { start: 3, end: 5, tokens: [2, 3] },
      { start: 6, end: 7, tokens: [4] },
    ]);
  });
});

describe("onnxruntime's node placement log", () => {
  const log = [
    '2026-11-25 [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp] Node placements',
    '2026-11-25 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 4',
    '2026-11-25 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Shape (n3_Shape)',
    '2026-11-25 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   DynamicQuantizeLinear (n15_DynamicQuantizeLinear)',
    '2026-11-25 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   MatMulInteger (n16_MatMulInteger)',
    '2026-11-25 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   MatMulInteger (n38_MatMulInteger)',
    '2026-11-25 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 3',
    '2026-11-25 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   MatMul (n32_MatMul)',
    '2026-11-25 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Softmax (n33_Softmax)',
    '2026-11-25 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   MemcpyFromHost (Memcpy)',
    '2026-11-25 [W:onnxruntime:, session_state.cc:1397 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned to the preferred execution providers',
  ];

  it('counts op types per provider and names the compute ops left on the CPU', () => {
    const p = parsePlacement(log)!;
    expect(p.providers).toEqual({
      CPUExecutionProvider: { Shape: 1, DynamicQuantizeLinear: 1, MatMulInteger: 2 },
      WebGpuExecutionProvider: { MatMul: 1, Softmax: 1, MemcpyFromHost: 1 },
    });
    expect(p.nodes).toEqual({ CPUExecutionProvider: 4, WebGpuExecutionProvider: 3 });
    expect(cpuComputeOps(p)).toEqual({ DynamicQuantizeLinear: 1, MatMulInteger: 2 });
    expect(describePlacement(p)).toBe(
      'WebGPU runs 2 of the 6 nodes; on the CPU: DynamicQuantizeLinear, MatMulInteger ×2 (no WebGPU kernel) and shape ops (Shape), as onnxruntime does by design; 1 copies between GPU and CPU',
    );
    expect(parsePlacement(['nothing here'])).toBeUndefined();
    const all = parsePlacement([
      '[V:onnxruntime:, session_state.cc:1373 VerifyEachNodeIsAssignedToAnEp] All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 2',
    ])!;
    expect(describePlacement(all)).toBe('WebGPU runs all 2 nodes');
  });
});

describe('routes: /ui, assets and bundle files on the Gloss app', () => {
  let dir: string;
  let engine: GlossEngine;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gloss-ui-'));
    await writeKnownBundle(join(dir, 'b'));
    await writeFile(join(dir, 'b', 'secret.txt'), 'not in the manifest');
    engine = await loadEngine(join(dir, 'b'));
    app = createApp({ engine: async () => engine });
    app.route('/', uiRoutes({ assets: nodeUiAssets(), bundle: folderSource(join(dir, 'b')) }));
  });
  afterAll(async () => {
    await engine?.detector.release();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the page (built on demand) with a same-origin-only CSP', async () => {
    const r0 = await app.request('/ui');
    expect(r0.status).toBe(308);
    expect(r0.headers.get('location')).toBe('ui/');
    const r = await app.request('/ui/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('content-security-policy')).toBe(UI_CSP);
    const html = await r.text();
    expect(html).toContain('assets/app.js');
    // Offline: nothing on the page points anywhere else.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves the built assets and onnxruntime-web wasm, nothing outside them', async () => {
    const js = await app.request('/ui/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const body = await js.text();
    expect(body).not.toMatch(/https?:\/\/(cdn|unpkg|fonts)\./);
    const etag = js.headers.get('etag')!;
    expect((await app.request('/ui/assets/app.js', { headers: { 'if-none-match': etag } })).status).toBe(304);
    const wasm = await app.request('/ui/assets/ort/ort-wasm-simd-threaded.wasm');
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
    for (const bad of [
      '/ui/assets/../package.json',
      '/ui/assets/%2e%2e/package.json',
      '/ui/assets/ort/ort.node.min.mjs',
      '/ui/assets/build.ts',
      '/ui/assets/nope.js',
    ]) {
      expect((await app.request(bad)).status, bad).toBe(404);
    }
  });

  it('serves the bundle byte for byte, only the files the manifest names; the fetch source verifies them', async () => {
    const r = await app.request('/v1/bundle/files/detector.onnx');
    expect(r.status).toBe(200);
    const bytes = new Uint8Array(await r.arrayBuffer());
    expect(r.headers.get('x-gloss-sha256')).toBe(await sha256Hex(bytes));
    expect(
      (await app.request('/v1/bundle/files/detector.onnx', { headers: { 'if-none-match': r.headers.get('etag')! } }))
        .status,
    ).toBe(304);
    expect((await app.request('/v1/bundle/files/secret.txt')).status).toBe(404);
    expect((await app.request('/v1/bundle/files/..%2Fb%2Fmanifest.json')).status).toBe(404);

    const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) =>
      app.request(String(input), init)) as typeof fetch;
    const loaded = await loadBundle(httpBundleSource('http://localhost/v1/bundle/files/', { fetch: fetcher }));
    expect(loaded.manifest.name).toBe('known-answer');
    expect(loaded.rules?.rules.map((x) => x.id)).toEqual(KNOWN_RULES.rules.map((x) => x.id));

    // A file altered on the way is refused by the manifest's sha256.
    const tampering = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await app.request(String(input), init);
      if (!String(input).endsWith('rules.json')) return res;
      const text = (await res.text()).replace('half as many', 'half as MANY');
      return new Response(text, { status: 200 });
    }) as typeof fetch;
    await expect(
      loadBundle(httpBundleSource('http://localhost/v1/bundle/files/', { fetch: tampering })),
    ).rejects.toThrow(/rules\.json does not match its sha256/);
  });

  it('sits behind the bearer token like the rest of /v1', async () => {
    const locked = createApp({ engine: async () => engine, auth: { bearerToken: 'tok' } });
    locked.route('/', uiRoutes({ assets: nodeUiAssets(), bundle: folderSource(join(dir, 'b')) }));
    expect((await locked.request('/v1/bundle/files/manifest.json')).status).toBe(401);
    expect(
      (await locked.request('/v1/bundle/files/manifest.json', { headers: { authorization: 'Bearer tok' } })).status,
    ).toBe(200);
    expect((await locked.request('/ui/')).status).toBe(200); // the page itself is public; it asks for the token on 401
  });

  it('the example prompt is the GSM8K question the known bundle answers', async () => {
    const res = await app.request('/v1/rewrite', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: NATALIA }),
    });
    expect(((await res.json()) as { rules: string[] }).rules).toEqual(['half-as-much']);
  });
});
