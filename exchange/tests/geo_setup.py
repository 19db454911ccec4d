"""What the GeoJSON and map tests share: a site with positioned and unpositioned areas and equipment and
open, late and closed orders, and an RFC 7946 check written independently of ``exchange.geo``."""

from __future__ import annotations

import datetime
import itertools
import math
from decimal import Decimal
from typing import Any

from django.utils import timezone
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.geometry import shape

from assets.factories import AreaFactory, ResourceFactory, ResourceTypeFactory, SiteFactory
from assets.models import Area, AreaKind, EntityStatus, Resource
from core.testing import force_update
from orders import services
from orders.factories import planned_order
from orders.models import OrderKind, ScheduleState, WorkOrder
from people.factories import make_role_user

# A clockwise outline (against the right-hand rule) with nine decimals, and a hole (counterclockwise).
PLANT_OUTER_CW = [  # east, south, west, north: clockwise as a map shows it
    [36.820000001, -1.290000004],
    [36.826000001, -1.290000004],
    [36.826000001, -1.294000004],
    [36.820000001, -1.294000004],
    [36.820000001, -1.290000004],
]
PLANT_HOLE_CCW = [[36.822, -1.291], [36.822, -1.292], [36.823, -1.292], [36.823, -1.291], [36.822, -1.291]]
PLANT_OUTLINE = {"type": "Polygon", "coordinates": [PLANT_OUTER_CW, PLANT_HOLE_CCW]}


class GeoSite:
    """North works: a site with a point, a plant with an outline, a room inside it with nothing, the pump
    P-101 (down, its own point, 3 open orders of which 2 late, 1 cancelled), the valve V-7 (no position:
    placed at the plant), the meter M-3 in the room (no position: placed at the plant, two levels up),
    and a store building with neither point nor outline holding the crate C-1 (no position anywhere but
    the site's point). Another site, South yard, has its own pump S-1."""

    def __init__(self) -> None:
        self.site: Area = SiteFactory(
            code="NW", name="North works", latitude=Decimal("-1.285"), longitude=Decimal("36.815")
        )
        self.plant: Area = AreaFactory(parent=self.site, code="NW-PLANT", name="Treatment plant", outline=PLANT_OUTLINE)
        self.room: Area = AreaFactory(parent=self.plant, kind=AreaKind.SPACE, code="NW-R1", name="Pump room")
        self.store: Area = AreaFactory(parent=self.site, code="NW-STORE", name="Store")
        pump_type = ResourceTypeFactory(name="Centrifugal pump CR 32")
        self.pump: Resource = ResourceFactory(
            tag="P-101",
            name="Raw water pump",
            area=self.plant,
            latitude=Decimal("-1.292100"),
            longitude=Decimal("36.821900"),
            status=EntityStatus.DOWN,
            resource_type=pump_type,
            criticality=4,
        )
        self.valve: Resource = ResourceFactory(tag="V-7", name="Inlet valve", area=self.plant)
        self.meter: Resource = ResourceFactory(tag="M-3", name="Flow meter", area=self.room)
        self.crate: Resource = ResourceFactory(tag="C-1", name="Spare crate", area=self.store)
        self.other_site: Area = SiteFactory(code="SY", name="South yard")
        self.other_pump: Resource = ResourceFactory(
            tag="S-1",
            area=AreaFactory(parent=self.other_site, code="SY-B"),
            latitude=Decimal("-4.05"),
            longitude=Decimal("39.66"),
        )
        self.supervisor = make_role_user("Supervisor", site=self.site, username="geo-supervisor")

    def add_orders(self) -> None:
        """P-101: one open on time, one late by state, one past its late due time (the tick not run yet),
        one cancelled; the plant: one open order of its own."""
        past = timezone.now() - datetime.timedelta(days=2)
        planned_order(self.pump)
        late = planned_order(self.pump)
        force_update(WorkOrder.objects.filter(pk=late.pk), schedule_state=ScheduleState.LATE_DUE)
        planned_order(self.pump, late_due_at=past)
        cancelled = planned_order(self.pump)
        services.order_cancel(order=cancelled, user=self.supervisor, reason="duplicate")
        area_order = WorkOrder(
            number=services.allocate_order_numbers(1)[0],
            kind=OrderKind.CORRECTIVE,
            site=self.site,
            area=self.plant,
            title="Fence broken",
        )
        area_order.save()


def by_key(collection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Features by ``resource:<tag>`` / ``area:<code>`` (an area's second, point feature as ``...:point``)."""
    result: dict[str, dict[str, Any]] = {}
    for feature in collection["features"]:
        props = feature["properties"]
        key = f"resource:{props['tag']}" if props["kind"] == "resource" else f"area:{props['code']}"
        if key in result:
            key += ":point"
        result[key] = feature
    return result


def _decimals(number: float) -> int:
    text = repr(float(number))
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _ring_area(ring: list[list[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def assert_rfc7946(collection: dict[str, Any]) -> None:
    """The collection is RFC 7946 GeoJSON: a FeatureCollection of Features, no ``crs``, positions
    ``[lon, lat]`` in range with at most six decimals, closed rings of four or more positions, exterior
    rings counterclockwise and holes clockwise (§3.1.6), geometries valid (shapely), a bbox holding all."""
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    assert isinstance(collection["features"], list)
    positions: list[list[float]] = []
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        assert isinstance(feature.get("id"), str | int)
        geometry = feature["geometry"]
        assert geometry["type"] in {"Point", "Polygon", "MultiPolygon"}, geometry["type"]
        if geometry["type"] == "Point":
            points = [geometry["coordinates"]]
        else:
            polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            points = []
            for polygon in polygons:
                for index, ring in enumerate(polygon):
                    assert len(ring) >= 4, ring
                    assert ring[0] == ring[-1], ring
                    area = _ring_area(ring)
                    assert (area > 0) if index == 0 else (area < 0), f"ring {index} winds the wrong way"
                    if index == 0:
                        assert ShapelyPolygon(ring).exterior.is_ccw
                    points.extend(ring)
            assert shape(geometry).is_valid
        for position in points:
            assert 2 <= len(position) <= 3
            lon, lat = position[0], position[1]
            assert all(isinstance(n, int | float) and math.isfinite(n) for n in position)
            assert -180 <= lon <= 180
            assert -90 <= lat <= 90
            assert _decimals(lon) <= 6, position
            assert _decimals(lat) <= 6, position
        positions.extend(points)
    if positions:
        west, south, east, north = collection["bbox"]
        assert west <= east
        assert south <= north
        assert all(west <= p[0] <= east and south <= p[1] <= north for p in positions)
