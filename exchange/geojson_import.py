"""GeoJSON import: points and outlines onto the areas and resources that already exist (nothing is
created). A FeatureCollection (or a single Feature) in WGS84, as RFC 7946 has it.

Which record a feature is, first match wins:

1. ``properties.tag``: the resource with that tag; ``properties.code``: the area with that code
   (``properties.kind``, ``"resource"`` or ``"area"``, says which when a feature has both);
2. the feature's ``id`` member: ``"resource:<tag>"`` or ``"area:<code>"`` (what the export writes), or a
   bare tag or code;
3. ``properties.name``: the one resource or area of that name at the site (two of the same name: a
   problem, give the tag).

What it writes: a Point becomes the latitude and longitude of a resource or an area; a Polygon or
MultiPolygon the outline of an area (resources only take points). Coordinates are rounded to six decimals
and rings wound by the right-hand rule, so the export of an import reads back unchanged; a record is saved
only when a value differs. A feature whose ``position_source`` is ``"area"`` (the export gave a resource
without a position its area's point) is left alone.

Problems (feature = its 1-based index in ``features``, column = the path of the property or coordinate):
an unknown tag or code, a record of another site than the import's, a ``properties.site`` naming another
site, a geometry that is not a valid Point, Polygon or MultiPolygon (positions out of range, not numbers,
rings not closed or shorter than 4 positions), a polygon for a resource, the same record twice. A file that
is not UTF-8 JSON, not a FeatureCollection, or declares a projected ``crs`` is refused as a whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Area, Resource, geojson_outline_error
from exchange import geo
from exchange.files import FileRefused, check_text
from exchange.geojson_export import chosen_site_id
from exchange.refs import save_record
from exchange.registry import ImportJob, register_importer
from exchange.report import UNCHANGED, ImportReport

SHEET = "features"
RESOURCE, AREA = "resource", "area"
# The names a GeoJSON file of 2008 (before RFC 7946) or a GIS gives WGS84 longitude/latitude by.
WGS84_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "urn:ogc:def:crs:epsg::4326",
    "urn:ogc:def:crs:epsg:6.6:4326",
    "epsg:4326",
    "crs84",
    "wgs84",
}
LOOKUP_CHUNK = 500  # ids per IN (...) query, below every database's limit of parameters


def read_features(path: Path) -> list[Any]:
    """The ``features`` of the file, or ``FileRefused`` saying why the file as a whole cannot be read."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused(
            _("The file is not UTF-8 text (byte %(at)s): GeoJSON files are UTF-8.") % {"at": error.start + 1}
        ) from error
    try:
        # NaN and Infinity are not JSON: keep them as text, so the feature that has one is the problem.
        data = json.loads(text, parse_constant=str)
    except json.JSONDecodeError as error:
        raise FileRefused(
            _("The file is not valid JSON: %(message)s at line %(line)s, column %(column)s.")
            % {"message": error.msg, "line": error.lineno, "column": error.colno}
        ) from error
    except RecursionError as error:
        raise FileRefused(_("The file nests its JSON too deeply to be GeoJSON.")) from error
    if not isinstance(data, dict) or "type" not in data:
        raise FileRefused(_("The file is JSON but not GeoJSON: it should be an object with a type FeatureCollection."))
    check_crs(data.get("crs"))
    kind = data["type"]
    if kind == "Feature":
        return [data]
    if kind != "FeatureCollection":
        raise FileRefused(
            _(
                "The file is a GeoJSON %(type)s, not a FeatureCollection: nothing in it says which area or "
                "equipment a geometry belongs to."
            )
            % {"type": str(kind)[:40]}
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise FileRefused(_("The FeatureCollection has no list of features."))
    return features


def check_crs(crs: Any) -> None:
    """RFC 7946 has no ``crs`` (always WGS84); older files name one: WGS84 is fine, another is refused
    (its coordinates are metres of a projection, not degrees)."""
    if crs is None:
        return
    name = ""
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = str(crs["properties"].get("name") or crs["properties"].get("href") or "")
    if name.strip().lower() in WGS84_NAMES:
        return
    raise FileRefused(
        _(
            "The file gives its coordinates in %(crs)s. GeoJSON is in WGS84 longitude/latitude: export it "
            "again as EPSG:4326 (in QGIS: Export, Save Features As, CRS EPSG:4326)."
        )
        % {"crs": name[:80] or _("another coordinate system")}
    )


@dataclass
class Key:
    """How a feature names its record: ``by`` one of tag, code, id, name; ``column`` where it says it."""

    kinds: tuple[str, ...]  # which models it may be (resource, area)
    by: str
    values: tuple[str, ...]  # candidates, in order (an id "area:X:point" may mean the area X)
    column: str


@dataclass
class Parsed:
    """A feature that passed its own checks: which record it names and its normalized geometry."""

    row: int
    key: Key
    geometry: dict[str, Any]
    properties: dict[str, Any]
    from_area: bool


def _text(value: Any) -> str | None:
    """A tag, code or name as text: strings and whole numbers (a GIS column of numeric tags)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def feature_key(feature: dict[str, Any], properties: dict[str, Any], kind: str | None) -> Key | None:
    kinds = (kind,) if kind else (RESOURCE, AREA)
    tag, code = _text(properties.get("tag")), _text(properties.get("code"))
    if tag and RESOURCE in kinds:  # without a kind, a tag wins over a code
        return Key((RESOURCE,), "tag", (tag,), "properties.tag")
    if code and AREA in kinds:
        return Key((AREA,), "code", (code,), "properties.code")
    feature_id = _text(feature.get("id"))
    if feature_id:
        prefix, _sep, rest = feature_id.partition(":")
        if prefix in (RESOURCE, AREA) and rest and prefix in kinds:
            values = (rest, rest.removesuffix(":point")) if prefix == AREA and rest.endswith(":point") else (rest,)
            return Key((prefix,), "id", values, "id")
        return Key(kinds, "id", (feature_id,), "id")
    name = _text(properties.get("name"))
    if name:
        return Key(kinds, "name", (name,), "properties.name")
    return None


class Records:
    """The resources and areas the features name, loaded (and locked) in a few queries: by tag and code
    in the user's sites, by name at the import's site."""

    def __init__(self, parsed: list[Parsed], site_ids: frozenset[int] | None, site: Area) -> None:
        wanted: dict[tuple[str, str], set[str]] = {(m, by): set() for m in (RESOURCE, AREA) for by in ("key", "name")}
        for item in parsed:
            slot = "name" if item.key.by == "name" else "key"
            for kind in item.key.kinds:
                wanted[(kind, slot)].update(item.key.values)
        visible = None if site_ids is None else list(site_ids)
        # Locked: saving a record writes every field, and an edit on its page meanwhile would be lost.
        resources = (
            Resource.objects.in_sites(visible).select_for_update(of=("self",)).annotate(site_pk=F("area__site_id"))
        )
        areas = Area.objects.in_sites(visible).select_for_update()
        self.by_tag = {r.tag: r for r in _chunked(resources, "tag", wanted[(RESOURCE, "key")])}
        self.by_code = {a.code: a for a in _chunked(areas, "code", wanted[(AREA, "key")])}
        self.by_name: dict[tuple[str, str], list[models.Model]] = {}
        for resource in _chunked(resources.filter(area__site_id=site.pk), "name", wanted[(RESOURCE, "name")]):
            self.by_name.setdefault((RESOURCE, resource.name), []).append(resource)
        for area in _chunked(areas.filter(site_id=site.pk), "name", wanted[(AREA, "name")]):
            self.by_name.setdefault((AREA, area.name), []).append(area)

    def find(self, key: Key) -> tuple[str, Any] | str:
        """``(kind, record)``, or a message saying why there is none (or more than one)."""
        if key.by == "name":
            matches = [(kind, r) for kind in key.kinds for r in self.by_name.get((kind, key.values[0]), [])]
            if len(matches) > 1:
                return _("%(n)s records at this site are named %(name)s: give the tag or code instead.") % {
                    "n": len(matches),
                    "name": key.values[0],
                }
            return matches[0] if matches else _("Nothing at this site is named %(name)s.") % {"name": key.values[0]}
        found = []
        for value in key.values:
            if RESOURCE in key.kinds and value in self.by_tag:
                found.append((RESOURCE, self.by_tag[value]))
            if AREA in key.kinds and value in self.by_code:
                found.append((AREA, self.by_code[value]))
            if found:
                break
        if len(found) > 1:
            return _(
                "%(value)s is both the tag of equipment and the code of an area: say which with properties.kind."
            ) % {"value": key.values[0]}
        if found:
            return found[0]
        if key.kinds == (RESOURCE,):
            return _("No equipment has the tag %(value)s in your sites.") % {"value": key.values[0]}
        if key.kinds == (AREA,):
            return _("No area has the code %(value)s in your sites.") % {"value": key.values[0]}
        return _("No equipment tag or area code %(value)s in your sites.") % {"value": key.values[0]}


def _chunked(queryset: models.QuerySet[Any], field: str, values: Iterable[str]) -> list[Any]:
    ordered = sorted(values)
    rows: list[Any] = []
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        rows.extend(queryset.filter(**{f"{field}__in": ordered[start : start + LOOKUP_CHUNK]}))
    return rows


def record_site_id(kind: str, record: Any) -> int:
    return int(record.site_pk if kind == RESOURCE else record.site_id)


class GeoJSONImporter:
    """Positions and outlines of existing areas and equipment, from a GeoJSON file (see the module)."""

    format = "geojson"
    label = cast(
        str, gettext_lazy("GeoJSON (positions and outlines of existing areas and equipment)")
    )  # translated when shown
    extensions: tuple[str, ...] = ("geojson", "json")
    options: tuple[str, ...] = ("site",)
    permission = "assets.change_resource"

    def check_file(self, path: Path, original_name: str) -> str:
        return check_text(path, self.extensions, original_name)

    def clean_options(self, options: dict[str, Any], user: Any) -> dict[str, Any]:
        site = options.get("site")
        if site in (None, ""):
            raise ValueError(_("Choose the site whose areas and equipment the file places."))
        site_id = chosen_site_id(user, site)
        return {"site": site_id}

    def run(self, job: ImportJob) -> None:
        report = job.report
        features = read_features(job.path)
        report.read(SHEET, len(features))
        site = Area.objects.get(pk=job.options["site"])
        if job.site_ids is not None and site.pk not in job.site_ids:
            report.refuse(_("You may not change the areas and equipment of this site."))
            return
        parsed = [item for row, raw in enumerate(features, start=1) if (item := parse_feature(row, raw, report))]
        records = Records(parsed, job.site_ids, site)
        may_change = {
            RESOURCE: job.user.has_perm("assets.change_resource"),
            AREA: job.user.has_perm("assets.change_area"),
        }
        seen: dict[tuple[str, int, str], int] = {}
        left_alone = 0
        for item in parsed:
            found = records.find(item.key)
            if isinstance(found, str):
                report.problem(SHEET, item.row, item.key.column, found)
                continue
            kind, record = found
            if not self._same_site(item, kind, record, site, report):
                continue
            if item.from_area and kind == RESOURCE:
                left_alone += 1
                report.tally(SHEET, kind, UNCHANGED)
                continue
            if not may_change[kind]:
                refusal = _("You may not change areas.") if kind == AREA else _("You may not change equipment.")
                report.problem(SHEET, item.row, item.key.column, refusal)
                continue
            slot = "point" if item.geometry["type"] == "Point" else "outline"
            if kind == RESOURCE and slot == "outline":
                report.problem(
                    SHEET,
                    item.row,
                    "geometry.type",
                    _("Equipment takes a Point (its latitude and longitude), not a %(type)s.")
                    % {"type": item.geometry["type"]},
                )
                continue
            earlier = seen.setdefault((kind, record.pk, slot), item.row)
            if earlier != item.row:
                report.problem(
                    SHEET,
                    item.row,
                    item.key.column,
                    _("Feature %(row)s already places %(record)s.") % {"row": earlier, "record": record},
                )
                continue
            self._save(item, kind, record, slot, report)
        if left_alone:
            report.notes.append(
                _(
                    '%(n)s feature(s) with position_source "area" were left alone: their point is their area\'s, '
                    "not their own. Remove that property from a feature to import its point."
                )
                % {"n": left_alone}
            )

    @staticmethod
    def _same_site(item: Parsed, kind: str, record: Any, site: Area, report: ImportReport) -> bool:
        if record_site_id(kind, record) != site.pk:
            report.problem(
                SHEET,
                item.row,
                item.key.column,
                _("%(record)s is at another site, not at %(site)s (the site of this import).")
                % {"record": record, "site": site},
            )
            return False
        named = item.properties.get("site")
        if named not in (None, "") and str(named) not in (site.code, site.name, str(site.pk)):
            report.problem(
                SHEET,
                item.row,
                "properties.site",
                _("The feature is of site %(named)s, but this import is for %(site)s.")
                % {"named": str(named)[:60], "site": site},
            )
            return False
        return True

    @staticmethod
    def _save(item: Parsed, kind: str, record: Any, slot: str, report: ImportReport) -> None:
        values: dict[str, Any] = {}
        if slot == "point":
            lon, lat = item.geometry["coordinates"][:2]
            values = {"latitude": geo.as_decimal(lat), "longitude": geo.as_decimal(lon)}
        else:
            current = record.outline
            if current is None or geojson_outline_error(current) or geo.normalized_outline(current) != item.geometry:
                values = {"outline": item.geometry}
        try:
            action = save_record(record, values)
        except ValidationError as error:
            record.refresh_from_db()  # the refused values must not stay on the instance
            report.problem(SHEET, item.row, "geometry", " ".join(error.messages))
            return
        report.tally(SHEET, kind, action)


def parse_feature(row: int, raw: Any, report: ImportReport) -> Parsed | None:
    """The feature's key and checked geometry, or ``None`` after reporting what is wrong with it."""
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        report.problem(SHEET, row, "type", _("Each member of features must be an object of type Feature."))
        return None
    properties = raw.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        report.problem(SHEET, row, "properties", _("The properties of a feature are an object (or null)."))
        return None
    kind = properties.get("kind")
    if kind not in (None, "", RESOURCE, AREA):
        report.problem(
            SHEET,
            row,
            "properties.kind",
            _('The kind is "resource" or "area", not %(kind)s.') % {"kind": str(kind)[:40]},
        )
        return None
    key = feature_key(raw, properties, kind or None)
    problems = False
    if key is None:
        report.problem(
            SHEET,
            row,
            "properties",
            _("The feature names no record: give properties.tag (equipment) or properties.code (an area)."),
        )
        problems = True
    if "geometry" not in raw:
        report.problem(SHEET, row, "geometry", _("The feature has no geometry member."))
        return None
    if raw["geometry"] is None:
        report.problem(SHEET, row, "geometry", _("The feature has no geometry (null): there is no position to import."))
        return None
    try:
        geometry = geo.check_geometry(raw["geometry"])
    except geo.GeometryError as error:
        report.problem(SHEET, row, error.path, error.message)
        return None
    if problems or key is None:
        return None
    return Parsed(row, key, geometry, properties, from_area=properties.get("position_source") == "area")


register_importer(GeoJSONImporter())
