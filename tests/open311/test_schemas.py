from datetime import UTC, datetime

from civic311.servicerequests.public import PUBLIC_FIELDS, RequestOut, build_request_row


def test_the_fast_row_path_gives_exactly_the_fields_of_the_schema_in_order():
    row = dict.fromkeys(PUBLIC_FIELDS, "")
    row |= {
        "requested_datetime": datetime(2026, 1, 1, tzinfo=UTC),
        "updated_datetime": None,
        "expected_datetime": None,
        "lat": 41.9,
        "long": -87.6,
        "status": "open",
        "service__location_decimals": None,
    }
    built = build_request_row(row, UTC)
    assert list(built) == list(RequestOut.model_fields)
    RequestOut.model_validate(built)
