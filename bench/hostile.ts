// npm run bench hostile: what one hostile request body costs (issue 20).
//   1. the JSON splice, ms per MiB: a worst-case body (many strings beside many duplicate keys)
//      beside a plain one of the same size (distinct keys), JSON.parse of each for scale;
//   2. the SSE relay, ms per MiB: large events (8 MiB of lines, one 4 MiB line) in 16 KiB
//      chunks beside the same bytes as small events;
//   3. through real servers (in this process, default body limit, detection in the worker pool;
//      bodies read by the worker-thread parse pool, or on the request thread; the default budget,
//      or 10 s so the whole pass runs): while one body of about 7 MiB is processed, /healthz
//      answer times (p50, max)
//      and the longest gap in another client's SSE stream (one event every 10 ms), for a plain
//      body, the duplicate-key body and 200,000 short user messages. Medians over the rounds.
// Server and clients share this process's event loop, so a stall of the server shows in both.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spliceJson } from '../src/core/http/json-splice.ts';
import { startServer, type RunningServer } from '../src/runtime/node/index.ts';
import { relay } from '../src/core/proxy/stream.ts';
import { median } from './lib/stats.ts';
import { printTable } from './lib/table.ts';

const MiB = 1024 * 1024;

function keyed(bytes: number, duplicate: boolean): string {
  // A unit is a string and a member: 9 bytes with a duplicate key, about 16 with distinct ones.
  const n = Math.floor(bytes / (duplicate ? 9 : 16));
  const strings = Array.from({ length: n }, () => '"s"').join(',');
  const members = Array.from({ length: n }, (_, i) => (duplicate ? '"d":1' : `"d${i}":1`)).join(',');
  return `{"model":"m","messages":[{"role":"user","content":"she sold half as many clips"}],"x":[${strings}],${members}}`;
}

function messages(n: number, role: string): string {
  return JSON.stringify({ model: 'm', messages: Array.from({ length: n }, (_, i) => ({ role, content: `q ${i}` })) });
}

function time(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/** An upstream: chat JSON for POSTs, an SSE stream of `events` events 10 ms apart for `"stream":true`. */
async function upstream(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (body.includes('"stream":true')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        const t = setInterval(() => {
          if (i++ >= 300 || res.destroyed) {
            clearInterval(t);
            res.end('data: [DONE]\n\n');
            return;
          }
          res.write(`data: {"choices":[{"index":0,"delta":{"content":"${i}"}}]}\n\n`);
        }, 10);
        return;
      }
      const out = '{"id":"x","object":"chat.completion","choices":[]}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

/** ms to relay `bytes` (as upstream chunks of `size`) through the SSE relay to its end. */
async function relayTime(bytes: Uint8Array, size: number): Promise<number> {
  let at = 0;
  const upstream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, (at += size)));
    },
  });
  const t0 = performance.now();
  const reader = relay(upstream, { sse: true, idleMs: 0 }).getReader();
  while (!(await reader.read()).done);
  return performance.now() - t0;
}

/** One body through the server at `url` while /healthz is polled and another client's stream runs. */
async function underLoad(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ ms: number; healthMax: number; healthP50: number; gap: number; status: string }> {
  // Another client's stream, started first and running throughout.
  const stream = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const reader = stream.body!.getReader();
  let last = performance.now();
  let gap = 0;
  let measuring = true;
  const reading = (async () => {
    for (;;) {
      const { done } = await reader.read();
      const t = performance.now();
      if (measuring) gap = Math.max(gap, t - last);
      last = t;
      if (done) return;
    }
  })();
  await new Promise((res) => setTimeout(res, 50));
  let done = false;
  const health: number[] = [];
  const polling = (async () => {
    for (let i = 0; i < 10_000 && !done; i++) {
      const t0 = performance.now();
      await (await fetch(`${url}/healthz`)).arrayBuffer();
      health.push(performance.now() - t0);
    }
  })();
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  const status = res.headers.get('x-gloss-status') ?? String(res.status);
  done = true;
  measuring = false;
  await polling;
  await reader.cancel();
  await reading.catch(() => {});
  return { ms, healthMax: Math.max(0, ...health), healthP50: median(health), gap, status };
}

export async function benchHostile(rounds: number): Promise<void> {
  // 1. the splice alone
  const plain1 = keyed(MiB, false);
  const dup1 = keyed(MiB, true);
  const edit = [{ path: ['messages', 0, 'content'], value: 'glossed' }];
  const rows: (string | number)[][] = [];
  for (const [name, text] of [
    ['plain (distinct keys)', plain1],
    ['worst case (duplicate keys)', dup1],
  ] as const) {
    const mib = text.length / MiB;
    const splice: number[] = [];
    const parse: number[] = [];
    for (let r = 0; r < rounds; r++) {
      splice.push(time(() => spliceJson(text, edit)) / mib);
      parse.push(time(() => JSON.parse(text)) / mib);
    }
    rows.push([name, median(splice), median(parse)]);
  }
  printTable('JSON splice, ms per MiB (median)', ['body', 'spliceJson', 'JSON.parse (for scale)'], rows);

  // 2. the SSE relay: one large event in small chunks beside the same bytes as small events
  const sse: (string | number)[][] = [];
  const chunk = 16 * 1024;
  for (const [name, text] of [
    ['small events (100 B each)', `data: ${'x'.repeat(92)}\n\n`.repeat((8 * MiB) / 100)],
    ['one 8 MiB event (many lines)', `data: ${'x'.repeat(93)}\n`.repeat((8 * MiB) / 100) + '\n'],
    ['one 4 MiB event (one line)', `data: ${'x'.repeat(4 * MiB)}\n\n`],
  ] as const) {
    const bytes = new TextEncoder().encode(text);
    const ms: number[] = [];
    for (let r = 0; r < Math.min(rounds, 10); r++) ms.push((await relayTime(bytes, chunk)) / (bytes.length / MiB));
    sse.push([name, median(ms)]);
  }
  printTable(`SSE relay, ${chunk / 1024} KiB upstream chunks, ms per MiB (median)`, ['stream', 'relay'], sse);

  // 3. through a server: bodies read off the request thread (the default) beside in-thread
  const dir = await mkdtemp(join(tmpdir(), 'gloss-bench-hostile-'));
  const { writeKnownBundle } = await import('../test/helpers/known-bundle.ts');
  await writeKnownBundle(join(dir, 'b'));
  const up = await upstream();
  const servers: [string, RunningServer][] = [];
  try {
    // The default budget (50 ms) cuts a 7 MiB body's read short; with 10 s the whole pass runs
    // (the walk over 200k turns, the cache lookups, the splice), paced on the request thread.
    for (const [name, parseThreads, budgetMs] of [
      ['off-thread read, default budget', undefined, undefined],
      ['in-thread read, default budget', 0, undefined],
      ['off-thread read, 10 s budget', undefined, 10_000],
      ['in-thread read, 10 s budget', 0, 10_000],
    ] as const)
      servers.push([
        name,
        await startServer({
          bundle: join(dir, 'b'),
          port: 0,
          parseThreads,
          proxy: { upstreams: { openai: up.url }, retries: 0, budgetMs },
        }),
      ]);
    const size = 7 * MiB;
    const plain = keyed(size, false);
    const bodies: [string, string, Record<string, string>?][] = [
      ['plain, x-gloss: off (transport only)', plain, { 'x-gloss': 'off' }],
      ['plain (distinct keys)', plain],
      ['duplicate keys', keyed(size, true)],
      ['200k assistant turns (not scanned)', messages(200_000, 'assistant')],
      ['200k user turns', messages(200_000, 'user')],
    ];
    const out: (string | number)[][] = [];
    const few = Math.max(1, Math.min(rounds, 5));
    for (const [name, body, headers] of bodies) {
      for (const [how, s] of servers) {
        const seen = new Set<string>();
        const m = { health: [] as number[], p50: [] as number[], gaps: [] as number[], total: [] as number[] };
        for (let r = 0; r < few; r++) {
          const one = await underLoad(s.url, body, headers);
          m.health.push(one.healthMax);
          m.p50.push(one.healthP50);
          m.gaps.push(one.gap);
          m.total.push(one.ms);
          seen.add(one.status);
        }
        out.push([
          name,
          (body.length / MiB).toFixed(1),
          how,
          median(m.total),
          median(m.p50),
          median(m.health),
          median(m.gaps),
          [...seen].join(' '),
        ]);
      }
    }
    printTable(
      `One body through the server while /healthz is polled and another stream runs (median of ${few}, ms)`,
      ['body', 'MiB', 'server', 'request', '/healthz p50', '/healthz max', 'other stream max gap', 'x-gloss-status'],
      out,
    );
  } finally {
    for (const [, s] of servers) await s.close();
    await new Promise<void>((r) => {
      up.server.closeAllConnections();
      up.server.close(() => r());
    });
    await rm(dir, { recursive: true, force: true });
  }
}
