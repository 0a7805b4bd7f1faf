"""The seeded generators of offline-training/random.ts and activations/cache-reader.ts, bit for bit:
mulberry32, mix32, seedOf and the Fisher-Yates permutation, so the PyTorch engine visits the
cache's rows in the TypeScript engine's order."""

from collections.abc import Callable

import numpy as np

M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """Math.imul as an unsigned 32-bit result."""
    return (a * b) & M32


def mulberry32(seed: int) -> Callable[[], float]:
    """Uniform floats on [0, 1): the same sequence as random.ts's mulberry32(seed)."""
    state = seed & M32

    def next_float() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & M32
        t = state
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return next_float


def mix32(x: int) -> int:
    """cache-reader.ts's mix32 (a murmur3 finaliser)."""
    x &= M32
    x = _imul(x ^ (x >> 16), 0x85EBCA6B)
    x = _imul(x ^ (x >> 13), 0xC2B2AE35)
    return (x ^ (x >> 16)) & M32


def seed_of(*parts: int) -> int:
    """cache-reader.ts's seedOf: one 32-bit seed from several integers."""
    h = 0x12345678
    for v in parts:
        h = (mix32(h ^ mix32(v & M32)) + 0x9E3779B9) & M32
    return h


def mulberry32_array(seed: int, n: int) -> np.ndarray:
    """The first n values of mulberry32(seed) at once (its state is a counter), as float64."""
    u = np.uint64
    i = np.arange(1, n + 1, dtype=np.uint64)
    t = (u(seed & M32) + i * u(0x6D2B79F5)) & u(M32)
    t = ((t ^ (t >> u(15))) * (t | u(1))) & u(M32)
    t ^= (t + (((t ^ (t >> u(7))) * (t | u(61))) & u(M32))) & u(M32)
    return ((t ^ (t >> u(14))) & u(M32)).astype(np.float64) / 4294967296.0


def permutation(n: int, seed: int) -> np.ndarray:
    """cache-reader.ts's permutation(n, mulberry32(seed)): Fisher-Yates from the top,
    j = floor(rand() * (i + 1))."""
    p = np.arange(n, dtype=np.int64)
    if n < 2:
        return p
    r = mulberry32_array(seed, n - 1)
    i = np.arange(n - 1, 0, -1)
    js = np.floor(r * (i + 1)).astype(np.int64).tolist()
    pl = p.tolist()
    for ii, j in zip(i.tolist(), js):
        pl[ii], pl[j] = pl[j], pl[ii]
    return np.asarray(pl, dtype=np.int64)


def init_decoder(d: int, m: int, seed: int) -> np.ndarray:
    """sae/core.ts's initParams decoder, [m, d] float32: Box-Muller normals from
    mulberry32(seed ^ 0x5ae0) (cos then sin of each pair), each row scaled to unit norm."""
    n = m * d
    pairs = (n + 1) // 2
    u = mulberry32_array(seed ^ 0x5AE0, 2 * pairs + 64)
    if (u == 0).any():
        # core.ts redraws u while it is 0 (odds 2^-32 a draw): shift the stream as it does.
        return _init_decoder_slow(d, m, seed)
    u1, v = u[0 : 2 * pairs : 2], u[1 : 2 * pairs : 2]
    r = np.sqrt(-2 * np.log(u1))
    z = np.empty(2 * pairs)
    z[0::2] = r * np.cos(2 * np.pi * v)
    z[1::2] = r * np.sin(2 * np.pi * v)
    w = z[:n].astype(np.float32).reshape(m, d)
    s = 1 / np.sqrt((w.astype(np.float64) ** 2).sum(1, keepdims=True))
    return (w * s).astype(np.float32)


def _init_decoder_slow(d: int, m: int, seed: int) -> np.ndarray:
    rand = mulberry32(seed ^ 0x5AE0)
    out = np.empty(m * d)
    i = 0
    while i < m * d:
        u = 0.0
        while u == 0:
            u = rand()
        v = rand()
        r = np.sqrt(-2 * np.log(u))
        out[i] = r * np.cos(2 * np.pi * v)
        if i + 1 < m * d:
            out[i + 1] = r * np.sin(2 * np.pi * v)
        i += 2
    w = out.astype(np.float32).reshape(m, d)
    s = 1 / np.sqrt((w.astype(np.float64) ** 2).sum(1, keepdims=True))
    return (w * s).astype(np.float32)
