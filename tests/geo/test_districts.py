"""Which districts a point lies in: Springfield's two square wards."""

from civic311.geo.districts import district_ids_at, district_ids_for_many, has_districts
from civic311.geo.models import NO_POLYGON, District
from tests.factories import INSIDE_WARD_1, INSIDE_WARD_2, OUTSIDE_CITY, square


def codes(ids: list[int]) -> list[str]:
    return sorted(District.objects.filter(pk__in=ids).values_list("code", flat=True))


def test_a_point_in_ward_1_is_in_ward_1(city):
    assert codes(district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_1)) == ["1"]


def test_a_point_in_ward_2_is_in_ward_2(city):
    assert codes(district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_2)) == ["2"]


def test_a_point_outside_the_city_is_in_no_district(city):
    assert district_ids_at(city.jurisdiction.pk, *OUTSIDE_CITY) == []


def test_a_point_on_the_boundary_is_in_both_wards(city):
    assert codes(district_ids_at(city.jurisdiction.pk, 41.88, -87.63)) == ["1", "2"]


def test_a_jurisdiction_without_districts_has_none(city):
    District.objects.all().delete()
    assert district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_1) == []
    assert district_ids_for_many(city.jurisdiction.pk, [INSIDE_WARD_1]) == [[]]


def test_it_locates_many_points_at_once_as_it_does_one_by_one(city):
    points = [INSIDE_WARD_1, OUTSIDE_CITY, INSIDE_WARD_2, (41.88, -87.63)]
    many = district_ids_for_many(city.jurisdiction.pk, points)
    assert many == [district_ids_at(city.jurisdiction.pk, *p) for p in points]
    assert [codes(ids) for ids in many] == [["1"], [], ["2"], ["1", "2"]]


def test_the_index_notices_a_district_added(city):
    assert codes(district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_1)) == ["1"]  # index built
    District.objects.create(
        jurisdiction=city.jurisdiction,
        kind="precinct",
        code="7",
        name="Precinct 7",
        geometry=square(-87.64, 41.87, -87.62, 41.89),
    )
    assert codes(district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_1)) == ["1", "7"]


def test_the_index_notices_a_district_changed(city):
    assert codes(district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_2)) == ["2"]  # index built
    ward_1 = city.wards[0]
    ward_1.geometry = square(-87.64, 41.87, -87.62, 41.89)  # redistricting: ward 1 grows east
    ward_1.save()
    assert codes(district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_2)) == ["1", "2"]


def test_the_index_notices_a_district_removed(city):
    assert codes(district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_2)) == ["2"]  # index built
    city.wards[1].delete()
    assert district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_2) == []


def test_each_jurisdiction_has_its_own_districts(city):
    from civic311.catalog.models import Jurisdiction

    other = Jurisdiction.objects.create(jurisdiction_id="shelbyville.example", name="Shelbyville")
    assert district_ids_at(other.pk, *INSIDE_WARD_1) == []
    assert codes(district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_1)) == ["1"]


def _known_by_code_only(city, code: str = "9") -> District:
    return District.objects.create(
        jurisdiction=city.jurisdiction, kind="ward", code=code, name=f"Ward {code}", geometry=NO_POLYGON
    )


def test_a_district_known_only_by_its_code_contains_no_point(city):
    ward_9 = _known_by_code_only(city)
    assert codes(district_ids_at(city.jurisdiction.pk, *INSIDE_WARD_1)) == ["1"]
    assert district_ids_for_many(city.jurisdiction.pk, [INSIDE_WARD_1, OUTSIDE_CITY]) == [
        [city.wards[0].pk],
        [],
    ]
    assert ward_9.pk not in district_ids_at(city.jurisdiction.pk, 0, 0)
    assert has_districts(city.jurisdiction.pk)


def test_districts_known_only_by_their_code_give_a_city_no_edge(city):
    District.objects.all().delete()
    _known_by_code_only(city)
    assert not has_districts(city.jurisdiction.pk)  # so a request anywhere is not "outside the area"
    assert district_ids_at(city.jurisdiction.pk, *OUTSIDE_CITY) == []


def test_maps_draw_only_districts_with_a_polygon(city, client):
    _known_by_code_only(city)
    assert set(District.objects.with_polygon().values_list("code", flat=True)) == {"1", "2"}
    outlines = client.get("/districts.geojson").json()["features"]
    assert {f["properties"]["code"] for f in outlines} == {"1", "2"}
    from civic311.portal.community import city_centre

    lat, long = city_centre(city.jurisdiction)
    assert 41.8 < lat < 42 and -87.7 < long < -87.5  # the wards' middle, not NaN
