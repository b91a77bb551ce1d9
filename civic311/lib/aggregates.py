"""SQL pieces Django has no portable form of: hours between two datetimes and percentile_cont.
PostgreSQL has both; SQLite has julianday() and our own aggregate (lib/sqlite/base.py
registers lib/percentiles.py's under PostgreSQL's name). The figures (analytics) and the estimates (routing)
read them."""

from django.db import NotSupportedError
from django.db.models import Aggregate, F, FloatField, Func, IntegerField, Value


class HoursBetween(Func):
    """(end - start) in hours, as a float."""

    output_field = FloatField()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(F(start), F(end))

    def _compiled(self, compiler):
        start, end = (compiler.compile(e) for e in self.get_source_expressions())
        return start, end

    def as_sql(self, compiler, connection, *args, **extra_context):  # type: ignore[override]
        raise NotSupportedError("HoursBetween is written for PostgreSQL and SQLite")

    def as_postgresql(self, compiler, connection, **extra_context):
        (start, start_params), (end, end_params) = self._compiled(compiler)
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)", (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        (start, start_params), (end, end_params) = self._compiled(compiler)
        return f"((julianday({end}) - julianday({start})) * 24.0)", (*end_params, *start_params)


class Percentile(Aggregate):
    """percentile_cont(fraction) of an expression: exact, interpolated between the two nearest ranks;
    nulls left out."""

    function = "percentile_cont"
    output_field = FloatField()

    def __init__(self, expression, fraction: float) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile's fraction is between 0 and 1")
        self.fraction = float(fraction)
        super().__init__(expression, Value(self.fraction))

    def as_postgresql(self, compiler, connection, **extra_context):
        value, params = compiler.compile(self.get_source_expressions()[0])
        return f"percentile_cont({self.fraction!r}) WITHIN GROUP (ORDER BY {value})", params


class LogBucket(Func):
    """The log bucket of a value: 0 below `low` (and for negatives), else 1 + floor(ln(value / low) /
    ln(gamma)): the bucket numbers of analytics/histograms.py, computed where the rows are."""

    output_field = IntegerField()

    def __init__(self, expression, low: float, gamma: float) -> None:
        self.low, self.gamma = float(low), float(gamma)
        super().__init__(expression)

    def as_sql(self, compiler, connection, *args, **extra_context):  # type: ignore[override]
        value, params = compiler.compile(self.get_source_expressions()[0])
        sql = (
            f"CASE WHEN ({value}) < {self.low!r} THEN 0 "
            f"ELSE 1 + CAST(FLOOR(LN(({value}) / {self.low!r}) / LN({self.gamma!r})) AS INTEGER) END"
        )
        return sql, (*params, *params)
