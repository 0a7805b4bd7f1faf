// tsx scripts/mine-cues.ts CUES.json [--out FILE]: for each lexical cue (name -> regular expression,
// matched case-insensitively), which SAE latents fire on the words a cue matches, so a reviewer can
// pick the latent of a cue rule (rules.json `cue`; scripts/default-review.json). Reads the cached
// detector and JumpReLU SAE of npm run train:default (GLOSS_TRAIN_WORK, default .cache/train-default)
// and ../shared. For each cue: the first 150 GSM8K training questions and VUA training sentences it
// matches; per latent, the share of those matches it fires on (> 0 after JumpReLU) in each corpus; then
// a greedy cover of up to 3 latents (ties to the one firing hardest) that fire on at most 5% of the VUA matches. Prints one line per cue.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { createFeatureRunner } from '../offline-training/sae/feature-runner.ts';
import { loadSae } from '../offline-training/sae/format.ts';

const WORK = process.env.GLOSS_TRAIN_WORK ?? '.cache/train-default';
const SHARED = process.env.GLOSS_SHARED ?? '../shared';
const PER_CORPUS = 150;
const MAX_GENERAL_SHARE = 0.05;

const cuesFile = process.argv[2];
if (!cuesFile) {
  console.error('usage: tsx scripts/mine-cues.ts CUES.json [--out FILE]');
  process.exit(1);
}
const outAt = process.argv.indexOf('--out');
const cues = JSON.parse(readFileSync(cuesFile, 'utf8')) as Record<string, string>;
const math = readFileSync(join(SHARED, 'data/gsm8k/train.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { question: string }).question);
const vuaRows = parseCsv(readFileSync(join(SHARED, 'data/metaphor/VUA_train.csv'), 'utf8'), {
  columns: true,
  relax_column_count: true,
}) as Record<string, string>[];
const vua = [...new Set(vuaRows.map((r) => r.sentence.trim()))];

const runner = await createFeatureRunner(join(WORK, 'detector'), await loadSae(join(WORK, 'sae/jumprelu')));
const F = runner.width;

/** Per cue match: each latent's largest activation over the tokens that overlap the match. */
async function matchMaxima(re: RegExp, texts: readonly string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const t of texts) {
    const a = await runner.run(t);
    re.lastIndex = 0;
    for (let m = re.exec(t); m; m = re.exec(t)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const s = m.index;
      const e = s + m[0].length;
      const mx = new Float32Array(F);
      a.offsets.forEach(([ts, te], i) => {
        if (te > s && ts < e) for (let f = 0; f < F; f++) mx[f] = Math.max(mx[f], a.acts[i * F + f]);
      });
      out.push(mx);
    }
  }
  return out;
}

const result: Record<string, unknown> = {};
try {
  for (const [name, source] of Object.entries(cues)) {
    const re = new RegExp(source, 'giu');
    const matching = (texts: readonly string[]) =>
      texts
        .filter((t) => {
          re.lastIndex = 0;
          return re.test(t);
        })
        .slice(0, PER_CORPUS);
    const pos = await matchMaxima(re, matching(math));
    const neg = await matchMaxima(re, matching(vua));
    const share = (rows: Float32Array[], f: number) => rows.filter((m) => m[f] > 0).length / Math.max(1, rows.length);
    const covered = new Array<boolean>(pos.length).fill(false);
    const picks: { feature: number; gsm8k: number; vua: number; cumulative: number }[] = [];
    for (let k = 0; k < 3; k++) {
      let best = -1;
      let gain = 1; // a pick must cover at least 2 matches the others miss
      let strength = 0;
      for (let f = 0; f < F; f++) {
        if (share(neg, f) > MAX_GENERAL_SHARE) continue;
        const left = pos.filter((m, i) => !covered[i] && m[f] > 0);
        // Ties (small cues) go to the latent that fires hardest on the matches it covers.
        const mean = left.reduce((t, m) => t + m[f], 0) / Math.max(1, left.length);
        if (left.length > gain || (left.length === gain && mean > strength))
          [best, gain, strength] = [f, left.length, mean];
      }
      if (best < 0) break;
      pos.forEach((m, i) => {
        if (m[best] > 0) covered[i] = true;
      });
      const r3 = (x: number) => Math.round(x * 1000) / 1000;
      picks.push({
        feature: best,
        gsm8k: r3(share(pos, best)),
        vua: r3(share(neg, best)),
        cumulative: r3(covered.filter(Boolean).length / Math.max(1, pos.length)),
      });
    }
    result[name] = { gsm8k_matches: pos.length, vua_matches: neg.length, picks };
    console.log(`${name}: ${pos.length} GSM8K / ${neg.length} VUA matches; ${JSON.stringify(picks)}`);
  }
} finally {
  await runner.release();
}
if (outAt > 0) writeFileSync(process.argv[outAt + 1], JSON.stringify(result, null, 1) + '\n');
