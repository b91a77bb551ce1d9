"""The floor of bench/peer.py: Civic311's GeoReport reads answered by a bare ASGI app.

No framework, no ORM, no validation: the query string is read, one or two SQL statements run on one
connection per process (sqlite3 or psycopg, on Civic311's own database), and the rows are encoded with
orjson. It answers the same rows and columns as Civic311 (servicerequests/public.py: PUBLIC_FIELDS and
build_request_row; the spec's 90-day default window, newest first, an exact X-Total-Count), so the
difference between the two is what the framework, the ORM and the server's checks cost.

    FLOOR_DATABASE_URL=sqlite:////path/civic311.sqlite3 uvicorn floor_app:app --app-dir bench --workers 2

Paths: /open311/v2/requests.json (service_code, status, page, page_size) and
/open311/v2/requests/{id}.json. Anything else is a 404. The database is only read.
"""

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote
from zoneinfo import ZoneInfo

import orjson

DATABASE_URL = os.environ.get("FLOOR_DATABASE_URL", "")
JURISDICTION = os.environ.get("FLOOR_JURISDICTION", "chicago.example")
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
LIST_PATH = "/open311/v2/requests.json"
ONE_PREFIX, ONE_SUFFIX = "/open311/v2/requests/", ".json"
WINDOW = timedelta(days=90)
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 500

COLUMNS = (
    "r.service_request_id, r.status, r.status_notes, s.service_name, s.service_code, r.description, d.name,"
    " r.service_notice, r.requested_datetime, r.updated_datetime, r.expected_datetime, r.address,"
    ' r.address_id, r.zipcode, r.lat, r."long", r.media_url'
)
FROM = (
    "FROM servicerequests_servicerequest r JOIN catalog_service s ON s.id = r.service_id"
    " LEFT JOIN catalog_department d ON d.id = r.department_id"
)
JSON_HEADERS = [(b"content-type", b"application/json; charset=utf-8")]


class Store:
    """One connection of this process, and the jurisdiction's id, time zone and service ids."""

    def __init__(self, url: str):
        if url.startswith("sqlite:"):
            self.engine = "sqlite"
            self.conn = sqlite3.connect(url.split(":///", 1)[1], check_same_thread=False)
            self.mark = "?"
        else:
            import psycopg

            self.engine = "postgres"
            # As the app's own connections: no parallel workers for many small queries (settings.py).
            self.conn = psycopg.connect(url, autocommit=True, options="-c max_parallel_workers_per_gather=0")
            self.mark = "%s"
        row = self.one_row(
            "SELECT id, time_zone FROM catalog_jurisdiction WHERE jurisdiction_id = ?", [JURISDICTION]
        )
        self.jurisdiction_pk, self.tz = row[0], ZoneInfo(row[1])
        self.services = dict(
            self.rows(
                "SELECT service_code, id FROM catalog_service WHERE jurisdiction_id = ?",
                [self.jurisdiction_pk],
            )
        )

    def sql(self, text: str) -> str:
        return text.replace("?", self.mark)

    def rows(self, text: str, params: list) -> list:
        cur = self.conn.cursor()
        cur.execute(self.sql(text), params)
        return cur.fetchall()

    def one_row(self, text: str, params: list):
        rows = self.rows(text, params)
        return rows[0] if rows else None

    def when(self, value: datetime):
        """A parameter for a datetime column: Django's SQLite text (naive UTC), or the aware value."""
        if self.engine == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        return value

    def w3c(self, value) -> str | None:
        """As civic311.lib.datetimes.format_w3c: the jurisdiction's offset, to the second."""
        if value is None:
            return None
        if isinstance(value, str):  # SQLite: naive UTC text
            value = datetime.fromisoformat(value).replace(tzinfo=UTC)
        return value.astimezone(self.tz).replace(microsecond=0).isoformat()

    def item(self, r: tuple) -> dict:
        """build_request_row's keys and values (blank text as null, media URLs absolute)."""
        media = r[16]
        if media and media.startswith("/"):
            media = PUBLIC_BASE_URL + media
        return {
            "service_request_id": r[0],
            "status": r[1],
            "status_notes": r[2] or None,
            "service_name": r[3],
            "service_code": r[4],
            "description": r[5] or None,
            "agency_responsible": r[6],
            "service_notice": r[7] or None,
            "requested_datetime": self.w3c(r[8]),
            "updated_datetime": self.w3c(r[9]),
            "expected_datetime": self.w3c(r[10]),
            "address": r[11] or None,
            "address_id": r[12] or None,
            "zipcode": r[13] or None,
            "lat": r[14],
            "long": r[15],
            "media_url": media or None,
        }

    def request_list(self, query: dict) -> tuple[int, list[dict], int, int]:
        """(total, items, page, page_size) of GET requests.json: the last 90 days, newest first."""
        page = _int(query, "page", 1, 1, 1_000_000)
        page_size = _int(query, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        end = datetime.now(UTC)
        where, params = ["r.public = TRUE"], []
        codes = [c for c in _get(query, "service_code").split(",") if c]
        if codes:  # as queries.filter_requests: the services belong to the jurisdiction
            ids = [self.services[c] for c in codes if c in self.services] or [-1]
            where.append(f"r.service_id IN ({', '.join('?' * len(ids))})")
            params += ids
        else:
            where.append("r.jurisdiction_id = ?")
            params.append(self.jurisdiction_pk)
        statuses = {s for s in _get(query, "status").split(",") if s}
        if len(statuses) == 1:
            where.append("r.status = ?")
            params.append(statuses.pop())
        where.append("r.requested_datetime >= ? AND r.requested_datetime <= ?")
        params += [self.when(end - WINDOW), self.when(end)]
        condition = " AND ".join(where)
        total = self.one_row(
            f"SELECT COUNT(*) FROM servicerequests_servicerequest r WHERE {condition}", params
        )[0]
        rows = self.rows(
            f"SELECT {COLUMNS} {FROM} WHERE {condition}"
            " ORDER BY r.requested_datetime DESC, r.id DESC LIMIT ? OFFSET ?",
            [*params, page_size, (page - 1) * page_size],
        )
        return total, [self.item(r) for r in rows], page, page_size

    def request_detail(self, number: str) -> dict | None:
        row = self.one_row(
            f"SELECT {COLUMNS} {FROM} WHERE r.public = TRUE AND r.jurisdiction_id = ?"
            " AND r.service_request_id = ? ORDER BY r.id LIMIT 1",
            [self.jurisdiction_pk, number.strip().upper()],
        )
        return self.item(row) if row else None


def _get(query: dict, name: str) -> str:
    return (query.get(name) or [""])[0].strip()


def _int(query: dict, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(_get(query, name) or default)
    except ValueError:
        return default
    return value if low <= value <= high else default


_store: Store | None = None


def store() -> Store:
    global _store
    if _store is None:
        _store = Store(DATABASE_URL)
    return _store


async def _send(send, status: int, body: bytes, headers: list | None = None) -> None:
    await send({"type": "http.response.start", "status": status, "headers": JSON_HEADERS + (headers or [])})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    if scope["method"] != "GET":
        await _send(send, 405, b'[{"code":405,"description":"GET only"}]')
        return
    if path == LIST_PATH:
        query = parse_qs(scope["query_string"].decode("latin-1"))
        total, items, page, page_size = store().request_list(query)
        headers = [
            (b"x-total-count", str(total).encode()),
            (b"x-page", str(page).encode()),
            (b"x-page-size", str(page_size).encode()),
        ]
        await _send(send, 200, orjson.dumps(items), headers)
        return
    if path.startswith(ONE_PREFIX) and path.endswith(ONE_SUFFIX):
        item = store().request_detail(unquote(path[len(ONE_PREFIX) : -len(ONE_SUFFIX)]))
        if item is not None:
            await _send(send, 200, orjson.dumps([item]))
            return
    await _send(send, 404, b'[{"code":404,"description":"not found"}]')
