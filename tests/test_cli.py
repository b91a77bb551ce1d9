"""The `civic311` console command, run for real in a subprocess on a fresh SQLite file."""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from civic311.management import samplecity

pytestmark = pytest.mark.slow

CIVIC311 = Path(sys.executable).parent / "civic311"
XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<service_requests><request><service_request_id>&e;</service_request_id></request></service_requests>
"""


@pytest.fixture
def civic311(tmp_path):
    """Run `civic311 ARGS` against a database of its own in tmp_path; returns the finished process."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'civic311.sqlite3'}",
        "CIVIC311_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "civic311.settings",
    }
    env.pop("SECRET_KEY", None)

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(CIVIC311), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        if check:
            assert done.returncode == 0, done.stderr
        return done

    return run


@pytest.fixture
def initialised(civic311):
    civic311("init")
    return civic311


def query(tmp_path: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(tmp_path / "civic311.sqlite3") as connection:
        return connection.execute(sql, params).fetchall()


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_help_lists_the_commands(civic311):
    out = civic311("help").stdout
    for command in ("init", "serve", "apikey", "import_data", "migrate", "createsuperuser"):
        assert command in out


def test_init_creates_the_database(initialised, tmp_path):
    tables = {name for (name,) in query(tmp_path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"open311_apikey", "servicerequests_servicerequest", "geo_district"} <= tables


def test_apikey_create_prints_a_working_key_alone_on_the_last_line(initialised, tmp_path):
    done = initialised("apikey", "create", "Test App")
    key = last_line(done.stdout)
    assert key.startswith("c311_") and " " not in key
    assert "shown once" in done.stderr
    rows = query(
        tmp_path, "SELECT name, prefix, revoked_at FROM open311_apikey WHERE key_hash = ?", sha256(key)
    )
    assert rows == [("Test App", key[:10], None)]
    listing = initialised("apikey", "list").stdout
    assert f"{key[:10]}…  Test App  (active, never used)" in listing


def test_apikey_revoke_revokes_the_key_with_that_prefix(initialised, tmp_path):
    key = last_line(initialised("apikey", "create", "Test App").stdout)
    done = initialised("apikey", "revoke", key[:10])
    assert "Revoked Test App" in done.stdout
    (revoked_at,) = query(tmp_path, "SELECT revoked_at FROM open311_apikey WHERE key_hash = ?", sha256(key))[
        0
    ]
    assert revoked_at is not None
    assert "revoked" in initialised("apikey", "list").stdout
    again = initialised("apikey", "revoke", key[:10], check=False)
    assert again.returncode != 0 and "0 active keys start with" in again.stderr


def test_import_districts_reads_a_geojson_file(initialised, tmp_path):
    square = [[[-87.64, 41.87], [-87.63, 41.87], [-87.63, 41.89], [-87.64, 41.89], [-87.64, 41.87]]]
    geojson = tmp_path / "wards.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "1"},
                        "geometry": {"type": "Polygon", "coordinates": square},
                    }
                ],
            }
        )
    )
    done = initialised(
        "import",
        "districts",
        str(geojson),
        "--kind",
        "ward",
        "--name-field",
        "name",
        "--jurisdiction",
        "test.example",
        "--jurisdiction-name",
        "Test City",
    )
    assert "districts: 1 created, 0 updated" in done.stdout
    assert query(tmp_path, "SELECT kind, code FROM geo_district") == [("ward", "1")]


def test_import_open311_refuses_xml_with_an_external_entity(initialised, tmp_path):
    xxe = tmp_path / "xxe.xml"
    xxe.write_text(XXE)
    done = initialised(
        "import",
        "open311",
        str(xxe),
        "--jurisdiction",
        "test.example",
        "--jurisdiction-name",
        "Test",
        check=False,
    )
    assert done.returncode != 0
    assert "refused, the XML declares a DTD or entities" in done.stderr
    assert "Traceback" not in done.stderr
    assert query(tmp_path, "SELECT COUNT(*) FROM servicerequests_servicerequest") == [(0,)]


@pytest.mark.skipif(not samplecity.CATALOG.exists(), reason="the sample city's catalog is not written yet")
def test_init_with_the_sample_city_twice_prints_the_same_demo_key(civic311, tmp_path):
    first = civic311("init", "--sample-city", "--no-requests")
    second = civic311("init", "--sample-city", "--no-requests")
    key = last_line(first.stdout)
    assert key.startswith("c311_")
    assert last_line(second.stdout) == key
    assert "50 wards" in second.stdout
    assert query(tmp_path, "SELECT COUNT(*) FROM open311_apikey") == [(1,)]
    assert query(tmp_path, "SELECT name FROM open311_apikey WHERE key_hash = ?", sha256(key)) == [("demo",)]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
