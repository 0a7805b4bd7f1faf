// The uplift A/B harness against fake upstreams, with Gloss's real engine (the known-answer
// bundle on onnxruntime-node) as the rewriter: a fake that rewards glosses must show a significant
// gain, fakes that ignore them must not, and without an endpoint it says so plainly.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeLlm, type FakeLlm, type FakeRequest } from '../helpers/fake-llm.ts';
import { writeKnownBundle } from '../helpers/known-bundle.ts';
import { loadBundle } from '../../src/core/bundle/load.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { GlossEngine } from '../../src/core/engine/engine.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';
import { stripGlosses } from '../../src/core/rewrite/text.ts';
import { runUplift, formatUpliftReport, NO_ENDPOINT_UPLIFT } from '../../offline-training/evaluate/uplift.ts';
import { runUpliftCli } from '../../offline-training/commands/llm-cli.ts';
import { vi } from 'vitest';

const N = 40;
let fake: FakeLlm;
let dir: string;
let tasks: string;
let rewrite: (p: string) => Promise<string>;
const gold = (i: number) => 48 + i;

/**
 * Tasks 0..39; three in five say "half as many" (the known bundle glosses "half"). The texts keep
 * to the known bundle's vocabulary; the template puts the task id in front ("[t7] ...") so the
 * fake knows which task it is answering.
 */
function question(i: number): string {
  return i % 5 < 3
    ? 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did she sell altogether?'
    : 'Tom has 12 apples. How many apples did Tom sell?';
}
const TEMPLATE = '[{id}] {prompt}\n\nGive the final answer on the last line as "#### <number>".';

const idx = (r: FakeRequest) => Number(/^\[t(\d+)\]/.exec(r.prompt)![1]);
const right = (i: number) => `Step by step...\n#### ${gold(i)}`;
const wrong = (i: number) => `Step by step...\n#### ${gold(i) + 24}`;

/** Right whenever the prompt carries a gloss; without one, right only on every third task. */
const rewarding = (r: FakeRequest) => (r.prompt.includes('⟦gloss') || idx(r) % 3 === 0 ? right(idx(r)) : wrong(idx(r)));
/** Ignores glosses: the same answer either way, right on a fixed half. */
const ignoring = (r: FakeRequest) => (idx(r) % 2 === 0 ? right(idx(r)) : wrong(idx(r)));
/** Ignores what glosses say but is noisy: a hash of the whole prompt decides (a coin per prompt). */
const noisy = (r: FakeRequest) => {
  let h = 2166136261;
  for (const ch of r.prompt) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0; // mix: FNV's low bit alone is a parity
  return (h >>> 16) % 2 === 0 ? right(idx(r)) : wrong(idx(r));
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-uplift-'));
  await writeKnownBundle(join(dir, 'bundle'));
  const engine = await GlossEngine.create(await loadBundle(folderSource(join(dir, 'bundle'))), ortNodeBackend());
  rewrite = async (p) => (await engine.rewrite(p)).rewritten;
  tasks = join(dir, 'tasks.jsonl');
  await writeFile(
    tasks,
    Array.from({ length: N }, (_, i) =>
      JSON.stringify({ id: `t${i}`, question: question(i), answer: `#### ${gold(i)}` }),
    ).join('\n') + '\n',
  );
  fake = await startFakeLlm(rewarding);
});
afterAll(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

const base = () => ({
  tasks,
  baseUrl: fake.baseUrl,
  model: 'fake-1',
  rewrite,
  taskType: 'gsm8k' as const,
  promptTemplate: TEMPLATE,
  concurrency: 4,
  seed: 1,
  env: {},
  backoffMs: 5,
});

describe('uplift A/B harness', () => {
  it('finds a significant gain when the upstream answers right only with a gloss', async () => {
    fake.setHandler(rewarding);
    const out = join(dir, 'pairs.jsonl');
    const r = await runUplift({ ...base(), out });
    expect(r).toMatchObject({ tasks: N, glossedTasks: 24, errors: 0 });
    expect(fake.count).toBe(2 * N);
    expect(fake.maxInFlight).toBeLessThanOrEqual(4);
    // Glossed tasks: right with the gloss; without it right on i % 3 == 0 (8 of 24).
    expect(r.glossed).toMatchObject({ n: 24, b: 0, c: 16, correctOriginal: 8, correctRewritten: 24 });
    expect(r.glossed.mcnemar.exactP).toBeCloseTo(2 * 0.5 ** 16, 12);
    expect(r.all).toMatchObject({ n: N, b: 0, c: 16 });
    expect(r.all.mcnemar.exactP).toBeLessThan(0.05);
    expect(r.all.mcnemar.chi2P).toBeLessThan(0.05);
    expect(r.all.bootstrap.lo).toBeGreaterThan(0);
    expect(r.all.difference).toBeCloseTo(16 / 40, 12);
    // The rewritten prompts really are Gloss's: inline markers after "half", removable exactly.
    const row = r.rows.find((x) => x.id === 't0')!;
    expect(fake.requests.find((q) => idx(q) === 0 && q.prompt.includes('⟦gloss'))!.prompt).toMatch(
      /^\[t0\] Natalia sold .*half ⟦gloss: .*⟧ as many.*\n\nGive the final answer/s,
    );
    expect(row.rewrittenPrompt).toContain('half ⟦gloss: "half" means one half of the amount mentioned before⟧ as many');
    expect(stripGlosses(row.rewrittenPrompt)).toBe(row.prompt);
    expect(r.rows.find((x) => x.id === 't3')!.glossed).toBe(false);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(N);
    // The report prints the numbers.
    expect(formatUpliftReport(r)).toMatch(/glossed tasks \(n=24\): original 33\.3% \(8\), glossed 100\.0% \(24\)/);
  });

  it('finds no gain when the upstream ignores glosses', async () => {
    fake.setHandler(ignoring);
    const r = await runUplift(base());
    expect(r.all).toMatchObject({ n: N, b: 0, c: 0, correctOriginal: 20, correctRewritten: 20 });
    expect(r.all.mcnemar.exactP).toBe(1);
    expect(r.all.bootstrap).toMatchObject({ lo: 0, hi: 0 });
  });

  it('finds no gain when the upstream is noisy but gloss-blind', async () => {
    fake.setHandler(noisy);
    const r = await runUplift(base());
    expect(r.glossed.b + r.glossed.c).toBeGreaterThan(4); // the coins do differ
    expect(r.glossed.mcnemar.exactP).toBeGreaterThan(0.05);
    expect(r.all.mcnemar.exactP).toBeGreaterThan(0.05);
    expect(r.all.bootstrap.lo).toBeLessThanOrEqual(0);
    expect(r.all.bootstrap.hi).toBeGreaterThanOrEqual(0);
  });

  it('reuses the original answer for unchanged prompts when asked, and leaves failed tasks out', async () => {
    fake.setHandler((req) => (idx(req) === 5 ? { status: 400, error: 'content filter triggered' } : rewarding(req)));
    const r = await runUplift({ ...base(), reuseUnchanged: true, limit: 10 });
    expect(r.tasks).toBe(10);
    expect(r.errors).toBe(1);
    expect(r.errorSamples[0]).toMatchObject({ id: 't5' });
    expect(r.errorSamples[0].message).toMatch(/HTTP 400.*content filter triggered/);
    expect(r.all.n).toBe(9);
    // 6 glossed tasks ask twice, 4 unchanged once (t5, a glossed one, failed on its first request).
    expect(fake.count).toBeLessThanOrEqual(6 * 2 + 4);
    expect(fake.count).toBeGreaterThanOrEqual(5 * 2 + 4 + 1);
  });

  it('the CLI body loads the bundle as the rewriter and writes the JSON report', async () => {
    fake.setHandler(rewarding);
    const json = join(dir, 'report.json');
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((m: string) => void logs.push(m));
    try {
      await runUpliftCli({
        tasks,
        bundle: join(dir, 'bundle'),
        baseUrl: fake.baseUrl,
        model: 'fake-1',
        promptTemplate: TEMPLATE,
        limit: 10,
        seed: 3,
        bootstrap: 500,
        json,
      });
    } finally {
      spy.mockRestore();
    }
    expect(logs.join('\n')).toMatch(/^uplift of fake-1 on 10 gsm8k tasks; the rewrite changed 6; errors 0/);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.glossed).toMatchObject({ n: 6, b: 0, c: 4 });
    expect(report.rows[0]).toMatchObject({ id: 't0', glossed: true, originalCorrect: true, rewrittenCorrect: true });
  });

  it('says plainly that uplift cannot be measured without an endpoint', async () => {
    const err = await runUplift({ tasks, rewrite, env: {} }).catch((e) => e);
    expect(err.message.startsWith(`${NO_ENDPOINT_UPLIFT}.`)).toBe(true);
    expect(err.message).toBe(
      'no LLM endpoint configured: uplift cannot be measured here. Configure one with --base-url and --model (or GLOSS_LLM_BASE_URL and GLOSS_LLM_MODEL); the API key is read from OPENAI_API_KEY or the variable named by --api-key-env.',
    );
    expect(fake.count).toBe(0);
  });
});
