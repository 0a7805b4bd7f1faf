// The engine end to end on the known-answer bundle: tokens with offsets, the detector's features,
// fired rules and the glossed text, plus bundle integrity.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKnownBundle } from '../helpers/known-bundle.ts';
import { loadBundle } from '../../src/core/bundle/load.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { GlossEngine } from '../../src/core/engine/engine.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';
import { stripGlosses } from '../../src/core/rewrite/text.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-known-'));
  await writeKnownBundle(join(dir, 'b'));
});

describe('GlossEngine on the known-answer bundle', () => {
  it('glosses "half as many" inline and "per" in the note block', async () => {
    const engine = await GlossEngine.create(await loadBundle(folderSource(join(dir, 'b'))), ortNodeBackend());
    const text =
      'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. She earns $12 per hour.';
    const out = await engine.rewrite(text);
    expect(out.status).toBe('rewritten');
    expect(out.fired.map((f) => f.ruleId).sort()).toEqual(['half-as-much', 'rate-per']);
    const half = out.fired.find((f) => f.ruleId === 'half-as-much')!;
    expect(half.span.text).toBe('half');
    expect(out.rewritten).toContain('sold half ⟦gloss: "half" means one half of the amount mentioned before⟧ as many');
    expect(out.rewritten).toMatch(/⟦gloss-notes:[^]*A quantity "per" unit is a rate/);
    expect(stripGlosses(out.rewritten)).toBe(text);
    // Offsets point at the words.
    const t = out.tokens.find((k) => k.piece === 'half')!;
    expect(text.slice(t.start, t.end)).toBe('half');
    const unchanged = await engine.rewrite('How many apples did Tom sell?');
    expect(unchanged.status).toBe('unchanged');
    expect(unchanged.rewritten).toBe('How many apples did Tom sell?');
  });

  it('refuses a bundle whose detector does not match its sha256', async () => {
    const b2 = join(dir, 'tampered');
    await writeKnownBundle(b2);
    const bytes = await readFile(join(b2, 'detector.onnx'));
    bytes[bytes.length - 5] ^= 0xff;
    await writeFile(join(b2, 'detector.onnx'), bytes);
    await expect(loadBundle(folderSource(b2))).rejects.toThrow(
      /detector.onnx does not match its sha256 .*refusing to load/,
    );
  });
});
