// Numbers and names as a reader of the report wants them: integers as integers, other figures to
// four significant digits, and readable labels for the trainer's snake_case keys (the key stays in
// the cell's title attribute for whoever greps the JSON).

/** A number for a table cell: `38,400`, `0.03925`, `0.0004`, `1.6e-13`, `-`; booleans and strings as given. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '-';
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    const a = Math.abs(v);
    if (a !== 0 && a < 1e-4) return v.toExponential(1);
    if (a >= 1000) return Math.round(v).toLocaleString('en-US');
    return String(Number(v.toPrecision(4)));
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === null || v === undefined) return '-';
  return String(v);
}

/** A fraction as a percentage with up to 3 significant digits: 0.0015 -> `0.15%`. */
export function formatPercent(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return `${Number((v * 100).toPrecision(3))}%`;
}

// Known keys of sae/metrics.json, candidates.json and evaluation.json.
const LABELS: Record<string, string> = {
  rows: 'rows evaluated',
  fvu: 'FVU (fraction of variance unexplained)',
  explained_variance: 'explained variance',
  l0: 'L0 (active latents per token)',
  dead_fraction: 'dead latents (never fired on these rows)',
  mean_fvu: 'FVU of the mean (baseline)',
  pca_k: 'PCA components (baseline)',
  pca_fvu: 'FVU of PCA with as many components as k (baseline)',
  architecture: 'architecture',
  d_in: 'input width (residual stream)',
  d_sae: 'SAE width (latents)',
  k: 'k (active latents per token, TopK)',
  steps: 'steps',
  batch: 'batch (tokens per step)',
  tokens: 'training tokens',
  lr: 'learning rate',
  seed: 'seed',
  k_aux: 'k of the AuxK loss',
  aux_coef: 'AuxK loss coefficient',
  dead_tokens: 'dead-latent window (tokens)',
  warmup_steps: 'learning-rate warm-up steps',
  decay_fraction: 'learning-rate decay (fraction of steps)',
  seconds: 'training time (s)',
  tokens_per_second: 'tokens per second',
  device: 'device',
  engine: 'engine',
  threads: 'threads',
  held_out_fraction: 'held-out fraction',
  block_rows: 'held-out block (rows)',
  train_rows: 'training rows',
  held_out_rows: 'held-out rows',
  eval_rows: 'evaluation rows',
  evaluated_on: 'evaluated on',
  precision: 'JumpReLU vs TopK: precision',
  recall: 'JumpReLU vs TopK: recall',
  f1: 'JumpReLU vs TopK: F1',
  accuracy: 'JumpReLU vs TopK: accuracy',
  l0_topk: 'L0 with TopK',
  l0_jumprelu: 'L0 with JumpReLU thresholds',
  fvu_topk: 'FVU with TopK',
  fvu_jumprelu: 'FVU with JumpReLU thresholds',
  dead_thresholds: 'latents without a threshold (never fired)',
  calibration_rows: 'threshold calibration rows',
};

// Per-dataset figures of evaluation.json: `<dataset>_<measure>`, longest suffix first.
const SUFFIXES: [string, string][] = [
  ['_length_plus_rules_auc', 'detection AUC, length + rules'],
  ['_length_baseline_auc', 'detection AUC, length only (baseline)'],
  ['_best_feature_auc', 'detection AUC, best single feature'],
  ['_rules_coverage', 'prompts where a rule fires'],
  ['_fail_rate_fired', 'failure rate where a rule fires'],
  ['_fail_rate_silent', 'failure rate where no rule fires'],
  ['_heldout_prompts', 'held-out prompts'],
  ['_all_positive_f1', 'F1 of calling everything positive (baseline)'],
  ['_precision', 'precision'],
  ['_recall', 'recall'],
  ['_auc', 'detection AUC, rules'],
  ['_f1', 'F1'],
];

const DATASETS: Record<string, string> = { gsm8k: 'GSM8K', vua: 'VUA verbs', mohx: 'MOH-X' };

/** A readable label for a metrics key: `explained_variance` -> `explained variance`, `gsm8k_auc` -> `GSM8K: detection AUC, rules`. */
export function readableKey(key: string): string {
  if (LABELS[key]) return LABELS[key];
  for (const [suffix, what] of SUFFIXES)
    if (key.endsWith(suffix) && key.length > suffix.length) {
      const ds = key.slice(0, -suffix.length);
      return `${DATASETS[ds] ?? ds.replace(/_/g, ' ')}: ${what}`;
    }
  return key.replace(/_/g, ' ');
}

/** Keys whose values are fractions a reader takes in as percentages. */
export function isFractionKey(key: string): boolean {
  return /(^|_)(fraction|coverage|fail_rate_fired|fail_rate_silent|explained_variance)$/.test(key);
}
