"""Which districts a point lies in: Springfield's two square wards."""

from civic311.geo.districts import district_ids_at, district_ids_for_many
from civic311.geo.models import District
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
