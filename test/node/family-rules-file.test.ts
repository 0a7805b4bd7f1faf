// familyRulesFile: how a person's review turns mined family candidates into rules, including cue
// rules (one latent under several cues; latents no family mining proposed, behind a cue only).
import { describe, expect, it } from 'vitest';
import { familyRulesFile, type FamilyReview } from '../../offline-training/mine/family-rules-file.ts';
import type { MineFamiliesResult } from '../../offline-training/mine/mine-families.ts';
import { matchRules } from '../../src/core/rules/match.ts';

const mined = {
  gate: {
    id: 'math-word-problem',
    label: 'math',
    features: [1],
    pool: 'mean',
    weights: [1],
    bias: 0,
    threshold: 0.5,
    families: ['multiplicative'],
  },
  gateHeldOut: {},
  miningRows: 0,
  candidates: [
    {
      family: 'multiplicative',
      feature: 1697,
      threshold: 1.5,
      precision: 0.78,
      recall: 0.5,
      words: ['times'],
      negativeRate: 0.03,
      top_contexts: [],
    },
  ],
} as unknown as MineFamiliesResult;

const cue = '\\b\\w+ times (?:fewer|less)\\b';

describe('familyRulesFile', () => {
  it('accepts one mined latent under several ids and cues, and adds cue rules for unmined latents', () => {
    const review: FamilyReview = {
      rules: [
        { feature: 1697, family: 'multiplicative', id: 'times-fewer', cue, gloss: '"{span}": X / N' },
        { feature: 1697, family: 'multiplicative', id: 'times-plain' },
        {
          feature: 54,
          family: 'periodic',
          id: 'every-other',
          cue: '\\bevery other day\\b',
          threshold: 0.01,
          label: 'latent 54 behind its cue',
          evidence: { cue_matches_gsm8k_train: 9 },
        },
      ],
    };
    const file = familyRulesFile(mined, review, ['gsm8k']);
    expect(file.rules.map((r) => [r.id, r.feature, r.cue ?? null, r.draft ?? false])).toEqual([
      ['times-fewer', 1697, cue, false],
      ['times-plain', 1697, null, false],
      ['every-other', 54, '\\bevery other day\\b', false],
    ]);
    expect(file.rules[2].evidence).toMatchObject({ support: 0, datasets: ['gsm8k'], cue_matches_gsm8k_train: 9 });

    // The cue rule fires only where its cue touches the firing words.
    const text = 'Kim runs every other day and every day.';
    const at = (w: string, from = 0) => text.indexOf(w, from);
    const tokens = [
      { start: at('other'), end: at('other') + 5 },
      { start: at('and'), end: at('and') + 3 },
      { start: at('every', at('and')), end: at('every', at('and')) + 5 },
    ];
    const out = matchRules({
      text,
      tokens,
      activations: new Float32Array([1, 0, 1]),
      numFeatures: 1,
      featureColumns: new Map([[54, 0]]),
      rules: [file.rules[2]],
    });
    expect(out.fired.map((f) => f.span.text)).toEqual([expect.stringMatching(/^every other day/)]);
    expect(out.skipped.map((s) => s.reason)).toEqual(['cue-missing']);
  });

  it('refuses a review rule for an unmined latent without cue, threshold, label and evidence', () => {
    const review: FamilyReview = { rules: [{ feature: 54, family: 'periodic', id: 'every-other', threshold: 0.01 }] };
    expect(() => familyRulesFile(mined, review, ['gsm8k'])).toThrow(/needs cue, threshold, label and evidence/);
  });
});
