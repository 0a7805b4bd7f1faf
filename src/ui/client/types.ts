// The JSON the explorer reads: the shapes of POST /v1/explain, POST /v1/rewrite and GET /v1/bundle
// as src/core/app.ts answers them (on the server, or in the browser through the same app).
import type { Manifest } from '../../core/bundle/manifest.ts';
import type { FeatureInfo, Gate, Rule } from '../../core/rules/schema.ts';

export interface Span {
  start: number;
  end: number;
  text: string;
}

export interface FiredReport {
  rule: string;
  label: string;
  feature: number;
  column: number;
  scope: 'span' | 'prompt';
  placement: 'after-span' | 'after-phrase' | 'note';
  priority: number;
  span: Span;
  peak: number;
  threshold: number;
  ratio: number;
}

export interface Token {
  id: number;
  piece: string;
  start: number;
  end: number;
}

export interface ExplainResponse {
  bundle: string;
  backend: string;
  tokens: Token[];
  features: { column: number; feature: number; label: string; threshold: number }[];
  rules: { id: string; feature: number; threshold: number; label: string }[];
  /** [tokens][columns] */
  activations: number[][];
  fired: FiredReport[];
  windows: number;
  timing: Record<string, number>;
}

export interface Inserted {
  rule: string;
  at: number;
  gloss: string;
}

export interface RewriteResponse {
  status: 'rewritten' | 'unchanged' | 'already-annotated';
  prompt: string;
  dryRun: boolean;
  rules: string[];
  fired: FiredReport[];
  inserted: Inserted[];
  timing: Record<string, number>;
  backend: string;
  bundle: string;
}

export interface BundleResponse {
  manifest: Manifest;
  backend: string;
  rules: Rule[];
  /** The task gate (absent from servers older than this field; null for a bundle without one). */
  gate?: Gate | null;
  features: FeatureInfo[];
  card: string | null;
}

export interface ErrorResponse {
  error: { type: string; message: string };
}
