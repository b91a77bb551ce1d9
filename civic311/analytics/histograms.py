"""Log-bucket histograms of hours to close, as the rollups keep them: bucket 0 holds everything under
36 seconds (0.01 h, and any negative time a source's data has); bucket i >= 1 holds
[0.01 * 1.02^(i-1), 0.01 * 1.02^i) hours. A bucket's midpoint is within 1 % of every value in it, so a
percentile read from merged histograms is within 1 % of the exact one (DDSketch's idea, at 2 %).

Stored sparse, as little-endian int32 (bucket, count) pairs, in a cell's bytes; merged with numpy."""

import math

import numpy as np

MIN_HOURS = 0.01
GAMMA = 1.02
_LOG_GAMMA = math.log(GAMMA)
# In SQL: lib.aggregates.LogBucket(hours, MIN_HOURS, GAMMA), the same arithmetic as bucket().


def bucket(hours: float) -> int:
    if hours < MIN_HOURS:
        return 0
    return 1 + math.floor(math.log(hours / MIN_HOURS) / _LOG_GAMMA)


def midpoint(index: np.ndarray) -> np.ndarray:
    """Each bucket's representative value, in hours (0 for bucket 0)."""
    low = MIN_HOURS * np.power(GAMMA, index.astype(np.float64) - 1)
    return np.where(index == 0, 0.0, low * (1 + GAMMA) / 2)


def encode(pairs: dict[int, int]) -> bytes:
    """Interleaved (key, count) int32 pairs: blobs joined end to end are still a valid list of pairs, so a
    group of cells is merged with one join and one decode."""
    if not pairs:
        return b""
    return np.array(sorted(pairs.items()), dtype="<i4").tobytes()


def decode(data: bytes | memoryview | None) -> tuple[np.ndarray, np.ndarray]:
    if not data:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    pairs = np.frombuffer(bytes(data), dtype="<i4").reshape(-1, 2)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


class Merged:
    """Histograms (or dated counts) added together: kept as their bytes until a total is asked for."""

    def __init__(self) -> None:
        self._blobs: list[bytes] = []

    def add(self, data: bytes | memoryview | None) -> None:
        if data:
            self._blobs.append(bytes(data))

    def extend(self, other: "Merged", sign: int = 1) -> None:
        if sign == 1:
            self._blobs.extend(other._blobs)
        elif other._blobs:
            keys, counts = other.totals()
            self.add(np.column_stack([keys, -counts]).astype("<i4").tobytes())

    def add_pairs(self, pairs: dict[int, int]) -> None:
        self.add(encode(pairs))

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        """(keys, counts), keys sorted and unique, zero counts left out."""
        keys, counts = decode(b"".join(self._blobs))
        if not len(keys):
            return keys, counts
        low = int(keys.min())
        # Keys are bucket numbers or day ordinals: a dense count over their span is cheaper than sorting.
        sums = np.bincount(keys - low, weights=counts).astype(np.int64)
        present = np.nonzero(sums)[0]
        return present + low, sums[present]

    def as_pairs(self) -> dict[int, int]:
        keys, counts = self.totals()
        return {int(k): int(c) for k, c in zip(keys, counts, strict=True) if c}

    def percentiles(self, *fractions: float) -> list[float | None]:
        """percentile_cont of the values the histogram holds, each from its bucket's midpoint."""
        keys, counts = self.totals()
        n = int(counts.sum()) if len(counts) else 0
        if n == 0:
            return [None for _ in fractions]
        ends = np.cumsum(counts)  # the rank (exclusive) where each bucket ends
        values = midpoint(keys)
        out: list[float | None] = []
        for fraction in fractions:
            position = fraction * (n - 1)
            low, high = math.floor(position), math.ceil(position)
            at_low = values[np.searchsorted(ends, low, side="right")]
            at_high = values[np.searchsorted(ends, high, side="right")]
            out.append(float(at_low + (at_high - at_low) * (position - low)))
        return out

    def count_below(self, key: int) -> int:
        keys, counts = self.totals()
        return int(counts[keys < key].sum()) if len(keys) else 0
