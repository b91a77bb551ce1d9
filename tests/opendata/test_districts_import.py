"""Importing district polygons from GeoJSON: all or nothing, with a message that says what is wrong."""

import json

import pytest
from shapely.geometry import shape

from civic311.geo.districts import district_ids_at
from civic311.geo.models import District
from civic311.opendata.importers.districts import DistrictFileError, import_file
from tests.factories import square

NORTH = square(-87.64, 41.88, -87.62, 41.89)
SOUTH = square(-87.64, 41.87, -87.62, 41.88)


def feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture
def geojson(tmp_path):
    def write(data, name: str = "districts.geojson"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def jurisdiction(city):
    District.objects.all().delete()  # start without Springfield's two wards
    return city.jurisdiction


def refused(path, jurisdiction, match: str) -> None:
    with pytest.raises(DistrictFileError, match=match):
        import_file(path, jurisdiction, kind="precinct", name_field="name")
    assert not District.objects.exists()  # all or nothing


def test_it_creates_a_district_per_feature(jurisdiction, geojson):
    path = geojson(
        collection(feature(NORTH, name="North", code="N1"), feature(SOUTH, name="South", code="S1"))
    )
    created, updated = import_file(path, jurisdiction, kind="precinct", name_field="name", code_field="code")
    assert (created, updated) == (2, 0)
    assert sorted(District.objects.values_list("kind", "code", "name")) == [
        ("precinct", "N1", "North"),
        ("precinct", "S1", "South"),
    ]
    assert [
        d.code for d in District.objects.filter(pk__in=district_ids_at(jurisdiction.pk, 41.885, -87.63))
    ] == ["N1"]


def test_it_names_districts_with_the_format_given(jurisdiction, geojson):
    path = geojson(collection(feature(NORTH, District_N="7")))
    import_file(path, jurisdiction, kind="ward", name_field="District_N", name_format="Ward {name}")
    assert District.objects.get().name == "Ward 7"
    assert District.objects.get().code == "7"


def test_a_second_import_updates_rather_than_duplicates(jurisdiction, geojson):
    import_file(
        geojson(collection(feature(NORTH, name="North"))), jurisdiction, kind="precinct", name_field="name"
    )
    moved = square(-87.60, 41.88, -87.58, 41.89)
    created, updated = import_file(
        geojson(collection(feature(moved, name="North"), feature(SOUTH, name="South"))),
        jurisdiction,
        kind="precinct",
        name_field="name",
    )
    assert (created, updated) == (1, 1)
    assert District.objects.count() == 2
    north = District.objects.get(code="North")
    assert shape(north.geometry).equals(shape(moved))


def test_the_same_codes_of_another_kind_are_other_districts(jurisdiction, geojson):
    path = geojson(collection(feature(NORTH, name="1")))
    import_file(path, jurisdiction, kind="ward", name_field="name")
    import_file(path, jurisdiction, kind="precinct", name_field="name")
    assert sorted(District.objects.values_list("kind", flat=True)) == ["precinct", "ward"]


def test_it_refuses_a_feature_missing_the_name_field(jurisdiction, geojson):
    path = geojson(collection(feature(NORTH, name="North"), feature(SOUTH, title="South")))
    refused(path, jurisdiction, r"feature 2: no property 'name' \(it has \['title'\]\)")


def test_it_refuses_an_empty_name(jurisdiction, geojson):
    refused(geojson(collection(feature(NORTH, name="  "))), jurisdiction, "feature 1: empty 'name'")


def test_it_refuses_a_point(jurisdiction, geojson):
    point = {"type": "Point", "coordinates": [-87.63, 41.88]}
    path = geojson(collection(feature(NORTH, name="North"), feature(point, name="Here")))
    refused(path, jurisdiction, r"feature 2 \(Here\): geometry is 'Point', not a Polygon or MultiPolygon")


def test_it_refuses_a_feature_without_geometry(jurisdiction, geojson):
    path = geojson(collection({"type": "Feature", "properties": {"name": "Nowhere"}, "geometry": None}))
    refused(path, jurisdiction, "geometry is None, not a Polygon or MultiPolygon")


def test_it_refuses_projected_coordinates(jurisdiction, geojson):
    # Illinois State Plane East (feet), as Chicago's own files give x_coordinate/y_coordinate.
    projected = square(1162000, 1896000, 1163000, 1897000)
    path = geojson(collection(feature(NORTH, name="North"), feature(projected, name="Projected")))
    refused(path, jurisdiction, r"feature 2 \(Projected\): coordinates are not longitude/latitude \(WGS84\)")


def test_it_refuses_a_file_that_is_not_json(jurisdiction, geojson):
    refused(geojson("ward,geometry\n1,POLYGON((0 0, 1 0, 1 1, 0 0))\n"), jurisdiction, "is not GeoJSON")


def test_it_refuses_json_that_is_not_a_feature_collection(jurisdiction, geojson):
    refused(geojson(feature(NORTH, name="North")), jurisdiction, "is not a GeoJSON FeatureCollection")
    refused(geojson([feature(NORTH, name="North")]), jurisdiction, "is not a GeoJSON FeatureCollection")


def test_it_refuses_a_collection_without_features(jurisdiction, geojson):
    refused(geojson(collection()), jurisdiction, "has no features")


def test_it_refuses_features_that_are_not_objects(jurisdiction, geojson):
    path = geojson({"type": "FeatureCollection", "features": [feature(NORTH, name="North"), "South"]})
    refused(path, jurisdiction, "feature 2: not a GeoJSON Feature object")
    refused(
        geojson({"type": "FeatureCollection", "features": {"a": 1}}), jurisdiction, "features is not a list"
    )


def test_it_refuses_an_unreadable_geometry(jurisdiction, geojson):
    broken = {"type": "Polygon", "coordinates": [[[-87.64, 41.88], "nowhere"]]}
    refused(
        geojson(collection(feature(broken, name="Broken"))), jurisdiction, r"feature 1 \(Broken\): unreadable"
    )


def test_it_repairs_a_self_intersecting_polygon_rather_than_refusing_it(jurisdiction, geojson):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[-87.64, 41.87], [-87.62, 41.89], [-87.62, 41.87], [-87.64, 41.89], [-87.64, 41.87]]
        ],
    }
    assert not shape(bow_tie).is_valid
    import_file(
        geojson(collection(feature(bow_tie, name="Bow tie"))),
        jurisdiction,
        kind="precinct",
        name_field="name",
    )
    repaired = shape(District.objects.get(code="Bow tie").geometry)
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(shape(square(-87.64, 41.87, -87.62, 41.89)).area / 2)
    # Both triangles of the tie are in the district, the gaps beside the knot are not.
    assert district_ids_at(jurisdiction.pk, 41.88, -87.635)  # left triangle
    assert district_ids_at(jurisdiction.pk, 41.88, -87.625)  # right triangle
    assert not district_ids_at(jurisdiction.pk, 41.888, -87.63)  # above the knot


def test_it_imports_the_sample_citys_fifty_wards(jurisdiction):
    from civic311.management import samplecity

    created, updated = import_file(samplecity.WARDS, jurisdiction, kind="ward", name_field="District_N")
    assert (created, updated) == (50, 0)
    assert sorted(int(code) for code in District.objects.values_list("code", flat=True)) == list(range(1, 51))
    # The Loop (State and Madison) is in the 42nd ward.
    ward = District.objects.get(pk__in=district_ids_at(jurisdiction.pk, 41.8820, -87.6278))
    assert ward.code == "42"


def test_a_code_twice_in_one_file_is_refused(tmp_path, city):
    import json

    from civic311.geo.models import District
    from civic311.opendata.importers.districts import DistrictFileError, import_file

    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    features = [{"type": "Feature", "properties": {"name": "7"}, "geometry": square} for _ in range(2)]
    path = tmp_path / "twice.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    before = District.objects.count()
    with pytest.raises(DistrictFileError, match="appears twice"):
        import_file(path, city.jurisdiction, kind="precinct", name_field="name")
    assert District.objects.count() == before
