"""GeoJSON (RFC 7946) of sites: every area with a point or an outline and every resource with a position
as one FeatureCollection, with each record's status and open and late work orders. The API
(``/api/v1/geo/sites/<id>/``), the map screen and the ``geojson`` exporter all read ``site_features``.

What a feature is:

- an **area** with coordinates gives a Point, an area with an outline a Polygon or MultiPolygon; an area
  with both gives two features (the outline first; the point's id ends in ``:point``);
- a **resource** with coordinates gives a Point (``position_source: "own"``); one without takes the point
  of its area, or the centroid of its outline, or those of the nearest area above it
  (``position_source: "area"``, ``position_area``: that area's code): where it stands is known only that
  well, and the import leaves such a feature alone.

Properties: ``id`` (the database id), ``kind`` (``area``/``resource``), ``tag`` or ``code``, ``name``,
``status`` (resources; areas ``null``) and its label, ``criticality``, ``resource_type``, ``area``, ``site``,
``open_orders``, ``late_orders`` (open orders in the late schedule state or past their late due time; the
scheduler's tick may not have moved them yet) and ``url`` (the asset page). Order counts are ``null`` for
a user who may not see work orders.

Queries: the areas, the resources and the order counts of the sites, one each, however many records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Area, AreaKind, Criticality, EntityStatus, Resource, geojson_outline_error
from core.scoping import visible_site_ids
from exchange import geo
from exchange.registry import register_exporter
from orders.models import ScheduleState, WorkOrder

GEOJSON_CONTENT_TYPE = "application/geo+json"
# How a resource's point was found (the ``position_source`` property).
OWN, FROM_AREA = "own", "area"


def late_orders_q() -> Q:
    """Open orders that are late: in the late schedule state, or past their late due time already (the
    scheduler's tick moves them within a minute; the map should not wait for it)."""
    return Q(schedule_state=ScheduleState.LATE_DUE) | Q(late_due_at__lt=timezone.now())


def order_counts(site_ids: list[int] | None) -> dict[tuple[str, int], tuple[int, int]]:
    """``("resource"|"area", id) -> (open, late)`` for the open orders of the sites, in one query."""
    orders = WorkOrder.objects.open().in_sites(site_ids).filter(Q(resource__isnull=False) | Q(area__isnull=False))
    rows = (
        orders.order_by()
        .values("resource_id", "area_id")
        .annotate(open=Count("pk"), late=Count("pk", filter=late_orders_q()))
    )
    counts: dict[tuple[str, int], tuple[int, int]] = {}
    for row in rows:
        key = ("resource", row["resource_id"]) if row["resource_id"] else ("area", row["area_id"])
        counts[key] = (row["open"], row["late"])
    return counts


def _url_maker(view_name: str, query: str = "") -> Callable[[int], str]:
    """``pk -> path`` of a page, reversing once: a site of 10,000 resources would reverse 10,000 times."""
    marker = 987654321987
    pattern = reverse(view_name, args=[marker]) if not query else reverse(view_name) + query
    return lambda pk: pattern.replace(str(marker), str(pk))


@dataclass
class SiteFeatures:
    """The features of some sites, and how many of their resources have no position at all."""

    features: list[dict[str, Any]] = field(default_factory=list)
    unplaced: int = 0

    @property
    def bbox(self) -> list[float] | None:
        bbox = None
        for feature in self.features:
            bbox = geo.extend_bbox(bbox, geo.positions_of(feature["geometry"]))
        return bbox

    def collection(self) -> dict[str, Any]:
        """The RFC 7946 FeatureCollection (with its ``bbox`` when it has features)."""
        result: dict[str, Any] = {"type": "FeatureCollection"}
        bbox = self.bbox
        if bbox is not None:
            result["bbox"] = bbox
        result["features"] = self.features
        return result

    def filtered(self, *, status: str = "", late_only: bool = False) -> SiteFeatures:
        """Only resources of ``status`` (areas have none), only what has late orders."""
        features = [
            feature
            for feature in self.features
            if (not status or feature["properties"]["status"] == status)
            and (not late_only or (feature["properties"]["late_orders"] or 0) > 0)
        ]
        return SiteFeatures(features=features, unplaced=self.unplaced)


@dataclass
class _Place:
    """Where an area is, for the resources in it that have no position of their own."""

    code: str
    point: tuple[float, float] | None


def site_features(site_ids: list[int] | None, *, user: Any, base_url: str = "") -> SiteFeatures:
    """The features of the sites ``site_ids`` (``None``: every site), in that order: areas (by their place
    in the tree), then resources (by tag). ``base_url`` makes the ``url`` properties absolute."""
    builder = _Builder(site_ids, show_orders=user.has_perm("orders.view_workorder"), base_url=base_url)
    builder.add_areas()
    builder.add_resources()
    return builder.result


class _Builder:
    """Builds the features of some sites: the areas first, since resources without a position of their own
    take the one of their nearest area that has one."""

    def __init__(self, site_ids: list[int] | None, *, show_orders: bool, base_url: str) -> None:
        self.site_ids = site_ids
        self.show_orders = show_orders
        self.counts = order_counts(site_ids) if show_orders else {}
        self.base_url = base_url
        self.area_url = _url_maker("assets:area_tree", "?area=987654321987")
        self.resource_url = _url_maker("assets:resource_detail")
        self.result = SiteFeatures()
        self.site_codes: dict[int, str] = {}
        self.places: dict[int, _Place] = {}
        self.parents: dict[int, int | None] = {}

    def _orders(self, kind: str, pk: int) -> dict[str, int | None]:
        if not self.show_orders:
            return {"open_orders": None, "late_orders": None}
        open_count, late_count = self.counts.get((kind, pk), (0, 0))
        return {"open_orders": open_count, "late_orders": late_count}

    def add_areas(self) -> None:
        areas = (
            Area.objects.in_sites(self.site_ids)
            .only(
                "pk",
                "kind",
                "code",
                "name",
                "parent_id",
                "site_id",
                "path",
                "latitude",
                "longitude",
                "outline",
                "active",
            )
            .order_by("path")
        )
        # Labels translated once: a lazy label per feature costs more than the rest of the feature.
        kinds = {value: str(label) for value, label in AreaKind.choices}
        for area in areas:  # by path: a site before everything in it
            if area.kind == AreaKind.SITE:
                self.site_codes[area.pk] = area.code
            self.parents[area.pk] = area.parent_id
            properties = {
                "id": area.pk,
                "kind": "area",
                "code": area.code,
                "name": area.name,
                "area_kind": area.kind,
                "area_kind_label": kinds.get(area.kind, area.kind),
                "active": area.active,
                "status": None,
                "status_label": "",
                "criticality": None,
                "resource_type": None,
                "site": self.site_codes.get(area.site_id or area.pk, ""),
                **self._orders("area", area.pk),
                "url": self.base_url + self.area_url(area.pk),
                "position_source": OWN,
            }
            outline = area.outline if area.outline is not None and not geojson_outline_error(area.outline) else None
            own_point = (
                (float(area.longitude), float(area.latitude))
                if area.latitude is not None and area.longitude is not None
                else None
            )
            if outline is not None:
                self.result.features.append(_feature(f"area:{area.code}", geo.normalized_outline(outline), properties))
            if own_point is not None:
                point_id = f"area:{area.code}:point" if outline is not None else f"area:{area.code}"
                self.result.features.append(_feature(point_id, geo.point(*own_point), dict(properties)))
            centroid = geo.outline_centroid(outline) if outline is not None else None
            self.places[area.pk] = _Place(area.code, own_point or centroid)

    def add_resources(self) -> None:
        resources = (
            Resource.objects.in_sites(self.site_ids)
            .select_related("resource_type", "area")
            .only(
                "pk",
                "tag",
                "name",
                "status",
                "criticality",
                "latitude",
                "longitude",
                "resource_type__name",
                "area__code",
                "area__site_id",
            )
            .order_by("tag")
        )
        statuses = {value: str(label) for value, label in EntityStatus.choices}
        criticalities = {value: str(label) for value, label in Criticality.choices}
        for resource in resources:
            extra: dict[str, Any] = {"position_source": OWN}
            where: tuple[float, float] | None = None
            if resource.latitude is not None and resource.longitude is not None:
                where = (float(resource.longitude), float(resource.latitude))
            elif (found := _nearest_place(resource.area_id, self.places, self.parents)) is not None:
                where = found.point
                extra = {"position_source": FROM_AREA, "position_area": found.code}
            if where is None:
                self.result.unplaced += 1
                continue
            properties = {
                "id": resource.pk,
                "kind": "resource",
                "tag": resource.tag,
                "name": resource.name,
                "status": resource.status,
                "status_label": statuses.get(resource.status, resource.status),
                "criticality": resource.criticality,
                "criticality_label": criticalities.get(resource.criticality, str(resource.criticality)),
                "resource_type": resource.resource_type.name if resource.resource_type else None,
                "area": resource.area.code,
                "site": self.site_codes.get(resource.area.site_id or 0, ""),
                **self._orders("resource", resource.pk),
                "url": self.base_url + self.resource_url(resource.pk),
                **extra,
            }
            self.result.features.append(_feature(f"resource:{resource.tag}", geo.point(*where), properties))


def _nearest_place(area_id: int, places: dict[int, _Place], parents: dict[int, int | None]) -> _Place | None:
    """The area itself, or the nearest one above it, that has a point or an outline."""
    seen: set[int] = set()
    current: int | None = area_id
    while current is not None and current not in seen:
        seen.add(current)
        place = places.get(current)
        if place is not None and place.point is not None:
            return place
        current = parents.get(current)
    return None


def _feature(feature_id: str, geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}


def dumps(collection: dict[str, Any]) -> bytes:
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()


# --- The exporter --------------------------------------------------------------------------------
def chosen_site_id(user: Any, site: Any) -> int:
    """The id of the site ``site`` names (its id, as a number or text), which must be one the user sees;
    else ``ValueError`` with a message for the user."""
    try:
        site_id = int(site)
    except (TypeError, ValueError):
        raise ValueError(_("The site must be given by its id.")) from None
    if not 0 < site_id < 2**63 or not Area.objects.sites().in_sites(visible_site_ids(user)).filter(pk=site_id).exists():
        raise ValueError(_("There is no site %(site)s among your sites.") % {"site": site})
    return site_id


def export_site_ids(user: Any, site: Any) -> list[int] | None:
    """The sites to export: ``site`` (an id the user must see) or, without it, every site the user sees."""
    if site in (None, ""):
        return visible_site_ids(user)
    return [chosen_site_id(user, site)]


class GeoJSONExporter:
    """The areas and resources of one site (or of every site the user sees) as a GeoJSON file."""

    format = "geojson"
    label = cast(str, gettext_lazy("GeoJSON (map positions and outlines)"))  # translated when shown
    extension = "geojson"
    content_type = GEOJSON_CONTENT_TYPE
    permission = "assets.view_resource"
    options: tuple[str, ...] = ("site",)

    def export(self, *, user: Any, options: dict[str, Any]) -> bytes:
        site_ids = export_site_ids(user, options.get("site"))
        return dumps(site_features(site_ids, user=user, base_url=settings.SITE_URL.rstrip("/")).collection())


register_exporter(GeoJSONExporter())
