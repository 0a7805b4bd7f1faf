// Issue 20, item 5 on the Worker path: the Gloss Worker (its real entry, built as wrangler would,
// the known-answer bundle packed in) runs in workerd through miniflare, in front of a real upstream
// on loopback that answers with each content-encoding. workerd's fetch decodes a lone gzip or br
// and nothing else (zstd, deflate zlib-wrapped or raw, x-gzip, lists arrive as sent), so the
// client, read raw with node:http (which decodes nothing), must get either the decoded body
// without content-encoding, or the upstream's header with its bytes untouched: never encoded
// bytes without their header, never a header over decoded bytes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { writeKnownBundle } from '../helpers/known-bundle.ts';
import { buildAppWorker } from '../workers/app-build.ts';
import { chatCompletion, startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';

const ANSWER = Buffer.from(chatCompletion('encoded answer'));
const zstd = (zlib as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync;

/** A content-encoding case: its name, the header sent, the upstream's bytes, and whether workerd hands it over decoded. */
type Case = [name: string, header: string, encode: (b: Buffer) => Buffer, decodedByWorkerd: boolean];

const ENCODINGS: Case[] = [
  ['gzip', 'gzip', (b) => zlib.gzipSync(b), true],
  ['br', 'br', (b) => zlib.brotliCompressSync(b), true],
  ['deflate (zlib)', 'deflate', (b) => zlib.deflateSync(b), false],
  ['deflate (raw)', 'deflate', (b) => zlib.deflateRawSync(b), false],
  ['x-gzip', 'x-gzip', (b) => zlib.gzipSync(b), false],
  ['gzip, br', 'gzip, br', (b) => zlib.brotliCompressSync(zlib.gzipSync(b)), false],
];
// zstd where this Node can make it (22.15 and later).
if (zstd) ENCODINGS.push(['zstd', 'zstd', (b) => zstd(b), false]);

let dir: string;
let raw: RawUpstream;
let mf: Miniflare;
let origin: URL;
const sent = new Map<string, Buffer>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-workerd-enc-'));
  raw = await startRawUpstream((hit, res) => {
    const name = String(hit.headers['x-test-encoding']);
    const e = ENCODINGS.find(([n]) => n === name)!;
    const body = e[2](ANSWER);
    sent.set(name, body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': e[1], 'content-length': body.length });
    res.end(body);
  });
  await writeKnownBundle(join(dir, 'bundle'));
  const built = await buildAppWorker(join(dir, 'bundle'), join(dir, 'app'));
  mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: built.modules as never,
      modulesRoot: built.dir,
      compatibilityDate: '2026-10-01',
      compatibilityFlags: ['nodejs_compat'],
      bindings: { GLOSS_LOG: 'off', GLOSS_UPSTREAM_OPENAI_URL: `${raw.origin}/v1`, GLOSS_BUDGET_MS: '60000' },
    }),
  );
  origin = await mf.ready;
}, 300_000);
afterAll(async () => {
  await mf?.dispose();
  await raw?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** POSTs a chat request to the Worker and reads the answer raw: status, headers and bytes as they came. */
function post(
  encoding: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const body = JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hello' }] });
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/v1/chat/completions', origin),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-encoding': 'identity', 'x-test-encoding': encoding },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('issue 20 item 5: response encodings through the Gloss Worker in workerd', () => {
  it.each(ENCODINGS)(
    '%s: decoded without its header, or its header with the bytes untouched',
    async (name, header, _e, decoded) => {
      const res = await post(name);
      expect(res.status).toBe(200);
      expect(res.headers['x-gloss-status']).toBeDefined();
      if (decoded) {
        expect(res.headers['content-encoding']).toBeUndefined();
        expect(res.body.equals(ANSWER)).toBe(true);
      } else {
        expect(res.headers['content-encoding']).toBe(header);
        expect(res.body.equals(sent.get(name)!)).toBe(true);
      }
    },
  );
});
