"""What every KPI is computed over: a scope (which sites, areas, resources) and a period in the sites' time zones.

A KPI is a function of a ``Scope`` and a ``Period`` (or a list of periods, for a chart) that runs SQL: an
aggregate over the orders, labour, downtime or stock rows of the scope, never a Python loop over orders.
Periods are calendar weeks (ISO, Monday first), months, quarters or years *in each site's time zone*: a
month at a Nairobi site starts at midnight in Nairobi. A scope over sites in several time zones is
computed once per time zone (``Scope.zone_groups``), so the number of queries depends on how many
distinct time zones the sites have, never on how many sites or orders there are.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets.models import Area

Grain = Literal["week", "month", "quarter", "year"]
GRAINS: dict[str, Any] = {"week": _("Week"), "month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}


@dataclass(frozen=True)
class Scope:
    """Which part of the organisation a KPI covers.

    ``site_ids`` is the user's visibility (``core.scoping.visible_site_ids``: ``None`` means every site);
    the other fields narrow it, as a screen's or the API's filters do. ``area_path`` is the ``path`` of an
    area: everything in it counts (``Area.path`` starts with it).
    """

    site_ids: list[int] | None = None
    site_id: int | None = None
    area_path: str | None = None
    resource_id: int | None = None
    resource_type_id: int | None = None
    criticality: int | None = None

    def sites(self) -> list[Area]:
        """The sites in scope (visible and, if a site is chosen, that one), ordered by name."""
        sites = Area.objects.sites().in_sites(self.site_ids)
        if self.site_id is not None:
            sites = sites.filter(pk=self.site_id)
        return list(sites.order_by("name"))

    def zone_groups(self) -> Iterator[tuple[zoneinfo.ZoneInfo, list[int]]]:
        """(time zone, site ids) for the sites in scope, one entry per distinct time zone (one query)."""
        by_zone: dict[str, list[int]] = {}
        for site_id, zone in self._site_zone_rows():
            by_zone.setdefault(zone or settings.TIME_ZONE, []).append(site_id)
        for zone, site_ids in sorted(by_zone.items()):
            yield zoneinfo.ZoneInfo(zone), site_ids

    def _site_zone_rows(self) -> list[tuple[int, str]]:
        sites = Area.objects.sites().in_sites(self.site_ids)
        if self.site_id is not None:
            sites = sites.filter(pk=self.site_id)
        return list(sites.values_list("pk", "time_zone"))

    def entity_q(self, prefix: str = "") -> Q:
        """The area/resource/type/criticality narrowing as a Q on a model with ``resource`` and ``area``
        links (a work order: ``prefix=""``; a labour entry: ``prefix="order__"``). Site narrowing is not
        in it: callers filter by the site ids of ``zone_groups``."""
        q = Q()
        if self.area_path:
            q &= (
                Q(**{f"{prefix}area__path__startswith": self.area_path})
                | Q(**{f"{prefix}resource__area__path__startswith": self.area_path})
                | Q(**{f"{prefix}container__area__path__startswith": self.area_path})
                | Q(**{f"{prefix}material__area__path__startswith": self.area_path})
            )
        if self.resource_id is not None:
            q &= Q(**{f"{prefix}resource_id": self.resource_id})
        if self.resource_type_id is not None:
            q &= Q(**{f"{prefix}resource__resource_type_id": self.resource_type_id})
        if self.criticality is not None:
            q &= Q(**{f"{prefix}resource__criticality": self.criticality})
        return q

    def resource_q(self, prefix: str = "") -> Q:
        """The same narrowing on resources: ``prefix`` is the path to the resource (``""`` on ``Resource``
        itself, ``"resource__"`` on a downtime period or a work order). Site narrowing is not in it."""
        q = Q()
        if self.area_path:
            q &= Q(**{f"{prefix}area__path__startswith": self.area_path})
        if self.resource_id is not None:
            q &= Q(**{f"{prefix}pk": self.resource_id})
        if self.resource_type_id is not None:
            q &= Q(**{f"{prefix}resource_type_id": self.resource_type_id})
        if self.criticality is not None:
            q &= Q(**{f"{prefix}criticality": self.criticality})
        return q

    @property
    def area_id(self) -> int | None:
        """The chosen area's id (the last step of its ``path``, ``/site/.../area/``)."""
        if not self.area_path:
            return None
        return int(self.area_path.strip("/").split("/")[-1])

    @property
    def narrows_to_resources(self) -> bool:
        """True when only orders on resources can be in scope (a type, a criticality or a resource is chosen)."""
        return self.resource_id is not None or self.resource_type_id is not None or self.criticality is not None

    def with_site(self, site_id: int | None) -> Scope:
        return replace(self, site_id=site_id)

    def query_params(self) -> dict[str, str]:
        """The scope as the query parameters of the screens and the API (for drill-down links)."""
        params: dict[str, str] = {}
        if self.site_id is not None:
            params["site"] = str(self.site_id)
        if self.area_id is not None:
            params["area"] = str(self.area_id)
        if self.resource_id is not None:
            params["resource"] = str(self.resource_id)
        if self.resource_type_id is not None:
            params["resource_type"] = str(self.resource_type_id)
        if self.criticality is not None:
            params["criticality"] = str(self.criticality)
        return params


@dataclass(frozen=True)
class Period:
    """A calendar period: its grain, and its first day and the first day after it (local dates)."""

    grain: Grain
    first_day: datetime.date
    end_day: datetime.date  # exclusive

    def bounds(self, zone: zoneinfo.ZoneInfo) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as aware datetimes ``[start, end)`` at local midnight in ``zone``."""
        start = datetime.datetime.combine(self.first_day, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(self.end_day, datetime.time.min, tzinfo=zone)
        return start, end

    @property
    def label(self) -> str:
        if self.grain == "week":
            year, week, _day = self.first_day.isocalendar()
            return f"{year}-W{week:02d}"
        if self.grain == "month":
            return self.first_day.strftime("%Y-%m")
        if self.grain == "quarter":
            return f"{self.first_day.year}-Q{(self.first_day.month - 1) // 3 + 1}"
        return str(self.first_day.year)

    @property
    def days(self) -> int:
        return (self.end_day - self.first_day).days

    def previous(self) -> Period:
        return period_containing(self.grain, self.first_day - datetime.timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.grain, self.end_day)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_containing(grain: Grain, day: datetime.date) -> Period:
    """The week (Monday first), month, quarter or year that contains ``day``."""
    if grain == "week":
        first = day - datetime.timedelta(days=day.weekday())
        return Period(grain, first, first + datetime.timedelta(days=7))
    if grain == "month":
        first = day.replace(day=1)
        return Period(grain, first, _add_months(first, 1))
    if grain == "quarter":
        first = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(grain, first, _add_months(first, 3))
    if grain == "year":
        first = datetime.date(day.year, 1, 1)
        return Period(grain, first, datetime.date(day.year + 1, 1, 1))
    raise ValueError(f"unknown grain {grain!r}")


def periods_ending(grain: Grain, day: datetime.date, count: int) -> list[Period]:
    """The ``count`` periods of ``grain`` up to and including the one containing ``day``, oldest first."""
    periods = [period_containing(grain, day)]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    return periods


@dataclass(frozen=True)
class KpiDefinition:
    """A KPI as the screens, the exports and the API name and explain it.

    ``definition`` is written on screen beside the number; ``better`` says which way is good (for the
    trend arrow); ``unit`` is "h", "%", "count", "money" or "days"."""

    key: str
    label: Any
    unit: str
    definition: Any
    better: Literal["higher", "lower", "neither"] = "neither"
    tags: tuple[str, ...] = field(default_factory=tuple)
