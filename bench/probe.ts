// The figurative probe's cost in one run, on models/default: GlossEngine.analyze on three kinds of
// text of about 128 tokens (prose, where the probe's context gate opens and sentences are tagged;
// a math word problem and a technical request, where it stays closed and nothing is tagged), split
// into the detector forward and the match step (gates, tagging, probe, rules), beside the bare
// detector forward, plus compromise's tagger alone on the prose text.
import { existsSync } from 'node:fs';
import { loadEngine } from '../src/runtime/node/server.ts';
import { loadWordTagger, splitSentences, tagSentence } from '../src/core/rules/pos.ts';
import { interleaved, median } from './lib/stats.ts';
import { printTable } from './lib/table.ts';

const TEXTS: Record<string, string> = {
  prose:
    'The committee grasped the idea at once, and prices soared after the storm swept through the valley. ' +
    'Her words cut deep, but he buried his anger and pressed on with the plan. ' +
    'Rumours spread like fire through the old town, and the mayor bent the rules to calm the crowd. ',
  math:
    'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. ' +
    'How many clips did Natalia sell altogether in April and May? She earns $12 per hour for babysitting. ',
  technical:
    'Write a SQL query that returns the latest order per customer, then explain how the index makes it faster. ' +
    'How do I keep the changes in my working tree when I undo the last git commit? ',
};

/** Repeats `text` to about `tokens` tokens (whole sentences). */
function sized(engine: Awaited<ReturnType<typeof loadEngine>>, text: string, tokens: number): string {
  let out = text;
  while (engine.tokenizer.encode(out + text).ids.length <= tokens) out += text;
  return out.trim();
}

/** Prints the probe's cost table; needs models/default with a probe rule (npm run build:default). */
export async function benchProbe(rounds: number): Promise<void> {
  if (!existsSync('models/default/manifest.json')) {
    console.log('probe: models/default is missing (npm run build:default); skipped');
    return;
  }
  const engine = await loadEngine('models/default');
  if (!engine.rules.some((r) => r.probe)) {
    console.log('probe: models/default has no probe rule; skipped');
    return;
  }
  const tagger = await loadWordTagger();
  const rows: (string | number)[][] = [];
  for (const [kind, base] of Object.entries(TEXTS)) {
    const text = sized(engine, base, 128);
    const ids = engine.tokenizer.encode(text).ids;
    const match: number[] = [];
    const t = await interleaved(
      {
        analyze: async () => match.push((await engine.analyze(text)).ms.match),
        bare: () => engine.detector.run(ids),
        tag: async () => splitSentences(text).map((s) => tagSentence(tagger, text, s)),
      },
      rounds,
    );
    const a = await engine.analyze(text);
    const closed = a.skipped.filter((s) => s.reason === 'gate-closed' && engine.rulesById.get(s.ruleId)?.probe).length;
    rows.push([
      kind,
      ids.length,
      `${splitSentences(text).length - closed}/${splitSentences(text).length}`,
      median(t.analyze),
      median(t.bare),
      median(match),
      median(t.tag),
      median(t.analyze) / median(t.bare),
    ]);
  }
  printTable(
    'figurative probe: GlossEngine.analyze at ~128 tokens (models/default, onnxruntime-node)',
    [
      'text',
      'tokens',
      'sentences open',
      'analyze median ms',
      'bare detector ms',
      'match step ms',
      'tagging every sentence ms',
      'analyze / bare',
    ],
    rows,
  );
  await engine.detector.release();
}
