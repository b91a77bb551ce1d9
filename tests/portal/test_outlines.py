"""The maps' base layer: ward outlines small enough for a phone, and compressed."""

import gzip
import json

from shapely.geometry import shape

from civic311.geo.models import District


def test_the_outlines_are_simplified_rounded_and_still_cover_each_ward(client, city):
    response = client.get("/districts.geojson")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"
    features = response.json()["features"]
    wards = {d.code: shape(d.geometry) for d in District.objects.filter(kind="ward")}
    assert {f["properties"]["code"] for f in features} == set(wards)
    for feature in features:
        drawn = shape(feature["geometry"])
        exact = wards[feature["properties"]["code"]]
        assert drawn.is_valid
        # Within about 10 m of the exact shape, everywhere.
        assert drawn.hausdorff_distance(exact) < 0.0002
        coordinates = json.dumps(feature["geometry"]["coordinates"])
        assert all(
            len(n.split(".")[-1]) <= 5 for n in coordinates.replace("[", "").replace("]", "").split(",")
        )


def test_the_outlines_are_gzipped_for_browsers_that_accept_it(client, city):
    plain = client.get("/districts.geojson")
    packed = client.get("/districts.geojson", headers={"Accept-Encoding": "gzip"})
    assert packed["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.content)) == plain.json()


def test_only_get_reads_the_outlines(client, city):
    assert client.post("/districts.geojson").status_code == 405
