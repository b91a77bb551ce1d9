"""District polygons from a GeoJSON FeatureCollection (wards, community areas, precincts …)."""

import json
from pathlib import Path

from django.db import transaction
from shapely.geometry import shape
from shapely.validation import explain_validity, make_valid

from civic311.catalog.models import Jurisdiction
from civic311.geo.models import District
from civic311.opendata.importers.base import Progress

MAX_FILE_BYTES = 200_000_000
POLYGON_TYPES = {"Polygon", "MultiPolygon"}


class DistrictFileError(ValueError):
    pass


def _read(path: Path) -> dict:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise DistrictFileError(f"{path} is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DistrictFileError(f"{path} is not GeoJSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DistrictFileError(f"{path} is not a GeoJSON FeatureCollection")
    return data


def _geometry(feature: dict, label: str) -> dict:
    geometry = feature.get("geometry") or {}
    kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
    if kind not in POLYGON_TYPES:
        raise DistrictFileError(f"{label}: geometry is {kind!r}, not a Polygon or MultiPolygon")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError) as exc:
        raise DistrictFileError(f"{label}: unreadable geometry ({exc})") from None
    if not geom.is_valid:
        # Self-touching rings are common in city exports; repair them instead of refusing the file.
        reason = explain_validity(geom)
        geom = make_valid(geom)
        if geom.geom_type not in POLYGON_TYPES:
            raise DistrictFileError(f"{label}: invalid geometry that cannot be repaired ({reason})")
        geometry = geom.__geo_interface__
    min_x, min_y, max_x, max_y = geom.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise DistrictFileError(f"{label}: coordinates are not longitude/latitude (WGS84)")
    return json.loads(json.dumps(geometry))  # tuples from shapely -> plain lists


def import_file(
    path: Path,
    jurisdiction: Jurisdiction,
    *,
    kind: str,
    name_field: str,
    code_field: str | None = None,
    name_format: str = "{name}",
    progress: bool = False,
) -> tuple[int, int]:
    """Create or update one district per feature; returns (created, updated). All or nothing. With
    `progress`, a bar on a terminal over the features checked, then written."""
    data = _read(path)
    features = data.get("features") or []
    # Checked here so a malformed file gets a DistrictFileError (a message), not an AttributeError.
    if not isinstance(features, list):
        raise DistrictFileError(f"{path}: features is not a list")
    if not features:
        raise DistrictFileError(f"{path} has no features")
    rows: list[tuple[str, str, dict]] = []
    checking = Progress(progress, label=f"{path.name}: checked", total=len(features), unit="features")
    for n, feature in enumerate(features, start=1):
        checking.show(n - 1)
        label = f"feature {n}"
        if not isinstance(feature, dict):
            raise DistrictFileError(f"{label}: not a GeoJSON Feature object")
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        if name_field not in properties:
            raise DistrictFileError(f"{label}: no property {name_field!r} (it has {sorted(properties)})")
        name = str(properties[name_field]).strip()
        code = str(properties[code_field or name_field]).strip()
        if not code:
            raise DistrictFileError(f"{label}: empty {code_field or name_field!r}")
        if any(code == seen for seen, _, _ in rows):
            raise DistrictFileError(f"{label}: code {code!r} appears twice in the file")
        rows.append((code, name_format.format(name=name, kind=kind), _geometry(feature, f"{label} ({code})")))
    checking.show(len(features))
    checking.close()
    created = updated = 0
    writing = Progress(progress, label=f"{path.name}: written", total=len(rows), unit="districts")
    with writing, transaction.atomic():
        for n, (code, name, geometry) in enumerate(rows, start=1):
            writing.show(n)
            _, was_created = District.objects.update_or_create(
                jurisdiction=jurisdiction, kind=kind, code=code, defaults={"name": name, "geometry": geometry}
            )
            created += was_created
            updated += not was_created
    return created, updated
