"""Which districts a point lies in: shapely STRtree over the jurisdiction's district polygons.

The tree and the prepared polygons are built once per process and kept until the districts change
anywhere (lib/versioned.py: an admin edit or an import in another process is seen at the next use).
Districts without a polygon (models.NO_POLYGON: known only by the code an import gave) are left out: no
point lies in them, and a jurisdiction that has only those has no area to check points against.
"""

import json
from dataclasses import dataclass

from shapely import STRtree, points
from shapely.geometry import shape
from shapely.prepared import prep

from civic311.geo.models import District, has_polygon
from civic311.lib import versioned


@dataclass
class _Index:
    tree: STRtree
    geometries: list
    prepared: list
    district_ids: list[int]


def _build(jurisdiction_id: int) -> _Index:
    geometries, ids = [], []
    for district_id, geometry in District.objects.filter(jurisdiction_id=jurisdiction_id).values_list(
        "id", "geometry"
    ):
        geometry = geometry if isinstance(geometry, dict) else json.loads(geometry)
        if not has_polygon(geometry):
            continue
        geom = shape(geometry)
        geometries.append(geom)
        ids.append(district_id)
    return _Index(STRtree(geometries), geometries, [prep(g) for g in geometries], ids)


_indexes = versioned.Memo(_build)


def _index(jurisdiction_id: int) -> _Index:
    return _indexes.get(jurisdiction_id)


def has_districts(jurisdiction_id: int) -> bool:
    """Whether the jurisdiction has district polygons at all (then a point outside them all is outside its
    area). Districts known only by their code do not count: they say nothing about where the city ends."""
    return bool(_index(jurisdiction_id).district_ids)


def district_ids_at(jurisdiction_id: int, lat: float, long: float) -> list[int]:
    """Ids of the districts (of every kind) that contain the point."""
    index = _index(jurisdiction_id)
    if not index.district_ids:
        return []
    point = points(long, lat)
    return [index.district_ids[i] for i in index.tree.query(point) if index.prepared[i].covers(point)]


def district_ids_for_many(jurisdiction_id: int, coords: list[tuple[float, float]]) -> list[list[int]]:
    """district_ids_at for many (lat, long) pairs at once (imports)."""
    index = _index(jurisdiction_id)
    result: list[list[int]] = [[] for _ in coords]
    if not index.district_ids or not coords:
        return result
    pts = points([(lo, la) for la, lo in coords])
    point_idx, geom_idx = index.tree.query(pts, predicate="covered_by")
    for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
        result[p].append(index.district_ids[g])
    return result
