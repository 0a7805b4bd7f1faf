// The offline pipeline end to end with a planted answer: prompts that say "twice" fail far more
// often than the others. extract -> sae -> mine -> rules -> evaluate -> export -> report must
// produce a bundle whose rule fires on "twice", found by mining, and the engine must use it.
import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../offline-training/cli.ts';
import { loadBundle } from '../../src/core/bundle/load.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { GlossEngine } from '../../src/core/engine/engine.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';
import { buildUseLiteArgs } from '../helpers/use-lite-args.ts';

const NAMES = ['Ana', 'Ben', 'Carla', 'Dev', 'Emma', 'Farid', 'Gina', 'Hugo', 'Iris', 'Jon', 'Kai', 'Lena'];
const THINGS = ['apples', 'marbles', 'books', 'stickers', 'coins', 'shells'];

async function run(args: string[]): Promise<void> {
  const code = await main(args);
  expect(code, `gloss-train ${args[0]} failed`).toBe(0);
}

describe('offline pipeline with a planted cause', () => {
  it('mines the "twice" feature and ships it as a rule', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gloss-e2e-'));
    let s = 11;
    const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
    const rows = [];
    for (let i = 0; i < 360; i++) {
      const [a, b, t, n] = [pick(NAMES), pick(NAMES), pick(THINGS), 2 + Math.floor(r() * 40)];
      const twice = r() < 0.4;
      const filler = r() < 0.5 ? ` ${b} also likes to count ${t} on sunny days at the park.` : '';
      const prompt = twice
        ? `${a} has twice as many ${t} as ${b}. ${b} has ${n} ${t}.${filler} How many ${t} does ${a} have?`
        : `${a} has ${n} more ${t} than ${b}. ${b} has ${n + 3} ${t}.${filler} How many ${t} does ${a} have?`;
      const correct = r() > (twice ? 0.8 : 0.25);
      rows.push({
        id: `synthetic:${i}`,
        prompt,
        task: 'gsm8k',
        gold: '1',
        outcomes: [{ model: 'm', correct, answer: correct ? '1' : '2' }],
      });
    }
    const outcomes = join(dir, 'outcomes.jsonl');
    await writeFile(outcomes, rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const texts = join(dir, 'texts.jsonl');
    await writeFile(texts, rows.map((x) => JSON.stringify({ text: x.prompt })).join('\n') + '\n');

    const det = join(dir, 'det');
    await run(buildUseLiteArgs(det));
    await run(['extract', '--detector', det, '--data', texts, '--out', join(dir, 'acts')]);
    await run([
      'sae',
      '--cache',
      join(dir, 'acts'),
      '--out',
      join(dir, 'sae'),
      '--width',
      '512',
      '--k',
      '16',
      '--batch',
      '256',
      '--steps',
      '150',
      '--seed',
      '2',
    ]);
    await run([
      'mine',
      '--detector',
      det,
      '--sae',
      join(dir, 'sae/jumprelu'),
      '--outcomes',
      outcomes,
      '--target',
      'm',
      '--out',
      join(dir, 'mine'),
      '--top',
      '10',
    ]);
    const mined = JSON.parse(await readFile(join(dir, 'mine/candidates.json'), 'utf8'));
    const top = mined.candidates[0];
    // The planted cause is the clause "<name> has twice as many <things> as <name>": which of its
    // tokens the SAE gives the winning feature to ("twice", "as", "many", even "has": the detector
    // reads both ways) depends on float rounding in training, which differs between CPUs, and
    // candidates that separate perfectly tie. So the test asks that the top feature's contexts sit
    // inside the planted clause, not on one particular token.
    const contexts: { token: string; text: string; start: number }[] = top.top_contexts;
    expect(contexts.length).toBeGreaterThan(0);
    for (const c of contexts) {
      expect(c.text).toContain('twice as many');
      expect(c.start).toBeLessThan(c.text.indexOf('.', c.text.indexOf('twice as many')));
    }
    expect(top.mhQ).toBeLessThan(0.01);

    await run([
      'rules',
      '--candidates',
      join(dir, 'mine/candidates.json'),
      '--out',
      join(dir, 'rules.json'),
      '--features',
      String(top.feature),
    ]);
    const rules = JSON.parse(await readFile(join(dir, 'rules.json'), 'utf8'));
    expect(rules.rules[0]).toMatchObject({ feature: top.feature, scope: 'span' });
    expect(rules.rules[0].gloss.length).toBeGreaterThan(10); // a template or the generic draft
    expect(rules.rules[0].draft).toBe(true);
    expect(await readFile(join(dir, 'rules.review.md'), 'utf8')).toMatch(/top contexts/);

    await run([
      'evaluate',
      '--out',
      join(dir, 'eval'),
      '--candidates',
      join(dir, 'mine/candidates.json'),
      '--rules',
      join(dir, 'rules.json'),
      '--task',
      'synthetic',
    ]);
    const ev = JSON.parse(await readFile(join(dir, 'eval/evaluation.json'), 'utf8'));
    expect(ev.synthetic_auc).toBeGreaterThan(0.65); // held-out prompts the miner never saw
    expect(ev.synthetic_length_baseline_auc).toBeLessThan(ev.synthetic_auc);

    const bundle = join(dir, 'bundle');
    const exportArgs = (rulesFile: string, out = join(dir, 'refused')) => [
      'export',
      '--detector',
      det,
      '--sae',
      join(dir, 'sae/jumprelu'),
      '--rules',
      rulesFile,
      '--out',
      out,
    ];
    // A draft nobody reviewed is refused, with one line and exit code 1.
    expect(await main(exportArgs(join(dir, 'rules.json')))).toBe(1);
    // Forced, it ships, and the card says which rule nobody reviewed.
    expect(await main([...exportArgs(join(dir, 'rules.json')), '--force'])).toBe(0);
    expect(await readFile(join(dir, 'refused/card.md'), 'utf8')).toMatch(
      new RegExp(`Forced: ${rules.rules[0].id} is a draft nobody reviewed`),
    );
    // The person's review: the draft flag goes once threshold and gloss were checked.
    delete rules.rules[0].draft;
    await writeFile(join(dir, 'rules.reviewed.json'), JSON.stringify(rules));
    await run([
      ...exportArgs(join(dir, 'rules.reviewed.json'), bundle),
      '--candidates',
      join(dir, 'mine/candidates.json'),
      '--sae-metrics',
      join(dir, 'sae/metrics.json'),
      '--evaluation',
      join(dir, 'eval/evaluation.json'),
    ]);
    // export's default: every feature gets held-out top contexts and a label generated from them.
    const shipped = JSON.parse(await readFile(join(bundle, 'features.json'), 'utf8'));
    for (const f of shipped.features) expect(f.label).toMatch(/^(fires on |never fired on the )/);
    expect(shipped.features.some((f: { top_contexts: unknown[] }) => f.top_contexts.length > 0)).toBe(true);
    const engine = await GlossEngine.create(await loadBundle(folderSource(bundle)), ortNodeBackend());
    const mia = 'Mia has twice as many cards as Leo. Leo has 7 cards. How many cards does Mia have?';
    const out = await engine.rewrite(mia);
    expect(out.status).toBe('rewritten');
    // A fired span lies inside the planted clause "Mia has twice as many cards as Leo" (a feature
    // learned from 360 synthetic prompts may fire elsewhere too: precision is not this test's point).
    const clauseEnd = mia.indexOf('.');
    expect(out.fired.some((f) => f.span.end <= clauseEnd)).toBe(true);

    await run([
      'report',
      '--out',
      join(dir, 'report.html'),
      '--sae-metrics',
      join(dir, 'sae/metrics.json'),
      '--candidates',
      join(dir, 'mine/candidates.json'),
      '--evaluation',
      join(dir, 'eval/evaluation-details.json'),
      '--rules',
      join(dir, 'rules.json'),
    ]);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
    // The exported rules with their evidence, and the run's settings.
    expect(html).toContain(`Rules exported (${rules.rules.length})`);
    for (const r of rules.rules as { id: string }[]) expect(html).toContain(`<td>${r.id}</td>`);
    expect(html).toContain('Run settings');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
