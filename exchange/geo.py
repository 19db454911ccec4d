"""Geometry of GeoJSON (RFC 7946) that the export and the import share: rounding, ring winding (the
right-hand rule), centroids, and the structural check of a geometry read from a file.

Positions are ``[longitude, latitude]`` (an optional third number is an altitude) in WGS84. Six decimal
places (about 0.1 m) are what the coordinate fields of areas and resources hold and what RFC 7946
suggests; everything written or compared goes through ``round_position`` so an export read back in is
equal to what was exported.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.utils.translation import gettext as _

DECIMALS = 6
ALTITUDE_DECIMALS = 3
QUANTUM = Decimal(1).scaleb(-DECIMALS)  # 0.000001

Position = list[float]
Ring = list[Position]


def is_number(value: Any) -> bool:
    """A JSON number that is a real coordinate (not a boolean, not NaN or infinity)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def round_position(position: list[Any]) -> Position:
    """``[lon, lat]`` (and altitude, if given) rounded; further members are dropped."""
    rounded = [round(float(position[0]), DECIMALS), round(float(position[1]), DECIMALS)]
    if len(position) > 2 and is_number(position[2]):
        rounded.append(round(float(position[2]), ALTITUDE_DECIMALS))
    return rounded


def as_decimal(value: float) -> Decimal:
    """A coordinate as the ``DecimalField`` of a latitude or longitude holds it."""
    return Decimal(str(value)).quantize(QUANTUM)


def point(longitude: Any, latitude: Any) -> dict[str, Any]:
    return {"type": "Point", "coordinates": round_position([longitude, latitude])}


def signed_area(ring: Ring) -> float:
    """Twice the signed area of a ring (shoelace, longitude as x): positive when counterclockwise."""
    total = 0.0
    for (x1, y1, *_rest), (x2, y2, *_rest2) in pairwise(ring):
        total += x1 * y2 - x2 * y1
    return total


def wound(ring: Ring, counterclockwise: bool) -> Ring:
    """The ring turning the asked way (RFC 7946 §3.1.6: exterior rings counterclockwise, holes clockwise)."""
    area = signed_area(ring)
    if area == 0 or (area > 0) == counterclockwise:
        return ring
    return list(reversed(ring))


def polygons_of(outline: dict[str, Any]) -> list[list[Ring]]:
    coordinates = outline.get("coordinates") or []
    return [coordinates] if outline.get("type") == "Polygon" else list(coordinates)


def normalized_outline(outline: dict[str, Any]) -> dict[str, Any]:
    """A Polygon or MultiPolygon (already valid: ``assets.models.geojson_outline_error``) rounded and wound
    by the right-hand rule; only ``type`` and ``coordinates`` are kept."""
    polygons = [
        [wound([round_position(p) for p in ring], counterclockwise=index == 0) for index, ring in enumerate(polygon)]
        for polygon in polygons_of(outline)
    ]
    if outline.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def outline_centroid(outline: dict[str, Any]) -> tuple[float, float] | None:
    """``(lon, lat)`` of the area-weighted centroid of the outline's exterior rings (holes ignored: good
    enough to place a marker), or the mean of their vertices when they enclose no area."""
    weighted_x = weighted_y = total = 0.0
    vertices: list[Position] = []
    for polygon in polygons_of(outline):
        if not polygon:
            continue
        ring = polygon[0]
        vertices.extend(ring[:-1] or ring)
        for (x1, y1, *_rest), (x2, y2, *_rest2) in pairwise(ring):
            cross = x1 * y2 - x2 * y1
            total += cross
            weighted_x += (x1 + x2) * cross
            weighted_y += (y1 + y2) * cross
    if total:
        return round(weighted_x / (3 * total), DECIMALS), round(weighted_y / (3 * total), DECIMALS)
    if vertices:
        return (
            round(sum(v[0] for v in vertices) / len(vertices), DECIMALS),
            round(sum(v[1] for v in vertices) / len(vertices), DECIMALS),
        )
    return None


def extend_bbox(bbox: list[float] | None, positions: Iterator[Position]) -> list[float] | None:
    """``[west, south, east, north]`` grown to hold ``positions``."""
    for lon, lat, *_rest in positions:
        if bbox is None:
            bbox = [lon, lat, lon, lat]
        else:
            bbox = [min(bbox[0], lon), min(bbox[1], lat), max(bbox[2], lon), max(bbox[3], lat)]
    return bbox


def positions_of(geometry: dict[str, Any]) -> Iterator[Position]:
    if geometry["type"] == "Point":
        yield geometry["coordinates"]
        return
    for polygon in polygons_of(geometry):
        for ring in polygon:
            yield from ring


# --- Checking a geometry read from a file ------------------------------------------------------
class GeometryError(Exception):
    """What is wrong with a geometry, and where (a path such as ``geometry.coordinates[0][3][1]``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


IMPORTED_TYPES = ("Point", "Polygon", "MultiPolygon")
GEOMETRY_TYPES = (*IMPORTED_TYPES, "MultiPoint", "LineString", "MultiLineString", "GeometryCollection")


def check_position(value: Any, path: str) -> Position:
    """A valid ``[lon, lat(, alt)]``, rounded, or ``GeometryError``."""
    if not isinstance(value, list) or len(value) < 2:
        raise GeometryError(path, _("A position is a list of [longitude, latitude]."))
    for index, name in ((0, _("longitude")), (1, _("latitude"))):
        if not is_number(value[index]):
            raise GeometryError(
                f"{path}[{index}]",
                _("The %(name)s must be a number, not %(value)s.") % {"name": name, "value": _shown(value[index])},
            )
    lon, lat = float(value[0]), float(value[1])
    if not -180 <= lon <= 180:
        raise GeometryError(
            f"{path}[0]",
            _("The longitude %(value)s is outside -180 to 180: the file must be in WGS84.") % {"value": lon},
        )
    if not -90 <= lat <= 90:
        hint = _(" Are longitude and latitude swapped? GeoJSON gives [longitude, latitude].") if abs(lon) <= 90 else ""
        raise GeometryError(
            f"{path}[1]", _("The latitude %(value)s is outside -90 to 90.%(hint)s") % {"value": lat, "hint": hint}
        )
    if len(value) > 2 and not is_number(value[2]):
        raise GeometryError(
            f"{path}[2]", _("The altitude must be a number, not %(value)s.") % {"value": _shown(value[2])}
        )
    return round_position(value)


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_ring(value: Any, path: str) -> Ring:
    if not isinstance(value, list):
        raise GeometryError(path, _("A ring is a list of positions."))
    if len(value) < 4:
        raise GeometryError(
            path,
            _("A ring needs at least 4 positions (the first repeated at the end); it has %(n)s.") % {"n": len(value)},
        )
    ring = [check_position(position, f"{path}[{index}]") for index, position in enumerate(value)]
    if ring[0][:2] != ring[-1][:2]:
        raise GeometryError(path, _("The ring is not closed: its last position must repeat its first."))
    return ring


def check_polygon(value: Any, path: str) -> list[Ring]:
    if not isinstance(value, list) or not value:
        raise GeometryError(path, _("A polygon is a list of rings (the outer ring first, then any holes)."))
    return [check_ring(ring, f"{path}[{index}]") for index, ring in enumerate(value)]


def check_geometry(value: Any, path: str = "geometry") -> dict[str, Any]:
    """A Point, Polygon or MultiPolygon read from a file, checked and normalized (rounded, and polygons wound
    by the right-hand rule), or ``GeometryError`` naming the first thing wrong."""
    if not isinstance(value, dict):
        raise GeometryError(path, _("A geometry is an object with a type and coordinates."))
    kind = value.get("type")
    if kind not in GEOMETRY_TYPES:
        raise GeometryError(f"{path}.type", _("%(type)s is not a GeoJSON geometry type.") % {"type": _shown(kind)})
    if kind not in IMPORTED_TYPES:
        raise GeometryError(
            f"{path}.type", _("%(type)s geometries are not imported: use a Point or a Polygon.") % {"type": kind}
        )
    if "coordinates" not in value:
        raise GeometryError(f"{path}.coordinates", _("The geometry has no coordinates."))
    coordinates = value["coordinates"]
    where = f"{path}.coordinates"
    if kind == "Point":
        return {"type": "Point", "coordinates": check_position(coordinates, where)}
    if kind == "Polygon":
        return normalized_outline({"type": "Polygon", "coordinates": check_polygon(coordinates, where)})
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError(where, _("A MultiPolygon is a list of polygons."))
    polygons = [check_polygon(polygon, f"{where}[{index}]") for index, polygon in enumerate(coordinates)]
    return normalized_outline({"type": "MultiPolygon", "coordinates": polygons})
