"""GET /data/requests.csv|geojson|parquet: every public request the filters match, streamed batch by
batch; each format parses, the three agree, and nothing private is in any of them."""

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from shapely.geometry import shape

from civic311.servicerequests import actions, records
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.records import column_names

pytestmark = pytest.mark.django_db
STAFF = actions.Actor(channel=Channel.STAFF)
PRIVATE_WORDS = ["alice@example.org", "+13125550100", "Resident", "Wellness", "WELL", "internal only"]


def body(client, fmt: str, **params) -> bytes:
    response = client.get(f"/data/requests.{fmt}", params)
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def rows_of_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.fixture
def noted(history):
    """A request with a public note and an internal one."""
    request = history.planned[1].request
    actions.add_note(request, "Crew on the way", STAFF, public=True)
    actions.add_note(request, "internal only: the crew is short", STAFF, public=False)
    return request


def test_the_csv_has_every_public_request_once_with_its_columns(client, history, noted):
    rows = rows_of_csv(body(client, "csv"))
    assert list(rows[0]) == column_names(["police", "ward"])
    assert len(rows) == len(history.planned)
    by_number = {r["service_request_id"]: r for r in rows}
    assert len(by_number) == len(rows)
    for p in history.planned:
        row = by_number[p.request.service_request_id]
        assert row["service_code"] == p.service_code and row["channel"] == p.channel
        assert row["district_ward"] == p.ward and row["district_police"] == (p.police or "")
        assert row["requested_datetime"] == p.requested.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert row["closed_datetime"] == (p.closed.strftime("%Y-%m-%dT%H:%M:%SZ") if p.closed else "")
        assert row["times_reopened"] == ("1" if p.reopened else "0")
        assert row["status_code"] == p.status_code
    assert by_number[noted.service_request_id]["public_notes"] == "1"
    duplicate = history.planned[6].request
    assert by_number[duplicate.service_request_id]["parent_service_request_id"] == (
        history.planned[0].request.service_request_id
    )


def test_no_export_holds_anything_private(client, history, noted):
    for fmt in ("csv", "geojson"):
        text = body(client, fmt).decode()
        for word in PRIVATE_WORDS:
            assert word not in text, (fmt, word)
    table = pq.read_table(io.BytesIO(body(client, "parquet")))
    assert "WELL" not in table.column("service_code").to_pylist()
    assert not {"reporter_email", "reporter_phone", "description", "attributes"} & set(table.column_names)


def test_the_geojson_is_a_feature_collection_of_points_that_agree_with_the_csv(client, history):
    document = json.loads(body(client, "geojson"))
    assert document["type"] == "FeatureCollection"
    csv_rows = {r["service_request_id"]: r for r in rows_of_csv(body(client, "csv"))}
    assert len(document["features"]) == len(csv_rows)
    for feature in document["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        point = shape(feature["geometry"])
        assert point.is_valid and -180 <= point.x <= 180 and -90 <= point.y <= 90
        row = csv_rows[feature["properties"]["service_request_id"]]
        assert (point.y, point.x) == (float(row["lat"]), float(row["long"]))  # RFC 7946: long, lat
        assert "lat" not in feature["properties"]
        assert feature["properties"]["requested_datetime"] == row["requested_datetime"]


def test_the_parquet_reads_back_typed_and_agrees_with_the_csv(client, history):
    table = pq.read_table(io.BytesIO(body(client, "parquet")))
    assert table.column_names == column_names(["police", "ward"])
    assert table.schema.field("requested_datetime").type == pa.timestamp("ms", tz="UTC")
    assert table.schema.field("lat").type == pa.float64()
    assert table.schema.field("public_notes").type == pa.int64()
    csv_rows = {r["service_request_id"]: r for r in rows_of_csv(body(client, "csv"))}
    assert table.num_rows == len(csv_rows)
    for record in table.to_pylist():
        row = csv_rows[record["service_request_id"]]
        assert record["requested_datetime"].strftime("%Y-%m-%dT%H:%M:%SZ") == row["requested_datetime"]
        assert record["district_ward"] == row["district_ward"] and str(record["lat"]) == row["lat"]


def test_a_service_that_asks_for_privacy_has_its_places_rounded_and_no_address(client, history, api):
    graffiti = history.city.graffiti
    graffiti.location_decimals = 2
    graffiti.save()
    rows = [r for r in rows_of_csv(body(client, "csv")) if r["service_code"] == "GRAF"]
    assert rows and all(len(r["lat"].split(".")[1]) <= 2 and r["address"] == "" for r in rows)
    number = rows[0]["service_request_id"]
    # The GeoReport API publishes the same rounded place.
    for path in (f"/open311/v2/requests/{number}.json", "/open311/v2/requests.json?service_code=GRAF"):
        published = api.get(path, {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-05-29T00:00:00Z"})
        found = next(r for r in published.json() if r["service_request_id"] == number)
        assert (str(found["lat"]), str(found["long"])) == (rows[0]["lat"], rows[0]["long"])
        assert found["address"] is None


def test_filters_apply_and_batches_join_without_a_gap_or_a_repeat(client, history, monkeypatch):
    everything = rows_of_csv(body(client, "csv"))
    monkeypatch.setattr(records, "BATCH", 5)
    for fmt in ("csv", "geojson", "parquet"):
        chunks = list(client.get(f"/data/requests.{fmt}").streaming_content)
        assert len(chunks) >= len(everything) // 5  # one chunk (or more) per batch: sent as it is read
    assert rows_of_csv(body(client, "csv")) == everything
    potholes = rows_of_csv(body(client, "csv", service_code="PHF", district="ward:1"))
    assert potholes == [r for r in everything if r["service_code"] == "PHF" and r["district_ward"] == "1"]


def test_an_export_says_what_it_is(client, history):
    response = client.get("/data/requests.parquet")
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    assert response["Content-Disposition"].startswith('attachment; filename="springfield.example-requests-')
    assert client.get("/data/requests.geojson")["Content-Type"] == "application/geo+json"


def test_a_bad_filter_on_an_export_gets_a_400_before_anything_is_sent(client, city):
    response = client.get("/data/requests.csv", {"start_date": "soon", "district": "ward:77"})
    assert response.status_code == 400 and not response.streaming
    assert [e["description"].split(":")[0] for e in response.json()] == ["district", "start_date"]
