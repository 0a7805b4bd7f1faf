// The Gloss explorer page (served at /ui): type a prompt and see, as you type, the tokens shaded by
// feature activation, the rules that fired with their evidence, and the rewritten prompt as a diff;
// browse every feature of the bundle. Computes on the server or in this browser (onnxruntime-web,
// WebGPU or WASM) with the same core code, and says which one ran and how long it took.
import {
  ApiError,
  browserCompute,
  formatBytes,
  serverCompute,
  type BrowserCompute,
  type Compute,
  type ComputeKind,
} from './compute.ts';
import { insertionDiff } from './diff.ts';
import { byId, fmt, h, ms, replace } from './dom.ts';
import { cpuComputeOps, describePlacement, installConsoleTap } from './placement.ts';
import { groupTokens, shadeTokens, type FiredSpan, type ShadeBy, type TokenGroup, type TokenShade } from './shade.ts';
import type { BundleResponse, ExplainResponse, RewriteResponse } from './types.ts';
import type { FeatureInfo, Gate, Rule } from '../../core/rules/schema.ts';
import type { GateResult } from '../../core/rules/gate.ts';
import { cueSpans, firedSpans, gateOnPrompt, type CueSpan } from './cues.ts';
import { bundleRuleCard, firedCard, type CardContext } from './rule-card.ts';
import { renderFeatureBrowser } from './feature-browser.ts';

// Before anything loads onnxruntime-web, so its log lines can be read (see placement.ts).
installConsoleTap();

const EXAMPLE =
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?';
const DEBOUNCE_MS = 250;
const TOKEN_KEY = 'gloss-explorer-token';

// The API root is the page's parent (/ui/ -> /), so the page works wherever the app is mounted.
const API_BASE = new URL('../', location.href).href;
const WASM_PATHS = new URL('assets/ort/', location.href).href;

interface Result {
  prompt: string;
  kind: ComputeKind;
  explain: ExplainResponse;
  rewrite: RewriteResponse;
  /** Wall-clock time of the whole round (both calls), as this page saw it. */
  wallMs: number;
}

const els = {
  main: byId('main'),
  prompt: byId<HTMLTextAreaElement>('prompt'),
  example: byId<HTMLButtonElement>('example'),
  clear: byId<HTMLButtonElement>('clear'),
  provider: byId<HTMLSelectElement>('provider'),
  status: byId('status'),
  load: byId('load'),
  error: byId('error'),
  auth: byId<HTMLDetailsElement>('auth'),
  token: byId<HTMLInputElement>('token'),
  bundleInfo: byId('bundle-info'),
  shadeBy: byId<HTMLSelectElement>('shade-by'),
  tokens: byId('tokens'),
  tokenDetail: byId('token-detail'),
  tip: byId('tok-tip'),
  tokenSummary: byId('token-summary'),
  rules: byId('rules'),
  rulesSummary: byId('rules-summary'),
  diff: byId('diff'),
  diffSummary: byId('diff-summary'),
  copy: byId<HTMLButtonElement>('copy'),
  features: byId('features'),
  featureFilter: byId<HTMLInputElement>('feature-filter'),
  featureCount: byId('feature-count'),
  featurePrev: byId<HTMLButtonElement>('feature-prev'),
  featureNext: byId<HTMLButtonElement>('feature-next'),
  featurePage: byId('feature-page'),
  stale: byId('stale'),
};

const state = {
  mode: 'server' as ComputeKind,
  server: serverCompute(API_BASE, authHeaders),
  browser: undefined as BrowserCompute | undefined,
  browserPrefer: 'auto' as 'auto' | 'wasm',
  bundle: undefined as BundleResponse | undefined,
  last: undefined as Result | undefined,
  shades: [] as TokenShade[],
  groups: [] as TokenGroup[],
  shadeBy: { kind: 'fired' } as ShadeBy,
  /** The bundle's task gate (rules.json `gate`, from GET /v1/bundle). */
  gate: undefined as Gate | undefined,
  gateResult: undefined as GateResult | undefined,
  fired: [] as FiredSpan[],
  cues: [] as CueSpan[],
  featurePage: 0,
  seq: 0,
  runs: 0,
  abort: undefined as AbortController | undefined,
  timer: undefined as ReturnType<typeof setTimeout> | undefined,
};

function authHeaders(): Record<string, string> {
  const t = sessionStorage.getItem(TOKEN_KEY);
  return t ? { authorization: `Bearer ${t}` } : {};
}

function compute(): Compute {
  if (state.mode === 'server') return state.server;
  state.browser ??= browserCompute({
    base: API_BASE,
    wasmPaths: WASM_PATHS,
    prefer: state.browserPrefer === 'wasm' ? 'wasm' : undefined,
    headers: authHeaders,
    onProgress: (line) => setLoad(`Loading the detector into this browser: ${line}…`),
  });
  return state.browser;
}

function setState(s: 'pending' | 'busy' | 'ready' | 'error' | 'empty' | 'loading'): void {
  els.main.dataset.state = s;
  els.main.setAttribute('aria-busy', String(s === 'busy' || s === 'loading' || s === 'pending'));
}

function setLoad(text: string): void {
  els.load.textContent = text;
  els.load.hidden = !text;
}

function showError(e: unknown): void {
  const err = e as Error;
  let msg: string;
  if (e instanceof ApiError) {
    msg = `The ${state.mode === 'server' ? 'server' : 'in-browser app'} answered ${e.status}${e.type ? ` (${e.type})` : ''}: ${e.message}`;
    if (e.status === 401) {
      els.auth.hidden = false;
      els.auth.open = true;
      msg += ' Enter the server’s bearer token below.';
    }
  } else msg = `Could not compute: ${err?.message ?? String(e)}`;
  if (!/[.!?]$/.test(msg)) msg += '.';
  els.error.hidden = false;
  replace(els.error, h('strong', {}, 'Error. '), msg, state.last ? ' The results below are the last good ones.' : '');
  els.stale.hidden = !state.last;
  setState('error');
}

function clearError(): void {
  els.error.hidden = true;
  els.error.replaceChildren();
  els.stale.hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Running

function schedule(): void {
  clearTimeout(state.timer);
  setState('pending');
  state.timer = setTimeout(() => void run(), DEBOUNCE_MS);
}

async function run(): Promise<void> {
  clearTimeout(state.timer);
  const prompt = els.prompt.value;
  const seq = ++state.seq;
  state.abort?.abort();
  if (!prompt.trim()) {
    state.last = undefined;
    clearError();
    renderEmpty();
    setStatus('Type or paste a prompt: the views update as you type.');
    setState('empty');
    return;
  }
  const ctrl = new AbortController();
  state.abort = ctrl;
  const c = compute();
  setState('busy');
  try {
    if (c.kind === 'browser') await ensureBrowserLoaded(c as BrowserCompute);
    if (seq !== state.seq) return;
    const t0 = performance.now();
    // Server: both requests at once. In the browser the calls queue on the one detector session.
    const [explain, rewrite] = await Promise.all([c.explain(prompt, ctrl.signal), c.rewrite(prompt, ctrl.signal)]);
    const wallMs = performance.now() - t0;
    if (seq !== state.seq) return;
    state.last = { prompt, kind: c.kind, explain, rewrite, wallMs };
    state.runs++;
    clearError();
    render(state.last);
    setState('ready');
  } catch (e) {
    if (seq !== state.seq || (e as Error).name === 'AbortError') return;
    showError(e);
  }
}

let browserLoadShown = false;

async function ensureBrowserLoaded(c: BrowserCompute): Promise<void> {
  if (!browserLoadShown) setState('loading');
  const load = await c.load();
  if (!browserLoadShown) {
    browserLoadShown = true;
    const where =
      load.provider === 'webgpu'
        ? ` ${describePlacement(load.placement)}.`
        : els.provider.value !== 'wasm'
          ? ' This browser gave no WebGPU adapter (or WebGPU could not run the graph), so WASM ran.'
          : '';
    setLoad(
      `Detector loaded into this browser with ${load.backend}: ${formatBytes(load.bytes)} fetched and sha256-verified in ${ms(load.fetchMs)}, session ready in ${ms(load.sessionMs)}, first run ${ms(load.warmupMs)}.${where}`,
    );
    els.load.dataset.provider = load.provider;
    els.load.dataset.cpuOps = Object.keys(cpuComputeOps(load.placement)).join(',');
    els.load.dataset.placement = load.placement ? JSON.stringify(load.placement.providers) : '';
  }
}

function setStatus(text: string, data: Record<string, string> = {}): void {
  els.status.textContent = text;
  for (const k of Object.keys(els.status.dataset)) delete els.status.dataset[k];
  Object.assign(els.status.dataset, data);
}

// ---------------------------------------------------------------------------------------------
// Rendering

function render(r: Result): void {
  const where = r.kind === 'server' ? 'On the server' : 'In this browser';
  const compute = (r.explain.timing.total ?? 0) + (r.rewrite.timing.total ?? 0);
  const detect = (r.explain.timing.detect ?? 0) + (r.rewrite.timing.detect ?? 0);
  setStatus(
    `${where} with ${r.rewrite.backend}: ${ms(compute)} of computing (detector ${ms(detect)}, ${r.explain.tokens.length} tokens in ${r.explain.windows} window${r.explain.windows === 1 ? '' : 's'}); ${ms(r.wallMs)} as this page saw it.`,
    {
      mode: r.kind,
      backend: r.rewrite.backend,
      computeMs: compute.toFixed(3),
      detectMs: detect.toFixed(3),
      wallMs: r.wallMs.toFixed(1),
      run: String(state.runs),
    },
  );
  renderTokens(r);
  renderRules(r);
  renderDiff(r);
}

function renderEmpty(): void {
  state.shades = [];
  state.groups = [];
  replace(els.tokens, h('span', { class: 'placeholder' }, 'No tokens yet.'));
  els.tokenSummary.textContent = '';
  els.tokenDetail.textContent = '';
  replace(els.rules, h('p', { class: 'placeholder' }, 'No rules fired yet.'));
  els.rulesSummary.textContent = '';
  replace(els.diff, h('span', { class: 'placeholder' }, 'Nothing to rewrite yet.'));
  els.diffSummary.textContent = '';
  els.copy.disabled = true;
}

function ruleById(id: string): Rule | undefined {
  return state.bundle?.rules.find((r) => r.id === id);
}

function featureById(feature: number): FeatureInfo | undefined {
  return state.bundle?.features.find((f) => f.feature === feature);
}

function renderTokens(r: Result): void {
  const ex = r.explain;
  const rules = state.bundle?.rules ?? [];
  state.gateResult = gateOnPrompt(state.gate, ex, r.prompt);
  state.fired = firedSpans(ex.fired, rules, r.prompt);
  state.cues = cueSpans(r.prompt, rules, ex.fired, { def: state.gate, result: state.gateResult });
  state.shades = shadeTokens(ex, state.shadeBy, state.fired);
  state.groups = groupTokens(ex.tokens, r.prompt.length);
  const frag = document.createDocumentFragment();
  let cursor = 0;
  let wrap: { el: HTMLElement; cue: CueSpan } | undefined;
  const out = () => wrap?.el ?? frag;
  state.groups.forEach((g, gi) => {
    const cue = state.cues.find((c) => g.end > g.start && g.start >= c.start && g.end <= c.end);
    if (wrap && wrap.cue !== cue) wrap = undefined;
    if (g.start > cursor) out().appendChild(document.createTextNode(r.prompt.slice(cursor, g.start)));
    if (cue && !wrap) {
      wrap = { el: cueElement(cue), cue };
      frag.appendChild(wrap.el);
    }
    const shade = strongest(g);
    const text = g.end > g.start ? r.prompt.slice(g.start, g.end) : ex.tokens[g.tokens[0]].piece;
    const span = h('span', {
      class: `tok${g.end === g.start ? ' special' : ''}${shade.over.length ? ' over' : ''}`,
      'data-g': gi,
      tabindex: gi === 0 ? 0 : -1,
      role: 'button',
      'aria-describedby': 'token-detail',
      style: shade.intensity > 0 ? `--a:${shade.intensity.toFixed(3)}` : undefined,
    });
    span.textContent = text;
    out().appendChild(span);
    cursor = Math.max(cursor, g.end);
  });
  if (cursor < r.prompt.length) frag.appendChild(document.createTextNode(r.prompt.slice(cursor)));
  els.tokens.replaceChildren(frag);
  els.tokenSummary.textContent = tokenSummary(ex);
  els.tokenDetail.textContent =
    'Hover over a token, or focus the tokens and use the arrow keys, to read its activation.';
}

/** A grammar cue's outline: its kind and what became of it, as a visible tag and a tooltip. */
function cueElement(c: CueSpan): HTMLElement {
  const gate = state.gateResult ? ` · task gate ${state.gateResult.open ? 'open' : 'closed'}` : '';
  const tag = `grammar cue: ${c.kind}${gate}${c.state === 'glossed' ? '' : ` · not glossed`}`;
  return h('span', {
    class: `cue cue-${c.state}`,
    'data-kind': c.kind,
    'data-state': c.state,
    'data-tag': tag,
    title: `${tag}: ${c.why}`,
  });
}

function tokenSummary(ex: ExplainResponse): string {
  const n = ex.tokens.length;
  if (state.shadeBy.kind === 'feature')
    return `${n} tokens, shaded by feature ${state.shadeBy.feature}; ${state.groups.filter((g) => strongest(g).over.length).length} at or over a threshold of a rule on it (outlined).`;
  const inSpans = state.groups.filter((g) => strongest(g).over.length).length;
  const ids = new Set(state.fired.map((f) => f.fired.rule));
  const glossed = state.cues.filter((c) => c.state === 'glossed').length;
  const gate = state.gateResult
    ? ` Task gate ${state.gate?.id}: ${state.gateResult.open ? 'open' : 'closed'} (score ${fmt(state.gateResult.score)}).`
    : '';
  return `${n} tokens; ${inSpans} in the spans of the ${ids.size} rule${ids.size === 1 ? '' : 's'} that fired (marked); ${state.cues.length} grammar cue${state.cues.length === 1 ? '' : 's'} (outlined), ${glossed} glossed.${gate}`;
}

function strongest(g: TokenGroup): TokenShade {
  let best = state.shades[g.tokens[0]];
  for (const t of g.tokens) if ((state.shades[t]?.intensity ?? 0) > (best?.intensity ?? 0)) best = state.shades[t];
  return best ?? { intensity: 0, activation: 0, feature: null, featureLabel: '', threshold: null, over: [], cues: [] };
}

function tokenDescription(gi: number): string {
  const r = state.last;
  const g = state.groups[gi];
  if (!r || !g) return '';
  const pieces = g.tokens.map((t) => r.explain.tokens[t].piece).join(' + ');
  const s = strongest(g);
  const where = `token ${g.tokens.map((t) => t + 1).join('+')} of ${r.explain.tokens.length}, “${pieces}”`;
  const cue = state.cues.find((c) => g.start >= c.start && g.end <= c.end && g.end > g.start);
  const cueText = cue ? `grammar cue ${cue.kind} (${cue.family}): ${cue.why}` : '';
  if (s.feature === null) {
    if (state.shadeBy.kind === 'feature') return `${where}: feature ${state.shadeBy.feature} not active.`;
    if (cueText) return `${where}: ${cueText}.`;
    return s.over.length ? `${where}: in the span of ${s.over.join(', ')}.` : `${where}: no rule fired here.`;
  }
  const vs = s.threshold !== null ? ` against threshold ${fmt(s.threshold)}` : '';
  const over = s.over.length ? `; fires ${s.over.join(', ')}` : '';
  return `${where}: feature ${s.feature} (${s.featureLabel}) ${fmt(s.activation, 3)}${vs}${over}${cueText ? `; ${cueText}` : ''}.`;
}

function focusToken(gi: number, focus: boolean): void {
  const spans = els.tokens.querySelectorAll<HTMLElement>('.tok');
  if (!spans.length) return;
  const i = Math.max(0, Math.min(spans.length - 1, gi));
  els.tokens.querySelector<HTMLElement>('.tok[tabindex="0"]')?.setAttribute('tabindex', '-1');
  spans[i].setAttribute('tabindex', '0');
  if (focus) spans[i].focus();
  showTokenDetail(spans[i]);
}

function showTokenDetail(span: HTMLElement): void {
  const gi = Number(span.dataset.g);
  const text = tokenDescription(gi);
  els.tokenDetail.textContent = text.charAt(0).toUpperCase() + text.slice(1);
  // The tooltip: the value itself (the detail line below the tokens says which token it is).
  els.tip.textContent = text.replace(/^token [^:]*”: /, '');
  els.tip.hidden = false;
  const r = span.getBoundingClientRect();
  const w = els.tip.offsetWidth;
  const h = els.tip.offsetHeight;
  const left = Math.max(8, Math.min(r.left, window.innerWidth - w - 8));
  const top = r.bottom + 4 + h > window.innerHeight ? r.top - 4 - h : r.bottom + 4;
  els.tip.style.left = `${left}px`;
  els.tip.style.top = `${Math.max(4, top)}px`;
}

function hideTip(): void {
  els.tip.hidden = true;
}

function cardContext(): CardContext {
  return { gate: state.gate, gateResult: state.gateResult, featureLabel: (f) => featureById(f)?.label };
}

function renderRules(r: Result): void {
  const fired = r.rewrite.fired;
  const byRule = new Map<string, RewriteResponse['inserted']>();
  for (const ins of r.rewrite.inserted) byRule.set(ins.rule, [...(byRule.get(ins.rule) ?? []), ins]);
  const all = state.bundle?.rules ?? [];
  const total = all.length || r.explain.rules.length;
  const distinct = new Set(fired.map((f) => f.rule));
  const places = fired.length > distinct.size ? ` (${fired.length} places)` : '';
  els.rulesSummary.textContent = fired.length
    ? `${distinct.size} of ${total} rule${total === 1 ? '' : 's'} fired${places}.`
    : `None of the ${total} rule${total === 1 ? '' : 's'} fired on this prompt.`;
  const ctx = cardContext();
  const spans = firedSpans(fired, all, r.prompt);
  const items = spans.map((sp) => {
    const f = sp.fired;
    const inserted =
      byRule.get(f.rule)?.find((i) => (f.placement === 'note' ? true : i.at === f.span.end)) ?? byRule.get(f.rule)?.[0];
    return firedCard(sp, ruleById(f.rule), inserted, ctx);
  });
  replace(
    els.rules,
    items.length
      ? h('ol', { class: 'rule-list fired-list' }, items)
      : h('p', { class: 'placeholder' }, 'No rule fired: the prompt is sent unchanged.'),
    all.length
      ? h(
          'details',
          { class: 'all-rules' },
          h('summary', {}, `All ${all.length} rules of the bundle: cue, gate, default and evidence`),
          h(
            'ol',
            { class: 'rule-list' },
            all.map((rule) => bundleRuleCard(rule, ctx, distinct.has(rule.id))),
          ),
        )
      : null,
  );
}

function renderDiff(r: Result): void {
  const rw = r.rewrite;
  const noteRules = new Set(rw.fired.filter((f) => f.placement === 'note').map((f) => f.rule));
  const parts = insertionDiff(r.prompt, rw.prompt, rw.inserted, noteRules);
  const n = rw.inserted.length;
  els.diffSummary.textContent =
    rw.status === 'rewritten'
      ? `${n} gloss${n === 1 ? '' : 'es'} inserted (highlighted); everything else is the original text.`
      : rw.status === 'already-annotated'
        ? 'The prompt already holds Gloss markers, so it is left as it is.'
        : 'Unchanged: no gloss to insert.';
  replace(
    els.diff,
    parts.map((p) =>
      p.kind === 'same'
        ? p.text
        : p.kind === 'ins'
          ? h(
              'ins',
              { title: `inserted by ${p.rules?.join(', ') ?? 'Gloss'}`, 'data-rules': p.rules?.join(',') ?? '' },
              p.text,
            )
          : h('del', {}, p.text),
    ),
  );
  els.copy.disabled = false;
}

// ---------------------------------------------------------------------------------------------
// The bundle: info line, shading choices, feature browser

async function loadBundleInfo(): Promise<void> {
  try {
    state.bundle = await state.server.bundle();
  } catch (e) {
    els.bundleInfo.textContent = 'Could not read the bundle from the server.';
    showError(e);
    return;
  }
  const b = state.bundle;
  const m = b.manifest;
  const ev = m.evaluation ?? {};
  const bits = [
    `Bundle ${m.name}`,
    `${m.detector.arch} detector (layer ${m.detector.layer} of ${m.detector.numLayers}${m.detector.int8 ? ', int8' : ''})`,
    `${b.features.length} features`,
    `${b.rules.length} rules`,
  ];
  if (ev.gsm8k_auc !== undefined) bits.push(`GSM8K AUC ${fmt(ev.gsm8k_auc, 3)}`);
  bits.push(`server runs ${b.backend}`);
  els.bundleInfo.textContent = bits.join(' · ');
  state.gate = b.gate ?? undefined;
  const opts = [h('option', { value: 'fired' }, 'The rules that fired (their spans only)')];
  for (const f of [...b.features].sort((x, y) => x.column - y.column))
    opts.push(h('option', { value: String(f.feature) }, `Feature ${f.feature}: ${f.label}`));
  replace(els.shadeBy, opts);
  renderFeatures();
}

function renderFeatures(): void {
  const b = state.bundle;
  if (!b) return;
  state.featurePage = renderFeatureBrowser(
    {
      features: els.features,
      filter: els.featureFilter,
      count: els.featureCount,
      prev: els.featurePrev,
      next: els.featureNext,
      pageLabel: els.featurePage,
    },
    b.features,
    b.rules,
    state.featurePage,
  );
}

// ---------------------------------------------------------------------------------------------
// Wiring

function setMode(mode: ComputeKind): void {
  state.mode = mode;
  els.main.dataset.mode = mode;
  if (mode === 'server') setLoad('');
  else if (browserLoadShown && state.browser)
    void state.browser.load().then(
      () => undefined,
      () => undefined,
    );
  void run();
}

function wire(): void {
  els.prompt.addEventListener('input', schedule);
  els.example.addEventListener('click', () => {
    els.prompt.value = EXAMPLE;
    els.prompt.focus();
    void run();
  });
  els.clear.addEventListener('click', () => {
    els.prompt.value = '';
    els.prompt.focus();
    void run();
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="mode"]')) {
    radio.addEventListener('change', () => radio.checked && setMode(radio.value as ComputeKind));
  }
  els.provider.addEventListener('change', () => {
    state.browserPrefer = els.provider.value === 'wasm' ? 'wasm' : 'auto';
    void state.browser?.dispose().catch(() => undefined);
    state.browser = undefined;
    browserLoadShown = false;
    if (state.mode === 'browser') void run();
  });
  els.shadeBy.addEventListener('change', () => {
    const v = els.shadeBy.value;
    state.shadeBy = v === 'fired' ? { kind: 'fired' } : { kind: 'feature', feature: Number(v) };
    if (state.last) renderTokens(state.last);
  });
  wireTokens();
  els.features.addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button.shade-this');
    if (!b) return;
    selectShade(Number(b.dataset.feature));
    els.shadeBy.focus();
    els.shadeBy.scrollIntoView({ block: 'center' });
  });
  els.featureFilter.addEventListener('input', () => {
    state.featurePage = 0;
    renderFeatures();
  });
  els.featurePrev.addEventListener('click', () => {
    state.featurePage--;
    renderFeatures();
  });
  els.featureNext.addEventListener('click', () => {
    state.featurePage++;
    renderFeatures();
  });
  els.copy.addEventListener('click', async () => {
    if (!state.last) return;
    try {
      await navigator.clipboard.writeText(state.last.rewrite.prompt);
      els.copy.textContent = 'Copied';
    } catch {
      els.copy.textContent = 'Copy failed';
    }
    setTimeout(() => (els.copy.textContent = 'Copy rewritten prompt'), 1500);
  });
  byId('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const t = els.token.value.trim();
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
    void state.browser?.dispose().catch(() => undefined);
    state.browser = undefined;
    browserLoadShown = false;
    void loadBundleInfo().then(run);
  });
}

/** The token strip's listeners: the tooltip on hover and focus, arrow keys between tokens, Enter shades by a token's strongest feature. */
function wireTokens(): void {
  els.tokens.addEventListener('pointerover', (e) => {
    const span = (e.target as HTMLElement).closest<HTMLElement>('.tok');
    if (span) showTokenDetail(span);
  });
  els.tokens.addEventListener('pointerleave', hideTip);
  els.tokens.addEventListener('focusout', hideTip);
  els.tokens.addEventListener('scroll', hideTip, { passive: true });
  window.addEventListener('scroll', hideTip, { passive: true });
  els.tokens.addEventListener('focusin', (e) => {
    const span = (e.target as HTMLElement).closest<HTMLElement>('.tok');
    if (span) focusToken(Number(span.dataset.g), false);
  });
  els.tokens.addEventListener('keydown', (e) => {
    const span = (e.target as HTMLElement).closest<HTMLElement>('.tok');
    if (!span) return;
    const gi = Number(span.dataset.g);
    const last = state.groups.length - 1;
    const to: Record<string, number> = {
      ArrowRight: gi + 1,
      ArrowDown: gi + 1,
      ArrowLeft: gi - 1,
      ArrowUp: gi - 1,
      Home: 0,
      End: last,
    };
    if (e.key === 'Escape') {
      hideTip();
      return;
    }
    if (e.key in to) {
      e.preventDefault();
      focusToken(to[e.key], true);
    } else if (e.key === 'Enter' || e.key === ' ') {
      // Enter on a token shades the whole prompt by that token's strongest feature.
      e.preventDefault();
      const s = strongest(state.groups[gi]);
      if (s.feature !== null) selectShade(s.feature);
    }
  });
}

function selectShade(feature: number): void {
  state.shadeBy = { kind: 'feature', feature };
  els.shadeBy.value = String(feature);
  if (state.last) renderTokens(state.last);
}

/**
 * A deployment that cannot serve in-browser computation (the Worker packs no onnxruntime-web files)
 * marks the page; then the page offers the server only, and says why.
 */
function offerServerOnly(): void {
  if (document.documentElement.dataset.browserCompute !== 'off') return;
  document.querySelector('input[name="mode"][value="browser"]')?.closest('label')?.remove();
  els.provider.closest('.field')?.remove();
  const server = document.querySelector<HTMLInputElement>('input[name="mode"][value="server"]');
  if (server) server.checked = true;
  const note = document.createElement('p');
  note.className = 'hint';
  note.id = 'server-only';
  note.textContent =
    'This deployment computes on the server only: in-browser computation needs onnxruntime-web’s files, which the Node server serves and a Worker cannot hold.';
  document.querySelector('fieldset.mode')?.append(note);
}

offerServerOnly();
wire();
renderEmpty();
const checked = document.querySelector<HTMLInputElement>('input[name="mode"]:checked');
state.mode = (checked?.value as ComputeKind | undefined) ?? 'server';
els.main.dataset.mode = state.mode;
state.browserPrefer = els.provider.value === 'wasm' ? 'wasm' : 'auto';
document.documentElement.dataset.ready = 'true';
void loadBundleInfo().then(run);
