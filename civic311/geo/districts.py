"""Which districts a point lies in: shapely STRtree over the jurisdiction's district polygons.

The tree is built once per process and rebuilt when the districts change (a cheap check of their
count and newest update time on each use), so imports in another process are seen too.
"""

import json
import threading
from dataclasses import dataclass

from django.db.models import Count, Max
from shapely import STRtree, points
from shapely.geometry import shape
from shapely.prepared import prep

from civic311.geo.models import District


@dataclass
class _Index:
    version: tuple
    tree: STRtree
    geometries: list
    prepared: list
    district_ids: list[int]


_cache: dict[int, _Index] = {}
_lock = threading.Lock()


def _version(jurisdiction_id: int) -> tuple:
    agg = District.objects.filter(jurisdiction_id=jurisdiction_id).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    return (agg["n"], agg["last"])


def _build(jurisdiction_id: int, version: tuple) -> _Index:
    geometries, ids = [], []
    for district_id, geometry in District.objects.filter(jurisdiction_id=jurisdiction_id).values_list(
        "id", "geometry"
    ):
        geom = shape(geometry if isinstance(geometry, dict) else json.loads(geometry))
        geometries.append(geom)
        ids.append(district_id)
    return _Index(version, STRtree(geometries), geometries, [prep(g) for g in geometries], ids)


def _index(jurisdiction_id: int) -> _Index:
    version = _version(jurisdiction_id)
    index = _cache.get(jurisdiction_id)
    if index is None or index.version != version:
        with _lock:
            index = _cache.get(jurisdiction_id)
            if index is None or index.version != version:
                index = _build(jurisdiction_id, version)
                _cache[jurisdiction_id] = index
    return index


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
