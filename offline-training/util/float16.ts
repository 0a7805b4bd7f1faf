// IEEE 754 binary16 (half precision) <-> float32, the one implementation for every reader and
// writer: float16 activation shards (half the disk, ~3 decimal digits, plenty for SAE training),
// safetensors F16 tensors, GGUF F16 tensors and TF.js float16 weights.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> binary16 bits, rounding to nearest even; overflow gives Inf, NaN stays NaN. */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> 0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // round to nearest even
  return sign | half;
}

/** binary16 bits (0..65535) -> the number they encode (subnormals, Inf and NaN included). */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let TABLE: Float32Array | undefined;

/** All 65,536 half-precision values as float32, for fast bulk decoding (built once). */
export function f16Table(): Float32Array {
  if (!TABLE) {
    TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) TABLE[h] = fromFloat16Bits(h);
  }
  return TABLE;
}

/** float32 values -> binary16 bits, element by element. */
export function encodeFloat16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = toFloat16Bits(src[i]);
  return out;
}

/** binary16 bits -> float32 values, into `out` when given. */
export function decodeFloat16(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  for (let i = 0; i < src.length; i++) out[i] = fromFloat16Bits(src[i]);
  return out;
}

/** Little-endian binary16 bytes -> float32 into `out` from `outOffset` (table lookup). */
export function f16BytesToF32(bytes: Uint8Array, out: Float32Array, outOffset = 0): void {
  const t = f16Table();
  const n = bytes.length >> 1;
  if ((bytes.byteOffset & 1) === 0) {
    const h = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) out[outOffset + i] = t[h[i]];
  } else {
    for (let i = 0; i < n; i++) out[outOffset + i] = t[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
  }
}
