// The GGUF reader on files the test writes itself: every metadata type, known-answer
// dequantization, and corrupt or truncated files (clear GgufErrors, never a crash or a hang).
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { GgufError, GgufFile, dequantize } from '../../offline-training/graph/llama/gguf.ts';
import { tokenizerFromGguf } from '../../offline-training/graph/llama/tokenizer.ts';
import { Tokenizer } from '@huggingface/tokenizers';
import { gpt2ByteChars } from '../../src/core/tokenizer/tokenizer.ts';
import {
  T,
  arr,
  bf16Bytes,
  bool,
  f16Bytes,
  f32,
  f32Bytes,
  f64,
  i16,
  i32,
  i64,
  i8,
  q4_0Bytes,
  q4_KBytes,
  q6_KBytes,
  q8_0Bytes,
  str,
  u16,
  u32,
  u64,
  u8,
  writeGguf,
} from '../helpers/gguf-writer.ts';

const STORIES = '../shared/models/stories260K.gguf';
if (!existsSync(STORIES))
  console.warn(
    `gguf.test.ts: the stories260K truncation test is skipped: ${STORIES} (relative to ${process.cwd()}) is absent`,
  );

function expectGgufError(f: () => unknown, pattern: RegExp) {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a GgufError').toBeInstanceOf(GgufError);
  expect((err as Error).message).toMatch(pattern);
}

describe('GGUF metadata', () => {
  it('reads every value type, nested arrays, 64-bit integers and unicode strings', () => {
    const bytes = writeGguf({
      metadata: [
        ['a.u8', u8(250)],
        ['a.i8', i8(-7)],
        ['a.u16', u16(65000)],
        ['a.i16', i16(-30000)],
        ['a.u32', u32(4294967295)],
        ['a.i32', i32(-2147483648)],
        ['a.f32', f32(0.5)],
        ['a.f64', f64(Math.PI)],
        ['a.bool', bool(true)],
        ['a.str', str('héllo ▁世界')],
        ['a.u64', u64(2n ** 40n)],
        ['a.u64big', u64(2n ** 63n + 5n)],
        ['a.i64', i64(-(2n ** 40n))],
        ['a.arr_i32', arr(T.INT32, [1, -2, 3])],
        ['a.arr_str', arr(T.STRING, ['x', '', 'zz'])],
        ['a.arr_nested', arr(T.ARRAY, [arr(T.UINT8, [1, 2]), arr(T.UINT8, [])])],
        ['a.arr_empty', arr(T.FLOAT32, [])],
      ],
    });
    const g = GgufFile.fromBytes(bytes);
    expect(g.version).toBe(3);
    expect(g.metadata).toEqual({
      'a.u8': 250,
      'a.i8': -7,
      'a.u16': 65000,
      'a.i16': -30000,
      'a.u32': 4294967295,
      'a.i32': -2147483648,
      'a.f32': 0.5,
      'a.f64': Math.PI,
      'a.bool': true,
      'a.str': 'héllo ▁世界',
      'a.u64': 2 ** 40,
      'a.u64big': 2n ** 63n + 5n,
      'a.i64': -(2 ** 40),
      'a.arr_i32': [1, -2, 3],
      'a.arr_str': ['x', '', 'zz'],
      'a.arr_nested': [[1, 2], []],
      'a.arr_empty': [],
    });
    expect(g.tensorInfos).toEqual([]);
  });

  it('honours general.alignment for the data section and tensor offsets', () => {
    for (const alignment of [8, 32, 64]) {
      const bytes = writeGguf({
        alignment,
        tensors: [
          { name: 'a', dims: [3], type: 0, data: f32Bytes([1, 2, 3]) },
          { name: 'b', dims: [2, 2], type: 0, data: f32Bytes([4, 5, 6, 7]) },
        ],
      });
      const g = GgufFile.fromBytes(bytes);
      expect(g.alignment).toBe(alignment);
      expect(g.dataOffset % alignment).toBe(0);
      expect(g.info('b').offset % alignment).toBe(0);
      expect([...g.tensor('a')]).toEqual([1, 2, 3]);
      expect([...g.tensor('b')]).toEqual([4, 5, 6, 7]);
    }
  });
});

describe('GGUF dequantization, known answers', () => {
  it('F16 and BF16', () => {
    const f16 = [0, -0, 1, -2, 0.5, 65504, 2 ** -24, 2 ** -14, 0.0999755859375, Infinity, -Infinity];
    const bf16 = [0, 1, -2, 0.5, 3.140625, -1.5e-5, 1e30, Infinity];
    const g = GgufFile.fromBytes(
      writeGguf({
        tensors: [
          { name: 'h', dims: [f16.length], type: 1, data: f16Bytes(f16) },
          { name: 'bf', dims: [bf16.length], type: 30, data: bf16Bytes(bf16) },
        ],
      }),
    );
    expect([...g.tensor('h')]).toEqual(f16);
    const bf = g.tensor('bf');
    bf16.forEach((v, i) => expect(bf[i]).toBeCloseTo(v, Number.isFinite(v) && Math.abs(v) < 1e3 ? 6 : -30));
    expect(bf[0]).toBe(0);
    expect(bf[4]).toBe(3.140625); // exactly representable in bf16
  });

  it('Q8_0: blocks of 32 int8 with an f16 scale', () => {
    const qs1 = Array.from({ length: 32 }, (_, j) => j * 8 - 128); // -128 .. 120
    const qs2 = Array.from({ length: 32 }, (_, j) => (j % 2 ? 127 : -(j + 1)));
    const g = GgufFile.fromBytes(
      writeGguf({
        tensors: [
          {
            name: 'q',
            dims: [32, 2],
            type: 8,
            data: q8_0Bytes([
              { d: 0.5, qs: qs1 },
              { d: -0.125, qs: qs2 },
            ]),
          },
        ],
      }),
    );
    const y = g.tensor('q');
    expect(y.length).toBe(64);
    expect([...y.subarray(0, 32)]).toEqual(qs1.map((q) => q * 0.5));
    expect([...y.subarray(32)]).toEqual(qs2.map((q) => q * -0.125 + 0));
    expect(g.info('q').byteSize).toBe(68);
  });

  it('Q4_0: low nibbles first, offset 8', () => {
    const qs = Array.from({ length: 32 }, (_, j) => (j * 7) % 16);
    const g = GgufFile.fromBytes(
      writeGguf({ tensors: [{ name: 'q', dims: [32], type: 2, data: q4_0Bytes([{ d: 0.25, qs }]) }] }),
    );
    expect([...g.tensor('q')]).toEqual(qs.map((q) => (q - 8) * 0.25));
  });

  it('Q4_K: packed 6-bit scales and mins, nibble order', () => {
    const scales = [1, 2, 3, 63, 17, 37, 48, 5];
    const mins = [0, 1, 62, 4, 33, 2, 63, 16];
    const q = Array.from({ length: 256 }, (_, i) => (i * 5 + (i >> 4)) % 16);
    const d = 0.5,
      dmin = 0.25;
    const g = GgufFile.fromBytes(
      writeGguf({ tensors: [{ name: 'k', dims: [256], type: 12, data: q4_KBytes({ d, dmin, scales, mins, q }) }] }),
    );
    const y = g.tensor('k');
    const want = q.map((v, i) => d * scales[i >> 5] * v - dmin * mins[i >> 5]);
    expect([...y]).toEqual(want);
  });

  it('Q6_K: 4+2-bit quants, int8 scales per 16 values', () => {
    const scales = Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? -i - 1 : i * 7 + 1));
    const q = Array.from({ length: 256 }, (_, i) => ((i * 13) % 64) - 32);
    const d = 0.125;
    const g = GgufFile.fromBytes(
      writeGguf({ tensors: [{ name: 'k', dims: [256], type: 14, data: q6_KBytes({ d, scales, q }) }] }),
    );
    expect([...g.tensor('k')]).toEqual(q.map((v, i) => d * scales[i >> 4] * v));
  });

  it('names unsupported tensor types', () => {
    const g = GgufFile.fromBytes(
      writeGguf({
        tensors: [
          { name: 'blk.0.ffn_down.weight', dims: [256], type: 11, data: new Uint8Array(110) }, // Q3_K
          { name: 'iq', dims: [256], type: 16, data: new Uint8Array(66) }, // IQ2_XXS: size not known to the reader
        ],
      }),
    );
    expectGgufError(
      () => g.tensor('blk.0.ffn_down.weight'),
      /unsupported tensor type Q3_K \(blk\.0\.ffn_down\.weight\)/,
    );
    expectGgufError(() => g.tensor('iq'), /unsupported tensor type IQ2_XXS \(iq\)/);
    expectGgufError(() => dequantize(new Uint8Array(4), 99, 1, 'x'), /unsupported tensor type type 99 \(x\)/);
    expectGgufError(() => g.tensor('nope'), /no tensor named nope/);
  });
});

describe('GGUF corrupt and truncated files', () => {
  const good = writeGguf({
    metadata: [
      ['general.architecture', str('llama')],
      ['x.arr', arr(T.UINT32, [1, 2, 3])],
    ],
    tensors: [
      {
        name: 'w',
        dims: [32, 2],
        type: 8,
        data: q8_0Bytes([
          { d: 1, qs: new Array(32).fill(1) },
          { d: 2, qs: new Array(32).fill(-1) },
        ]),
      },
    ],
  });

  it('rejects bad magic, versions and big-endian files', () => {
    const bad = good.slice();
    bad.set(new TextEncoder().encode('GGML'), 0);
    expectGgufError(() => GgufFile.fromBytes(bad), /not a GGUF file: bad magic "GGML"/);
    expectGgufError(() => GgufFile.fromBytes(new Uint8Array(3)), /too short/);
    const v9 = good.slice();
    new DataView(v9.buffer).setUint32(4, 9, true);
    expectGgufError(() => GgufFile.fromBytes(v9), /unsupported GGUF version 9/);
    const be = good.slice();
    new DataView(be.buffer).setUint32(4, 3, false);
    expectGgufError(() => GgufFile.fromBytes(be), /big-endian/);
  });

  it('rejects every truncation with a GgufError', () => {
    const g = GgufFile.fromBytes(good);
    const end = g.dataOffset + g.info('w').byteSize!; // the padding after the last tensor is optional
    for (let n = 0; n < end; n++) {
      expect(() => GgufFile.fromBytes(good.subarray(0, n)), `truncated at ${n}`).toThrow(GgufError);
    }
    expect(() => GgufFile.fromBytes(good.subarray(0, end - 1))).toThrow(/truncated: tensor w/);
    expect([...GgufFile.fromBytes(good.subarray(0, end)).tensor('w')]).toEqual([
      ...new Array(32).fill(1),
      ...new Array(32).fill(-2),
    ]);
  });

  // Without the checks these counts would allocate terabytes or loop 2^40 times (the test timeout).
  it('rejects impossible counts without allocating or looping', () => {
    expectGgufError(
      () => GgufFile.fromBytes(writeGguf({ tensorCount: 2n ** 40n })),
      /tensor count is 1099511627776, but only \d+ bytes remain/,
    );
    expectGgufError(() => GgufFile.fromBytes(writeGguf({ kvCount: 2n ** 64n - 1n })), /impossibly large/);
    const bigArray = good.slice();
    // The array length of x.arr: after magic, version, counts, the first kv, and the key/type/elem type.
    const at = findBytes(bigArray, new TextEncoder().encode('x.arr')) + 5 + 4 + 4;
    new DataView(bigArray.buffer).setBigUint64(at, 2n ** 50n, true);
    expectGgufError(() => GgufFile.fromBytes(bigArray), /x\.arr array length is 1125899906842624, but only/);
  });

  it('rejects tensor offsets past the end, misaligned offsets and bad dims', () => {
    const spec = (offset: number, dims = [32, 2]) =>
      writeGguf({ tensors: [{ name: 'w', dims, type: 8, data: new Uint8Array(68), offset }] });
    expectGgufError(() => GgufFile.fromBytes(spec(1 << 20)), /truncated: tensor w \(Q8_0 \[32, 2\]\) needs bytes/);
    expectGgufError(() => GgufFile.fromBytes(spec(4)), /offset 4 is not a multiple of the alignment 32/);
    expectGgufError(
      () => GgufFile.fromBytes(spec(0, [30, 2])),
      /first dim 30 is not a multiple of the Q8_0 block size 32/,
    );
    expectGgufError(
      () => GgufFile.fromBytes(writeGguf({ metadata: [['general.alignment', u32(24)]] })),
      /alignment 24 is not a positive power of two/,
    );
  });

  it('survives random byte corruption: parses or throws GgufError, nothing else', () => {
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let threw = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const b = good.slice();
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) b[Math.floor(rand() * b.byteLength)] = Math.floor(rand() * 256);
      try {
        const g = GgufFile.fromBytes(b);
        for (const t of g.tensorInfos) {
          try {
            g.tensor(t.name);
          } catch (e) {
            if (!(e instanceof GgufError)) throw e;
          }
        }
      } catch (e) {
        if (!(e instanceof GgufError)) throw new Error(`trial ${trial}: ${(e as Error).stack}`, { cause: e });
        threw++;
      }
    }
    expect(threw).toBeGreaterThan(100);
  });

  it.skipIf(!existsSync(STORIES))('truncated copies of stories260K.gguf fail with clear errors', () => {
    const real = new Uint8Array(readFileSync(STORIES));
    expect(GgufFile.fromBytes(real).tensorInfos.length).toBe(48);
    for (const n of [4, 20, 100, 5000, 14000, 14176, 200000, real.byteLength - 1]) {
      expect(() => GgufFile.fromBytes(real.subarray(0, n)), `truncated at ${n}`).toThrow(GgufError);
    }
    expectGgufError(
      () => GgufFile.fromBytes(real.subarray(0, real.byteLength - 1)),
      /truncated: tensor blk\.4\.ffn_norm\.weight/,
    );
  });
});

describe('tokenizer.json from a gpt2 (byte-level BPE) GGUF vocabulary', () => {
  it('encodes with the stored merges and round-trips text', () => {
    // Byte-level alphabet (GPT-2's bytes_to_unicode) plus a few merges.
    const alphabet = gpt2ByteChars();
    const sp = alphabet[32]; // 'Ġ'
    const merges = ['h e', 'l l', 'he ll', 'hell o', `${sp} w`, `${sp}w o`, 'r l', `${sp}wo rl`, `${sp}worl d`];
    const tokens = [
      '<|endoftext|>',
      ...alphabet,
      'he',
      'll',
      'hell',
      'hello',
      `${sp}w`,
      `${sp}wo`,
      'rl',
      `${sp}worl`,
      `${sp}world`,
    ];
    const types = tokens.map((_, i) => (i === 0 ? 3 : 1));
    const g = GgufFile.fromBytes(
      writeGguf({
        metadata: [
          ['tokenizer.ggml.model', str('gpt2')],
          ['tokenizer.ggml.pre', str('smollm')],
          ['tokenizer.ggml.tokens', arr(T.STRING, tokens)],
          ['tokenizer.ggml.token_type', arr(T.INT32, types)],
          ['tokenizer.ggml.merges', arr(T.STRING, merges)],
          ['tokenizer.ggml.bos_token_id', u32(0)],
          ['tokenizer.ggml.eos_token_id', u32(0)],
        ],
      }),
    );
    const t = tokenizerFromGguf(g);
    const tok = new Tokenizer(t.tokenizerJson, t.tokenizerConfig);
    const e = tok.encode('hello world');
    expect(e.tokens).toEqual(['hello', `${sp}world`]);
    for (const s of ['hello world', 'Héllo, wörld! 12345 ☃<|endoftext|>x', '  spaces\n\nand\ttabs ']) {
      expect(tok.decode(tok.encode(s).ids)).toBe(s);
    }
    expect(tok.encode('a<|endoftext|>b').ids).toEqual([tokens.indexOf('a'), 0, tokens.indexOf('b')]);
    expect(tok.encode('x12').tokens).toEqual(['x', '1', '2']); // smollm: digits one at a time
  });
});

function findBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('not found');
}
