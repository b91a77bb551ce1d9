"""The three formats of the exports, each written batch by batch from servicerequests.records: what a
batch becomes is sent (or written to a snapshot file) before the next is read, so memory stays flat."""

import csv
import io
from collections.abc import Generator, Iterable

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from civic311.servicerequests.records import COLUMNS, utc_text

Batches = Iterable[list[dict]]

_DATETIMES = frozenset(c.name for c in COLUMNS if c.type == "datetime")
_ARROW_TYPES = {
    "string": pa.string(),
    "datetime": pa.timestamp("ms", tz="UTC"),  # Parquet keeps milliseconds at the finest but one
    "number": pa.float64(),
    "integer": pa.int64(),
}
_TYPES = {c.name: c.type for c in COLUMNS}


def _text(name: str, value) -> str:
    if value is None:
        return ""
    if name in _DATETIMES:
        return utc_text(value) or ""
    return str(value)


def csv_chunks(names: list[str], batches: Batches) -> Generator[bytes]:
    """CSV (RFC 4180, UTF-8, a header row); empty for a missing value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for batch in batches:
        writer.writerows([[_text(name, record[name]) for name in names] for record in batch])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def geojson_chunks(names: list[str], batches: Batches) -> Generator[bytes]:
    """A GeoJSON FeatureCollection (RFC 7946): one Point feature per request, the other columns as its
    properties; a request with no place has a null geometry."""
    properties = [n for n in names if n not in ("lat", "long")]
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for batch in batches:
        features = []
        for record in batch:
            lat, long = record["lat"], record["long"]
            geometry = None if lat is None or long is None else {"type": "Point", "coordinates": [long, lat]}
            props = {n: (utc_text(record[n]) if n in _DATETIMES else record[n]) for n in properties}
            features.append(orjson.dumps({"type": "Feature", "geometry": geometry, "properties": props}))
        if features:
            yield (b"" if first else b",") + b",".join(features)
            first = False
    yield b"]}"


def arrow_schema(names: list[str]) -> pa.Schema:
    return pa.schema([(n, _ARROW_TYPES[_TYPES.get(n, "string")]) for n in names])


class _Drain:
    """A file for pyarrow to write into, emptied after each row group."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0
        self.closed = False

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts = []
        return out


def parquet_chunks(names: list[str], batches: Batches) -> Generator[bytes]:
    """Parquet, one row group per batch, typed columns (timestamps in UTC, numbers, integers)."""
    schema = arrow_schema(names)
    drain = _Drain()
    writer = pq.ParquetWriter(drain, schema, compression="zstd")
    try:
        for batch in batches:
            columns = {n: [record[n] for record in batch] for n in names}
            writer.write_table(pa.table(columns, schema=schema))
            yield drain.take()
    finally:
        writer.close()
    yield drain.take()


FORMATS = {
    "csv": ("text/csv; charset=utf-8", csv_chunks),
    "geojson": ("application/geo+json", geojson_chunks),
    "parquet": ("application/vnd.apache.parquet", parquet_chunks),
}
