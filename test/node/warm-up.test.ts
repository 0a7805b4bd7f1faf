import { describe, expect, it } from 'vitest';
import { loadEngine } from '../../src/runtime/node/server.ts';
import { WARM_UP_TEXTS, warmUp } from '../../src/core/gloss/warm-up.ts';

describe('warmUp', () => {
  it('runs the paths a request takes on models/default: the math text fires, the prose text does not', async () => {
    const engine = await loadEngine('models/default');
    try {
      const answers = await warmUp(engine, 1);
      expect(answers).toHaveLength(WARM_UP_TEXTS.length);
      expect(answers[0]?.fired.map((f) => f.ruleId)).toContain('construction-rate');
      expect(answers[1]?.fired).toEqual([]);
      // Short texts: a slowed test detector that blocks at 48 tokens (gated-backend) never blocks on them.
      for (const a of answers) expect(a?.tokens).toBeLessThan(48);
    } finally {
      await engine.detector.release();
    }
  });
});
