// gloss-train outcomes against a fake OpenAI-compatible upstream (a real HTTP server on 127.0.0.1):
// scoring, retries (429 with retry-after, 5xx, dropped connections, timeouts), no retry on 400,
// resume after an interruption, the concurrency cap; and readOutcomes on both outcome formats.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { mkdtemp, writeFile, readFile, appendFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeLlm, type FakeLlm, type FakeRequest } from '../helpers/fake-llm.ts';
import { runOutcomes, formatOutcomesSummary, type OutcomeRow } from '../../offline-training/llm/outcomes.ts';
import { readOutcomes, modelAccuracy, outcomeModels } from '../../offline-training/llm/outcomes-format.ts';
import { ChatClient, LlmError, chatCompletionsUrl, retryAfterMs } from '../../offline-training/llm/client.ts';
import { runUpliftCli } from '../../offline-training/commands/llm-cli.ts';
import { addOutcomesCommand } from '../../offline-training/commands/outcomes.ts';
import { Command } from 'commander';
import { vi } from 'vitest';

const KEY = 'sk-test-very-secret-key';
const ENV = { OPENAI_API_KEY: KEY };
let fake: FakeLlm;
let dir: string;

/** GSM8K-style tasks: "Task i: ..." with gold 3*i+1. */
async function writeTasks(name: string, n: number): Promise<string> {
  const rows = Array.from({ length: n }, (_, i) => ({
    question: `Task ${i}: Natalia sold ${i} clips and then 2i+1 more. How many?`,
    answer: `She sold ${i} + ${2 * i + 1} = <<${i}+${2 * i + 1}=${3 * i + 1}>>${3 * i + 1}\n#### ${(3 * i + 1).toLocaleString('en-US')}`,
  }));
  const file = join(dir, name);
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

const taskIndex = (r: FakeRequest) => Number(/Task (\d+):/.exec(r.prompt)![1]);
/** Right on even tasks, one off on odd ones. */
const evenRight = (r: FakeRequest) => {
  const i = taskIndex(r);
  return `Let me think step by step.\n${i} + ${2 * i + 1} = ${3 * i + 1}.\n#### ${i % 2 === 0 ? 3 * i + 1 : 3 * i + 2}`;
};

async function readRows(file: string): Promise<OutcomeRow[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const base = () => ({ baseUrl: fake.baseUrl, model: 'fake-1', env: ENV, backoffMs: 5 });

beforeAll(async () => {
  fake = await startFakeLlm(evenRight);
  dir = await mkdtemp(join(tmpdir(), 'gloss-outcomes-'));
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await fake.idle(); // slow replies a client timed out on must not count in the next test
  fake.setHandler(evenRight);
  fake.reset();
});

describe('gloss-train outcomes', () => {
  it('asks every task, scores the answers and appends one row per task', async () => {
    const tasks = await writeTasks('t1.jsonl', 12);
    const out = join(dir, 'o1.jsonl');
    const progress: number[] = [];
    const s = await runOutcomes({ ...base(), tasks, out, concurrency: 3, onProgress: (p) => progress.push(p.done) });
    expect(s).toMatchObject({ total: 12, n: 12, correct: 6, accuracy: 0.5, errors: 0, skipped: 0, taskType: 'gsm8k' });
    expect(progress.at(-1)).toBe(12);
    const rows = await readRows(out);
    expect(rows).toHaveLength(12);
    const r0 = rows.find((r) => r.id === 't1:0')!;
    expect(r0).toMatchObject({ task: 'gsm8k', gold: 1, outcomes: [{ model: 'fake-1', correct: true, answer: 1 }] });
    expect(r0.prompt).toMatch(/^Task 0: Natalia/);
    expect(r0.outcomes[0].raw).toContain('#### 1');
    const r3 = rows.find((r) => r.id === 't1:3')!;
    expect(r3.outcomes[0]).toMatchObject({ correct: false, answer: 11 });
    // The request: model, temperature 0, the default template, the key as a bearer token.
    const req = fake.requests[0];
    expect(req.body).toMatchObject({ model: 'fake-1', temperature: 0 });
    expect(req.prompt).toContain('"#### <number>"');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(formatOutcomesSummary(s)).toContain('accuracy this run: 50.0% (6/12)');
  });

  it('retries a 429 after the retry-after the upstream asks for, not the backoff', async () => {
    const tasks = await writeTasks('t429.jsonl', 2);
    const seen = new Map<number, number[]>();
    fake.setHandler((r) => {
      const i = taskIndex(r);
      const times = seen.get(i) ?? [];
      times.push(Date.now());
      seen.set(i, times);
      if (times.length === 1)
        return { status: 429, error: 'Rate limit reached for requests', headers: { 'retry-after': '0.25' } };
      return evenRight(r);
    });
    // A 20 s backoff step: only honouring retry-after keeps this test fast.
    const s = await runOutcomes({ ...base(), backoffMs: 20_000, tasks, out: join(dir, 'o429.jsonl') });
    expect(s).toMatchObject({ n: 2, errors: 0 });
    for (const times of seen.values()) {
      expect(times).toHaveLength(2);
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(240);
      expect(times[1] - times[0]).toBeLessThan(5000);
    }
  });

  it('retries 500 twice then succeeds; gives up when the retries run out', async () => {
    const tasks = await writeTasks('t500.jsonl', 1);
    let calls = 0;
    fake.setHandler((r) =>
      ++calls <= 2 ? { status: 500, error: 'The server had an error while processing your request' } : evenRight(r),
    );
    const s = await runOutcomes({ ...base(), retries: 2, tasks, out: join(dir, 'o500.jsonl') });
    expect(s).toMatchObject({ n: 1, correct: 1, errors: 0 });
    expect(calls).toBe(3);

    calls = 0;
    const out = join(dir, 'o500b.jsonl');
    const t = await runOutcomes({ ...base(), retries: 1, tasks, out });
    expect(calls).toBe(2);
    expect(t).toMatchObject({ n: 0, errors: 1 });
    expect(t.errorSamples[0].message).toMatch(/HTTP 500 .*The server had an error.*gave up after 2 attempts/);
    expect(existsSync(out) ? await readRows(out) : []).toEqual([]);
  });

  it('retries dropped connections and timeouts', async () => {
    const tasks = await writeTasks('tconn.jsonl', 1);
    let calls = 0;
    fake.setHandler((r) =>
      ++calls === 1 ? { destroy: true } : calls === 2 ? { delayMs: 400, content: '#### 0' } : evenRight(r),
    );
    const s = await runOutcomes({ ...base(), timeoutMs: 150, retries: 3, tasks, out: join(dir, 'oconn.jsonl') });
    expect(s).toMatchObject({ n: 1, correct: 1, errors: 0 });
    expect(calls).toBe(3);

    fake.setHandler(() => ({ delayMs: 400, content: '#### 1' }));
    const t = await runOutcomes({ ...base(), timeoutMs: 100, retries: 0, tasks, out: join(dir, 'oconn2.jsonl') });
    expect(t.errors).toBe(1);
    expect(t.errorSamples[0].message).toContain('timed out after 100 ms');
  });

  it('does not retry a 400: the task is counted as an error, not written, and retried on rerun', async () => {
    const tasks = await writeTasks('t400.jsonl', 5);
    const out = join(dir, 'o400.jsonl');
    const perTask = new Map<number, number>();
    fake.setHandler((r) => {
      const i = taskIndex(r);
      perTask.set(i, (perTask.get(i) ?? 0) + 1);
      if (i === 3) return { status: 400, error: "This model's maximum context length is 4097 tokens" };
      return evenRight(r);
    });
    const s = await runOutcomes({ ...base(), tasks, out });
    expect(perTask.get(3)).toBe(1);
    expect(s).toMatchObject({ n: 4, errors: 1 });
    expect(s.errorSamples[0].id).toBe('t400:3');
    expect(s.errorSamples[0].message).toMatch(/HTTP 400.*maximum context length is 4097 tokens/);
    expect(s.errorSamples[0].message).not.toContain(KEY);
    expect((await readRows(out)).map((r) => r.id).sort()).toEqual(['t400:0', 't400:1', 't400:2', 't400:4']);

    fake.setHandler(evenRight);
    fake.reset();
    const again = await runOutcomes({ ...base(), tasks, out });
    expect(again).toMatchObject({ skipped: 4, n: 1, errors: 0 });
    expect(fake.count).toBe(1);
    expect(again.overall).toMatchObject({ n: 5, correct: 3 });
  });

  it('stops at once on 401 with a clear message, and a rerun resumes where it stopped', async () => {
    const tasks = await writeTasks('tresume.jsonl', 20);
    const out = join(dir, 'oresume.jsonl');
    let calls = 0;
    fake.setHandler((r) => (++calls > 7 ? { status: 401, error: 'Incorrect API key provided' } : evenRight(r)));
    const err = await runOutcomes({ ...base(), concurrency: 2, tasks, out }).catch((e) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err.message).toMatch(/HTTP 401.*Incorrect API key provided.*OPENAI_API_KEY/);
    expect(err.message).not.toContain(KEY);
    expect(calls).toBeLessThan(12); // stopped taking tasks
    const first = await readRows(out);
    expect(first).toHaveLength(7);
    // A crash mid-append leaves a partial line behind.
    await appendFile(out, '{"id":"tresume:99","prompt":"Task 99: Nat');

    fake.setHandler(evenRight);
    fake.reset();
    const s = await runOutcomes({ ...base(), concurrency: 2, tasks, out });
    expect(s).toMatchObject({ skipped: 7, n: 13, errors: 0, droppedPartialLine: true, unreadableLines: 0 });
    expect(fake.count).toBe(13);
    const asked = new Set(fake.requests.map(taskIndex));
    for (const r of first) expect(asked.has(Number(r.id.split(':')[1]))).toBe(false);
    // The partial line was cut off before appending: every line is a whole row, each id once.
    const all = await readRows(out);
    expect(all).toHaveLength(20);
    expect(new Set(all.map((r) => r.id)).size).toBe(20);
    const rows = await readOutcomes(out);
    expect(rows).toHaveLength(20);
    expect(modelAccuracy(rows, 'fake-1')).toMatchObject({ n: 20, correct: 10 });
  });

  it('a second model in the same file is asked everything and merged by id', async () => {
    const tasks = await writeTasks('tmulti.jsonl', 4);
    const out = join(dir, 'omulti.jsonl');
    await runOutcomes({ ...base(), tasks, out });
    fake.setHandler((r) => `#### ${3 * taskIndex(r) + 1}`);
    const s = await runOutcomes({ ...base(), model: 'fake-2', tasks, out });
    expect(s).toMatchObject({ skipped: 0, n: 4, correct: 4 });
    const rows = await readOutcomes(out, { target: 'fake-2' });
    expect(rows).toHaveLength(4);
    expect(outcomeModels(rows)).toEqual(['fake-1', 'fake-2']);
    expect(rows.every((r) => r.failure === false)).toBe(true);
    expect((await readOutcomes(out, { target: 'fake-1' })).filter((r) => r.failure)).toHaveLength(2);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const tasks = await writeTasks('tconc.jsonl', 15);
    fake.setHandler((r) => ({ delayMs: 30, content: evenRight(r) }));
    const s = await runOutcomes({ ...base(), concurrency: 3, tasks, out: join(dir, 'oconc.jsonl') });
    expect(s.n).toBe(15);
    expect(fake.maxInFlight).toBeLessThanOrEqual(3);
    expect(fake.maxInFlight).toBeGreaterThanOrEqual(2);
  });

  it('scores yes/no tasks (metaphor rows with sentence, verb, label)', async () => {
    const file = join(dir, 'moh.jsonl');
    const rows = [
      { sentence: 'He absorbed the knowledge of his tribe .', verb: 'absorb', label: 1 },
      { sentence: 'The sponge absorbed the water .', verb: 'absorb', label: 0 },
      { sentence: 'She attacked the problem .', verb: 'attack', label: 1 },
    ];
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    fake.setHandler((r) =>
      r.prompt.includes('sponge') || r.prompt.includes('problem')
        ? 'The verb is used literally.\nAnswer: no'
        : 'Answer: yes',
    );
    const out = join(dir, 'omoh.jsonl');
    const s = await runOutcomes({ ...base(), tasks: file, out, concurrency: 1 });
    expect(s).toMatchObject({ taskType: 'yes-no', n: 3, correct: 2 });
    expect(fake.requests[0].prompt).toMatch(
      /^Is the verb "absorb" used metaphorically in this sentence\?\n\nHe absorbed/,
    );
    expect(fake.requests[0].prompt).toContain('"Answer: yes" or "Answer: no"');
    const got = await readRows(out);
    expect(got.find((r) => r.id === 'moh:2')!.outcomes[0]).toMatchObject({ correct: false, answer: 0 });
  });

  it('uses a custom template with row fields', async () => {
    const tasks = await writeTasks('ttpl.jsonl', 1);
    await runOutcomes({
      ...base(),
      tasks,
      out: join(dir, 'otpl.jsonl'),
      promptTemplate: 'Q: {prompt}\nGold hidden. End with "#### n".',
    });
    expect(fake.requests[0].prompt).toMatch(/^Q: Task 0:.*\nGold hidden/s);
    await expect(
      runOutcomes({ ...base(), tasks, out: join(dir, 'otpl2.jsonl'), promptTemplate: 'no placeholder' }),
    ).rejects.toThrow(/must contain \{prompt\}/);
  });

  it('fails with one plain message when no endpoint is configured', async () => {
    const tasks = await writeTasks('tnone.jsonl', 1);
    const err = await runOutcomes({ tasks, out: join(dir, 'onone.jsonl'), env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err.message).toMatch(
      /^no LLM endpoint is configured: outcomes cannot be collected\. Configure one with --base-url and --model \(or GLOSS_LLM_BASE_URL and GLOSS_LLM_MODEL\)/,
    );
    expect(fake.count).toBe(0);
    // The environment variables configure it too.
    const s = await runOutcomes({
      tasks,
      out: join(dir, 'oenv.jsonl'),
      env: { GLOSS_LLM_BASE_URL: fake.baseUrl, GLOSS_LLM_MODEL: 'env-model' },
    });
    expect(s.model).toBe('env-model');
    expect(fake.requests[0].headers.authorization).toBeUndefined();
  });
});

describe('command-line helpers', () => {
  it('`outcomes` parses its options and prints the summary', async () => {
    const tasks = await writeTasks('tcli.jsonl', 4);
    const out = join(dir, 'ocli.jsonl');
    await writeFile(join(dir, 'tpl.txt'), '{prompt}\nEnd with "#### n".');
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((m: string) => void logs.push(m));
    try {
      const program = new Command().exitOverride();
      addOutcomesCommand(program);
      await program.parseAsync(
        [
          'outcomes',
          '--tasks',
          tasks,
          '--out',
          out,
          '--base-url',
          fake.baseUrl,
          '--model',
          'cli-model',
          '--concurrency',
          '2',
          '--limit',
          '3',
          '--prompt-template',
          `@${join(dir, 'tpl.txt')}`,
        ],
        { from: 'user' },
      );
    } finally {
      spy.mockRestore();
    }
    expect(logs.join('\n')).toContain('cli-model on 3 gsm8k tasks: 3 asked now');
    expect(fake.requests[0].prompt).toMatch(/\nEnd with "#### n"\.$/);
    expect(await readRows(out)).toHaveLength(3);
  });

  it('`evaluate --uplift` says plainly when no endpoint is configured, before loading a model', async () => {
    vi.stubEnv('GLOSS_LLM_BASE_URL', '');
    vi.stubEnv('GLOSS_LLM_MODEL', '');
    try {
      await expect(runUpliftCli({ tasks: 'x.jsonl', bundle: '/nonexistent' })).rejects.toThrow(
        /^no LLM endpoint configured: uplift cannot be measured here\./,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('chat client details', () => {
  it('builds the chat completions URL from the usual base URL spellings', () => {
    expect(chatCompletionsUrl('https://api.openai.com/v1')).toBe('https://api.openai.com/v1/chat/completions');
    expect(chatCompletionsUrl('https://api.openai.com/v1/')).toBe('https://api.openai.com/v1/chat/completions');
    expect(chatCompletionsUrl('http://localhost:11434')).toBe('http://localhost:11434/v1/chat/completions');
    expect(chatCompletionsUrl('http://h/openai/v1/chat/completions')).toBe('http://h/openai/v1/chat/completions');
    expect(() => chatCompletionsUrl('localhost:8080')).toThrow(/must be http/);
    expect(() => chatCompletionsUrl('not a url')).toThrow(/not a URL/);
  });

  it('reads retry-after in seconds, as a date, and retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' }), now)).toBe(150);
    expect(retryAfterMs(new Headers({}), now)).toBeUndefined();
  });

  it('names the status and the upstream message, and never the key', async () => {
    fake.setHandler(() => ({ status: 404, error: 'The model `nope` does not exist' }));
    const c = new ChatClient({ baseUrl: fake.baseUrl, model: 'nope', env: ENV });
    const err = await c.complete('hi').catch((e) => e);
    expect(err.message).toBe(
      `LLM request to ${fake.baseUrl}/chat/completions failed: HTTP 404 Not Found: The model \`nope\` does not exist`,
    );
    expect(err.status).toBe(404);
    expect(fake.count).toBe(1);
    fake.setHandler(() => ({ rawBody: '<html>gateway</html>' }));
    await expect(c.complete('hi')).rejects.toThrow(/not JSON: <html>gateway<\/html>/);
    expect(() => new ChatClient({ baseUrl: fake.baseUrl, model: 'm', apiKeyEnv: 'MY_LLM_KEY', env: {} })).toThrow(
      /MY_LLM_KEY is not set/,
    );
    const k = new ChatClient({
      baseUrl: fake.baseUrl,
      model: 'm',
      apiKeyEnv: 'MY_LLM_KEY',
      env: { MY_LLM_KEY: 'abc' },
    });
    fake.setHandler(() => 'fine');
    expect(
      (
        await k.complete(
          [
            { role: 'system', content: 's' },
            { role: 'user', content: 'u' },
          ],
          { maxTokens: 7 },
        )
      ).content,
    ).toBe('fine');
    expect(fake.requests.at(-1)!.headers.authorization).toBe('Bearer abc');
    expect(fake.requests.at(-1)!.body).toMatchObject({
      max_tokens: 7,
      messages: [{ role: 'system' }, { role: 'user' }],
    });
  });

  it('the fake streams SSE chat.completion.chunk events when asked', async () => {
    fake.setHandler(() => 'Half as many is 24.');
    const res = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Half as many is 24.');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });
});

describe('readOutcomes', () => {
  it('reads the shared GSM8K format written here, and the target picks failures', async () => {
    const file = join(dir, 'shared-format.jsonl');
    const mk = (q: string, gt: string, a: [boolean, string], b: [boolean, string]) =>
      JSON.stringify({
        question: q,
        ground_truth: `Some work <<1+1=2>>.\nA: ${gt}`,
        '6b_finetuning': { is_correct: a[0], solution: `step\nA: ${a[1]}` },
        '175b_verification': { is_correct: b[0], solution: `step one\nstep two\nA: ${b[1]}` },
      });
    await writeFile(
      file,
      [
        mk('How many eggs?', '18', [false, '26'], [true, '18']),
        mk('How many bolts?', '3', [true, '3'], [false, '4']),
        '',
      ].join('\n'),
    );
    const rows = await readOutcomes(file);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      id: 'gsm8k-test:0',
      prompt: 'How many eggs?',
      task: 'gsm8k',
      gold: '18',
      outcomes: [
        { model: '6b_finetuning', correct: false, answer: '26' },
        { model: '175b_verification', correct: true, answer: '18' },
      ],
    });
    const t = await readOutcomes(file, { target: '175b_verification' });
    expect(t.map((r) => r.failure)).toEqual([false, true]);
    await expect(readOutcomes(file, { target: 'gpt-4' })).rejects.toThrow(
      /no outcomes for model "gpt-4"; models present: 6b_finetuning, 175b_verification/,
    );
  });

  const shared = join(process.cwd(), '..', 'shared', 'data', 'gsm8k', 'test_outcomes.jsonl');
  it.skipIf(!existsSync(shared))(`reads the real shared GSM8K outcomes (${shared})`, async () => {
    const rows = await readOutcomes(shared, { target: '175b_verification' });
    expect(rows).toHaveLength(857);
    expect(outcomeModels(rows)).toEqual(['6b_finetuning', '6b_verification', '175b_finetuning', '175b_verification']);
    const acc = modelAccuracy(rows, '175b_verification').accuracy;
    expect(acc).toBeGreaterThan(0.53);
    expect(acc).toBeLessThan(0.59);
    expect(rows.filter((r) => !r.failure).length / rows.length).toBeCloseTo(acc, 12);
    expect(rows[0]).toMatchObject({ id: 'gsm8k-test:0', gold: '18', failure: false });
    expect(rows[0].prompt).toMatch(/^Janet.s ducks lay 16 eggs/);
    expect(rows[0].outcomes.find((o) => o.model === '175b_verification')!.answer).toBe('18');
    expect(rows.every((r) => r.gold !== undefined)).toBe(true);
  });
  if (!existsSync(shared)) console.warn(`skipping the real GSM8K outcomes test: ${shared} is absent`);

  it('errors on a row in neither format', async () => {
    const file = join(dir, 'bad.jsonl');
    await writeFile(file, '{"foo": 1}\n');
    await expect(readOutcomes(file)).rejects.toThrow(/line 1: neither a Gloss outcomes row/);
  });
});
