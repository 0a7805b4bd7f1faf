// npm run bench hostile: what one hostile request body costs (issue 20).
//   1. the JSON splice, ms per MiB: a worst-case body (many strings beside many duplicate keys)
//      beside a plain one of the same size (distinct keys), JSON.parse of each for scale;
//   2. through a real server (in this process, default budget and body limit, detection in the
//      worker pool): while one body of about 7 MiB is processed, the longest /healthz answer
//      and the longest gap in another client's SSE stream (one event every 10 ms), for a plain
//      body, the duplicate-key body and 200,000 short user messages. Medians over the rounds.
// Server and clients share this process's event loop, so a stall of the server shows in both.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spliceJson } from '../src/core/http/json-splice.ts';
import { startServer } from '../src/runtime/node/index.ts';
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

  // 2. through a server
  const dir = await mkdtemp(join(tmpdir(), 'gloss-bench-hostile-'));
  const { writeKnownBundle } = await import('../test/helpers/known-bundle.ts');
  await writeKnownBundle(join(dir, 'b'));
  const up = await upstream();
  const s = await startServer({
    bundle: join(dir, 'b'),
    port: 0,
    proxy: { upstreams: { openai: up.url }, retries: 0 },
  });
  try {
    const size = 7 * MiB;
    const bodies: [string, string][] = [
      ['plain (distinct keys)', keyed(size, false)],
      ['duplicate keys', keyed(size, true)],
      ['200k assistant turns (not scanned)', messages(200_000, 'assistant')],
      ['200k user turns', messages(200_000, 'user')],
    ];
    const out: (string | number)[][] = [];
    const few = Math.max(1, Math.min(rounds, 5));
    for (const [name, body] of bodies) {
      const health: number[] = [];
      const gaps: number[] = [];
      const total: number[] = [];
      const statuses = new Set<string>();
      for (let r = 0; r < few; r++) {
        // Another client's stream, started first and running throughout.
        const stream = await fetch(`${s.url}/v1/chat/completions`, {
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
        let worst = 0;
        const polling = (async () => {
          for (let i = 0; i < 10_000 && !done; i++) {
            const t0 = performance.now();
            await (await fetch(`${s.url}/healthz`)).arrayBuffer();
            worst = Math.max(worst, performance.now() - t0);
          }
        })();
        const t0 = performance.now();
        const res = await fetch(`${s.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await res.arrayBuffer();
        total.push(performance.now() - t0);
        statuses.add(res.headers.get('x-gloss-status') ?? String(res.status));
        done = true;
        measuring = false;
        await polling;
        await reader.cancel();
        await reading.catch(() => {});
        health.push(worst);
        gaps.push(gap);
      }
      out.push([
        name,
        (body.length / MiB).toFixed(1),
        median(total),
        median(health),
        median(gaps),
        [...statuses].join(' '),
      ]);
    }
    printTable(
      `One body through the server while /healthz is polled and another stream runs (median of ${few}, ms)`,
      ['body', 'MiB', 'request', '/healthz max', 'other stream max gap', 'x-gloss-status'],
      out,
    );
  } finally {
    await s.close();
    await new Promise<void>((r) => {
      up.server.closeAllConnections();
      up.server.close(() => r());
    });
    await rm(dir, { recursive: true, force: true });
  }
}
