// The figurative guard on the real default bundle (real weights, its probe rule): sentences built to
// tempt the probe with auxiliaries, copulas, commas and hyphenated compounds get no figurative gloss on
// those words, while the probe still runs on their content verbs.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine } from '../../src/runtime/node/server.ts';
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import { isContentVerbWord } from '../../src/core/rules/content-verb.ts';

const DIR = 'models/default';
const SENTENCES = [
  'She did her best, but the news crushed her hopes.',
  'It will be a long winter, and the wind bites at every door.',
  'He was warm-hearted, kind-hearted and generous, and he grasped every chance.',
  'They had been waiting , he said , and then they swallowed their pride .',
  'I do think that the market has collapsed, and prices have melted away.',
];

describe.skipIf(!existsSync(`${DIR}/rules.json`))('figurative guard on models/default', () => {
  let engine: GlossEngine;
  beforeAll(async () => {
    engine = await loadEngine(DIR);
  });
  afterAll(async () => {
    await engine?.detector.release();
  });

  it('puts no figurative gloss on did, be, has, commas or "hearted"', async () => {
    const probe = engine.rules.find((r) => r.probe);
    expect(probe, 'the default bundle ships its figurative probe rule').toBeDefined();
    const landed: string[] = [];
    for (const s of SENTENCES) {
      const a = await engine.analyze(s, { maxGlosses: 50, families: ['figurative'] });
      for (const f of a.fired.filter((x) => x.ruleId === probe!.id)) {
        landed.push(f.span.text);
        expect(isContentVerbWord(s, f.span.start, f.span.end), `${f.span.text} in "${s}"`).toBe(true);
      }
    }
    // The probe did run on these sentences: it glosses their content verbs.
    expect(landed).toContain('crushed');
    for (const w of ['did', 'be', 'has', 'had', 'been', 'do', 'have', ',', 'hearted', 'was'])
      expect(landed, w).not.toContain(w);
  });
});
