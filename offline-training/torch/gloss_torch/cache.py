"""Gloss's sharded activation cache (index.json plus raw little-endian [rows, d] float32 or
float16 shards), read as activations/cache-reader.ts reads it: the same held-out blocks, the same
evenly spaced samples, and the same shuffled batch stream, a pure function of (seed, position).

Shards are memory-mapped; a batch stream holds one shuffle group (about `buffer_bytes` of float32
rows, at least one shard) at a time, so a cache of any size streams without loading it whole."""

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .rng import mix32, permutation, seed_of

DTYPES = {"float32": np.dtype("<f4"), "float16": np.dtype("<f2")}


class CacheError(Exception):
    """An activation cache that cannot be read."""


@dataclass
class ShardSplit:
    """Shard-local row segments [start, end) per split, and the shard's first global row."""

    train: list[tuple[int, int]]
    held: list[tuple[int, int]]
    train_rows: int
    held_rows: int
    offset: int


class ActivationCache:
    """An opened cache: width d, row counts per split, samples and batches as float32 [n, d]."""

    def __init__(self, directory: str | Path, held_out_fraction: float = 0.05, block_rows: int | None = None):
        self.dir = Path(directory)
        index_path = self.dir / "index.json"
        try:
            index = json.loads(index_path.read_text())
        except FileNotFoundError:
            raise CacheError(f"{self.dir} is not an activation cache: {index_path} does not exist") from None
        except json.JSONDecodeError as e:
            raise CacheError(f"{index_path} is not valid JSON: {e}") from None
        if index.get("version") != 1:
            raise CacheError(f"{index_path}: unsupported cache version {index.get('version')!r}")
        if index.get("dtype") not in DTYPES:
            raise CacheError(f"{index_path}: dtype must be float32 or float16, got {index.get('dtype')!r}")
        self.d = int(index["d"])
        self.dtype = index["dtype"]
        self.source = index.get("source")
        self.shards: list[tuple[str, int]] = []
        for s in index["shards"]:
            path = self.dir / s["file"]
            expected = s["rows"] * self.d * DTYPES[self.dtype].itemsize
            if not path.exists():
                raise CacheError(f"{self.dir}: shard file {s['file']} is missing")
            if path.stat().st_size != expected:
                raise CacheError(f"{path}: {path.stat().st_size} bytes, expected {expected}")
            if s["rows"] > 0:
                self.shards.append((s["file"], int(s["rows"])))
        self.rows = sum(r for _, r in self.shards)
        if self.rows == 0:
            raise CacheError(f"{self.dir}: the activation cache is empty (0 rows)")
        if not 0 <= held_out_fraction < 1:
            raise CacheError(f"held_out_fraction must be in [0, 1), got {held_out_fraction}")
        self.held_out_fraction = held_out_fraction
        self.block_rows = block_rows or (128 if self.rows >= 128 * 64 else max(1, self.rows // 64))
        self._split_blocks()
        self._maps: dict[int, np.ndarray] = {}

    def _split_blocks(self) -> None:
        """cache-reader.ts's split: the ceil(fraction * blocks) blocks of smallest hash are held out."""
        n_blocks = math.ceil(self.rows / self.block_rows)
        frac = self.held_out_fraction
        n_held = 0 if frac == 0 else min(n_blocks - 1, math.ceil(frac * n_blocks))
        self.held_blocks = np.zeros(n_blocks, dtype=bool)
        if n_held > 0:
            # JS sorts by the difference of two unsigned hashes, then index: the same as (hash, index).
            order = sorted(range(n_blocks), key=lambda i: (mix32(i ^ 0x5BD1E995), i))
            self.held_blocks[order[:n_held]] = True
        self.split: list[ShardSplit] = []
        offset = 0
        for _, rows in self.shards:
            sp = ShardSplit([], [], 0, 0, offset)
            r = 0
            while r < rows:
                g = offset + r
                block = g // self.block_rows
                end = min(rows, (block + 1) * self.block_rows - offset)
                held = bool(self.held_blocks[block])
                segs = sp.held if held else sp.train
                if segs and segs[-1][1] == r:
                    segs[-1] = (segs[-1][0], end)
                else:
                    segs.append((r, end))
                if held:
                    sp.held_rows += end - r
                else:
                    sp.train_rows += end - r
                r = end
            offset += rows
            self.split.append(sp)
        self.train_rows = sum(s.train_rows for s in self.split)
        self.held_out_rows = sum(s.held_rows for s in self.split)

    def _shard(self, i: int) -> np.ndarray:
        if i not in self._maps:
            file, rows = self.shards[i]
            self._maps[i] = np.memmap(self.dir / file, dtype=DTYPES[self.dtype], mode="r", shape=(rows, self.d))
        return self._maps[i]

    def _rows_of(self, i: int, held: bool) -> int:
        return self.split[i].held_rows if held else self.split[i].train_rows

    def _read_group(self, group: list[int], held: bool) -> np.ndarray:
        parts = []
        for s in group:
            data = self._shard(s)
            for a, b in self.split[s].held if held else self.split[s].train:
                parts.append(np.asarray(data[a:b], dtype=np.float32))
        out = np.concatenate(parts) if parts else np.zeros((0, self.d), np.float32)
        if not np.isfinite(out).all():
            raise CacheError(f"{self.dir}: non-finite activation in shards {group}; re-extract or drop that shard")
        return out

    def batches(
        self,
        batch_size: int,
        *,
        shuffle: bool = False,
        seed: int = 0,
        held_out: bool = False,
        epochs: float = 1,
        skip_batches: int = 0,
        drop_last: bool = False,
        buffer_bytes: int = 128 * 2**20,
    ) -> Iterator[np.ndarray]:
        """Row-major [n, d] float32 batches in cache-reader.ts's order (shards permuted per epoch,
        grouped into buffers, each buffer permuted with a seed of (seed, epoch, group))."""
        split_rows = self.held_out_rows if held_out else self.train_rows
        if split_rows == 0:
            raise CacheError(f"{self.dir}: the {'held-out' if held_out else 'training'} split is empty")
        buffer_rows = max(1, buffer_bytes // (4 * self.d))
        skip = skip_batches * batch_size
        pending = np.empty((batch_size, self.d), np.float32)
        fill = 0
        e = 0
        while e < epochs:
            if skip >= split_rows:
                skip -= split_rows
                e += 1
                continue
            order = permutation(len(self.shards), seed_of(seed, e, 1)) if shuffle else np.arange(len(self.shards))
            groups: list[list[int]] = []
            cur: list[int] = []
            cur_rows = 0
            for s in order.tolist():
                if self._rows_of(s, held_out) == 0:
                    continue
                cur.append(s)
                cur_rows += self._rows_of(s, held_out)
                if not shuffle or cur_rows >= buffer_rows:
                    groups.append(cur)
                    cur, cur_rows = [], 0
            if cur:
                groups.append(cur)
            for gi, group in enumerate(groups):
                g_rows = sum(self._rows_of(s, held_out) for s in group)
                if skip >= g_rows:
                    skip -= g_rows
                    continue
                rows = self._read_group(group, held_out)
                if shuffle:
                    rows = rows[permutation(g_rows, seed_of(seed, e, gi, 2))]
                r = skip
                skip = 0
                while r < g_rows:
                    take = min(batch_size - fill, g_rows - r)
                    pending[fill : fill + take] = rows[r : r + take]
                    fill += take
                    r += take
                    if fill == batch_size:
                        yield pending
                        pending = np.empty((batch_size, self.d), np.float32)
                        fill = 0
            e += 1
        if fill > 0 and not drop_last:
            yield pending[:fill].copy()

    def sample(self, n: int, *, held_out: bool = False) -> np.ndarray:
        """Up to n rows of a split, evenly spaced over it (rank floor((i + 0.5) * total / n)), as
        cache-reader.ts's sample draws them."""
        total = self.held_out_rows if held_out else self.train_rows
        if total == 0:
            raise CacheError(f"{self.dir}: the {'held-out' if held_out else 'training'} split is empty")
        count = min(max(0, int(n)), total)
        ranks = np.floor((np.arange(count) + 0.5) * total / count).astype(np.int64) if count else np.zeros(0, np.int64)
        out = np.empty((count, self.d), np.float32)
        o = 0
        base = 0
        for s, sp in enumerate(self.split):
            segs = sp.held if held_out else sp.train
            seg_base = base
            for a, b in segs:
                lo = np.searchsorted(ranks, seg_base, side="left")
                hi = np.searchsorted(ranks, seg_base + (b - a), side="left")
                if hi > lo:
                    local = a + (ranks[lo:hi] - seg_base)
                    out[o : o + hi - lo] = self._shard(s)[local]
                    o += hi - lo
                seg_base += b - a
            base += sp.held_rows if held_out else sp.train_rows
        if not np.isfinite(out).all():
            raise CacheError(f"{self.dir}: non-finite activation in the sampled rows")
        return out
