// The Gloss engine: text -> tokens with offsets -> detector activations -> fired rules -> glossed
// text. One per loaded bundle and backend; the app, the middleware and the proxy all use it.
import type { LoadedBundle } from '../bundle/load.ts';
import type { InferenceBackend } from '../detector/backend.ts';
import { Detector } from '../detector/detector.ts';
import { GlossTokenizer } from '../tokenizer/tokenizer.ts';
import { featureColumns, type Rule } from '../rules/schema.ts';
import { matchRules, type FiredRule, type MatchOptions, type SkippedRule } from '../rules/match.ts';
import type { GateResult } from '../rules/gate.ts';
import { loadWordTagger, type WordTagger } from '../rules/pos.ts';
import { rewriteText, type Insertion, type RewriteStatus } from '../rewrite/text.ts';

/** What the engine found in one text: tokens with character offsets, feature activations, fired and skipped rules, the gate's verdict, and where the time went (ms). */
export interface Analysis {
  text: string;
  tokens: { id: number; piece: string; start: number; end: number }[];
  /** Row-major [tokens, features] of the bundle's `features` output (empty for bare detectors). */
  activations: Float32Array;
  numFeatures: number;
  fired: FiredRule[];
  skipped: SkippedRule[];
  /** The bundle's task gate on this text (absent for bundles without a gate). */
  gate?: GateResult;
  windows: number;
  ms: { tokenize: number; detect: number; match: number };
}

/** An analysis plus the glossed text: `rewritten` is `text` with each inserted gloss (see rewrite/text.ts). */
export interface RewriteOutcome extends Analysis {
  rewritten: string;
  status: RewriteStatus;
  inserted: Insertion[];
}

/** How the engine windows long texts for the detector. */
export interface EngineOptions {
  /** Tokens per detector window (default: the manifest's detector.maxTokens, else 256). */
  maxTokens?: number;
  /** Tokens two consecutive windows share, so a phrase across a window edge keeps its context. */
  overlap?: number;
}

/**
 * Text -> tokens with offsets -> detector activations [tokens x features] -> fired rules -> glossed
 * text, for one loaded bundle and inference backend. The app, the middleware and the proxy share it.
 * Create with `GlossEngine.create(bundle, backend)`; `analyze` and `rewrite` reject when the
 * backend fails (onnxruntime errors pass through) or the tokenizer has no id for a token.
 */
export class GlossEngine {
  readonly rules: readonly Rule[];
  readonly rulesById: ReadonlyMap<string, Rule>;
  private readonly columns: ReadonlyMap<number, number>;

  private constructor(
    readonly bundle: LoadedBundle,
    readonly tokenizer: GlossTokenizer,
    readonly detector: Detector,
    /** Tags words for probe rules; only loaded for bundles that have one. */
    private readonly tagger?: WordTagger,
  ) {
    this.rules = bundle.rules?.rules ?? [];
    this.rulesById = new Map(this.rules.map((r) => [r.id, r]));
    this.columns = bundle.features ? featureColumns(bundle.features) : new Map();
  }

  static async create(bundle: LoadedBundle, backend: InferenceBackend, opts: EngineOptions = {}): Promise<GlossEngine> {
    const tokenizer = new GlossTokenizer(bundle.tokenizerJson);
    const hasHead = Boolean(bundle.features);
    const detector = await Detector.create(backend, bundle.model, {
      output: hasHead ? 'features' : 'resid',
      maxTokens: opts.maxTokens ?? bundle.manifest.detector.maxTokens ?? 256,
      overlap: opts.overlap,
    });
    const tagger = bundle.rules?.rules.some((r) => r.probe) ? await loadWordTagger() : undefined;
    return new GlossEngine(bundle, tokenizer, detector, tagger);
  }

  get backend(): string {
    return this.detector.backend;
  }

  async analyze(text: string, match: MatchOptions = {}): Promise<Analysis> {
    const t0 = performance.now();
    const enc = this.tokenizer.encode(text);
    const t1 = performance.now();
    const acts = await this.detector.run(enc.ids);
    const t2 = performance.now();
    const tokens = enc.ids.map((id, i) => ({
      id,
      piece: enc.tokens[i],
      start: enc.offsets[i][0],
      end: enc.offsets[i][1],
    }));
    const { fired, skipped, gate } = this.bundle.features
      ? matchRules({
          text,
          tokens,
          activations: acts.data,
          numFeatures: acts.width,
          featureColumns: this.columns,
          rules: this.rules,
          gate: this.bundle.rules?.gate,
          tagger: this.tagger,
          options: match,
        })
      : { fired: [], skipped: [], gate: undefined };
    const t3 = performance.now();
    return {
      text,
      tokens,
      activations: this.bundle.features ? acts.data : new Float32Array(0),
      numFeatures: this.bundle.features ? acts.width : 0,
      fired,
      skipped,
      ...(gate ? { gate } : {}),
      windows: acts.windows,
      ms: { tokenize: t1 - t0, detect: t2 - t1, match: t3 - t2 },
    };
  }

  async rewrite(text: string, match: MatchOptions = {}): Promise<RewriteOutcome> {
    const a = await this.analyze(text, match);
    const r = rewriteText(text, a.fired, this.rulesById);
    return { ...a, rewritten: r.text, status: r.status, inserted: r.inserted };
  }
}
