"""Percentiles as PostgreSQL's percentile_cont computes them (linear between the two nearest ranks), so
both databases and the tests' own arithmetic give the same figure."""

import math
from collections.abc import Sequence


def percentile_cont(ordered: Sequence[float], fraction: float) -> float | None:
    """The value at `fraction` (0 to 1) of the ordered values; None when there are none."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class PercentileAggregate:
    """percentile_cont(value, fraction) as an SQLite aggregate (sqlite3.Connection.create_aggregate):
    SQLite has none built in. Nulls are left out, as in SQL."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        if value is not None:
            self.values.append(value)
        self.fraction = fraction

    def finalize(self) -> float | None:
        self.values.sort()
        return percentile_cont(self.values, self.fraction)
