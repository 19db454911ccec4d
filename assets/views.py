"""Asset screens: the area tree with a resource search, the resource page, its QR label, reading entry.

Everything is scoped to the user's sites (``visible_site_ids``): an asset of another site answers 404,
exactly like one that does not exist. The resource page gathers what other apps know about the resource
(its orders, the plans applied to it, its warranty) through the panels those apps register
(``core.panels``), so this app imports none of them; a reading goes through
``assets.services.reading_record``, whose ``readings_recorded`` signal moves usage-driven orders.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assets.exports import RESOURCE_COLUMNS
from assets.filters import ResourceFilterSet
from assets.forms import ReadingForm
from assets.models import Area, Counter, Reading, Resource
from assets.services import reading_record
from core.audit import render_history
from core.csv_export import export_response
from core.errors import ActionNotAllowed
from core.pagination import paginate
from core.queries import count_of
from core.scoping import visible_site_ids
from core.views import back, htmx_target, is_htmx, screen

VIEW_PERMISSION = "assets.view_resource"
READING_PERMISSION = "assets.add_reading"
LIST_PAGE_SIZE = 20
AREA_PAGE_SIZE = 25
SECTION_PAGE_SIZE = 10
# How many of a counter's latest readings the chart and the short list show.
CHART_READINGS = 30
RECENT_READINGS = 5
# The part of the asset screen that a live search swaps (htmx).
BROWSER_TARGET = "asset-browser"


# Signed in, and a role that may see resources (every role does): else 403, GET or POST.
assets_screen = screen(VIEW_PERMISSION)


def areas_with_counts(queryset: QuerySet[Area]) -> QuerySet[Area]:
    """Areas with how many resources they hold (with everything in them) and whether they have sub-areas."""
    return queryset.annotate(
        resource_count=count_of(Resource.objects.filter(area__path__startswith=OuterRef("path"))),
        child_count=count_of(Area.objects.filter(parent_id=OuterRef("pk"))),
    ).order_by("name", "pk")


def resources_with_place(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    return queryset.select_related("area", "area__site").order_by("tag")


# --- Area tree and search ----------------------------------------------------------------------
@assets_screen
def area_tree(request: HttpRequest) -> HttpResponseBase:
    """The user's sites as an expandable tree; with a search, the matching resources instead."""
    site_ids = visible_site_ids(request.user)
    resources = Resource.objects.in_sites(site_ids)
    filterset = ResourceFilterSet(request.GET, queryset=resources_with_place(resources), request=request)
    if (
        export := export_response(
            request, filterset.qs.select_related("resource_type"), RESOURCE_COLUMNS, name=_("resources")
        )
    ) is not None:  # the resources the search finds; with no search, every resource of the tree
        return export
    searching = any(request.GET.get(name, "").strip() for name in filterset.filters)
    context: dict[str, Any] = {"filterset": filterset, "searching": searching, "browser_target": BROWSER_TARGET}
    if searching:
        context["results"] = paginate(request, filterset.qs, "page", LIST_PAGE_SIZE)
        area_pk = filterset.form.cleaned_data.get("area") if filterset.form.is_valid() else None
        if area_pk:
            context["search_area"] = Area.objects.in_sites(site_ids).filter(pk=area_pk).first()
    else:
        sites = areas_with_counts(Area.objects.sites().in_sites(site_ids))
        context["sites"] = paginate(request, sites, "page", AREA_PAGE_SIZE)
        sites_page = context["sites"]
        if len(sites_page) == 1:
            # One site (the usual technician): open it straight away.
            context["open_site"] = sites_page.page[0]
            context.update(area_level(request, sites_page.page[0]))
    if htmx_target(request) == BROWSER_TARGET:
        return render(request, "assets/_browser.html", context)
    return render(request, "assets/area_tree.html", context)


def area_level(request: HttpRequest, area: Area) -> dict[str, Any]:
    """The sub-areas of an area (a page of them) and the first resources directly in it."""
    children = areas_with_counts(Area.objects.filter(parent=area))
    resources = resources_with_place(Resource.objects.filter(area=area))
    return {
        "area": area,
        "children": paginate(request, children, "children_page", AREA_PAGE_SIZE),
        "resources": paginate(request, resources, "resources_page", AREA_PAGE_SIZE),
    }


@assets_screen
def area_children(request: HttpRequest, pk: int) -> HttpResponse:
    """One level of the tree below an area: its sub-areas and the resources directly in it (htmx)."""
    site_ids = visible_site_ids(request.user)
    area = get_object_or_404(areas_with_counts(Area.objects.in_sites(site_ids)), pk=pk)
    if not is_htmx(request):
        # Without JavaScript the tree does not expand: show the area's resources as a search.
        return redirect(f"{reverse('assets:area_tree')}?area={area.pk}")
    return render(request, "assets/_area_children.html", area_level(request, area))


# --- Resource page -----------------------------------------------------------------------------
@dataclass
class ChartPoint:
    x: float
    y: float
    value: Decimal
    taken_at: datetime.datetime

    @property
    def shown(self) -> str:
        return plain_number(self.value)


@dataclass
class CounterChart:
    """A small line chart of a counter's latest readings, drawn as inline SVG by the template."""

    width: int
    height: int
    points: list[ChartPoint]
    low: Decimal
    high: Decimal

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def low_shown(self) -> str:
        return plain_number(self.low)

    @property
    def high_shown(self) -> str:
        return plain_number(self.high)

    @property
    def first(self) -> ChartPoint:
        return self.points[0]

    @property
    def last(self) -> ChartPoint:
        return self.points[-1]


CHART_WIDTH, CHART_HEIGHT, CHART_PADDING = 300, 80, 6


def counter_chart(readings: list[Reading]) -> CounterChart | None:
    """Scale readings (oldest first) into the chart's box: time along x, value up y."""
    if not readings:
        return None
    low = min(r.value for r in readings)
    high = max(r.value for r in readings)
    start, end = readings[0].taken_at, readings[-1].taken_at
    span = (end - start).total_seconds()
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PADDING, CHART_HEIGHT - 2 * CHART_PADDING
    points = []
    for index, reading in enumerate(readings):
        if span > 0:
            x_share = (reading.taken_at - start).total_seconds() / span
        else:
            x_share = index / (len(readings) - 1) if len(readings) > 1 else 0.5
        y_share = float((reading.value - low) / (high - low)) if high > low else 0.5
        points.append(
            ChartPoint(
                x=CHART_PADDING + x_share * inner_w,
                y=CHART_PADDING + (1 - y_share) * inner_h,
                value=reading.value,
                taken_at=reading.taken_at,
            )
        )
    return CounterChart(width=CHART_WIDTH, height=CHART_HEIGHT, points=points, low=low, high=high)


def plain_number(value: Decimal | None) -> str:
    """A stored value without its padding zeros: 1234.5, not 1234.5000 (and never 1.2E+3)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def latest_readings(counters: list[Counter], per_counter: int) -> dict[int, list[Reading]]:
    """Each counter's latest readings, newest first, in one query (a window function, not one per counter)."""
    if not counters:
        return {}
    ranked = (
        Reading.objects.filter(counter__in=[c.pk for c in counters])
        .annotate(rank=Window(RowNumber(), partition_by=[F("counter_id")], order_by=[F("taken_at").desc()]))
        .filter(rank__lte=per_counter)
        .order_by("counter_id", "-taken_at")
    )
    by_counter: dict[int, list[Reading]] = {c.pk: [] for c in counters}
    for reading in ranked:
        by_counter[reading.counter_id].append(reading)
    return by_counter


@assets_screen
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A resource: data, photo, location, counters with a chart, orders, applied plans and history."""
    site_ids = visible_site_ids(request.user)
    resource = get_object_or_404(
        Resource.objects.in_sites(site_ids).select_related("area", "area__site", "parent", "resource_type"), pk=pk
    )
    location = list(Area.objects.filter(pk__in=area_path_ids(resource.area)).order_by("path"))

    counters = paginate(request, Counter.objects.filter(resource=resource).order_by("name", "pk"), "counters_page")
    readings = latest_readings(list(counters), CHART_READINGS)
    for counter in counters:
        newest_first = readings.get(counter.pk, [])
        for reading in newest_first:
            reading.shown = plain_number(reading.value)  # type: ignore[attr-defined]
        counter.last_shown = plain_number(counter.last_value)
        counter.reading_form = ReadingForm(counter=counter, auto_id=f"id_counter{counter.pk}_%s")
        counter.recent = newest_first[:RECENT_READINGS]
        counter.chart = counter_chart(list(reversed(newest_first)))

    context: dict[str, Any] = {
        "resource": resource,
        "location": location,
        "counters": counters,
        "may_record": request.user.has_perm(READING_PERMISSION),
    }
    return render(request, "assets/resource_detail.html", context)


@assets_screen
def resource_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The resource's change history (``core.audit``): whoever sees the resource sees its history."""
    resource = get_object_or_404(Resource.objects.in_sites(visible_site_ids(request.user)), pk=pk)
    return render_history(
        request,
        resource,
        title=f"{resource.tag} · {resource.name}",
        back_url=reverse("assets:resource_detail", args=[resource.pk]),
    )


def area_path_ids(area: Area) -> list[int]:
    """The ids of the area and everything above it, from its path (no query)."""
    return [int(part) for part in area.path.strip("/").split("/") if part]


def resource_url(resource: Resource) -> str:
    """The resource page's absolute URL, at the public address (``SITE_URL``) phones scanning a label reach."""
    return settings.SITE_URL.rstrip("/") + reverse("assets:resource_detail", args=[resource.pk])


@assets_screen
def resource_label(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable label with a QR code that opens the resource page."""
    site_ids = visible_site_ids(request.user)
    resource = get_object_or_404(Resource.objects.in_sites(site_ids).select_related("area", "area__site"), pk=pk)
    url = resource_url(resource)
    qr = segno.make(url, error="m")
    # segno escapes what it writes; the SVG holds only the encoded URL and our own title.
    svg = qr.svg_inline(scale=4, border=2, omitsize=True, light="#fff", title=str(resource), svgclass="qr-code")
    return render(request, "assets/resource_label.html", {"resource": resource, "url": url, "qr_svg": mark_safe(svg)})


# --- Readings ----------------------------------------------------------------------------------
def counter_entity_url(counter: Counter) -> str:
    if counter.resource_id:
        return reverse("assets:resource_detail", args=[counter.resource_id]) + f"#counter-{counter.pk}"
    return reverse("assets:area_tree")


def counter_time_zone(counter: Counter) -> Any:
    entity = counter.entity
    area = entity if isinstance(entity, Area) else getattr(entity, "area", None)
    return area.local_time_zone if area is not None else timezone.get_current_timezone()


@login_required
def reading_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a reading of a counter; the counter's rules show as errors on the form's fields."""
    if not request.user.has_perm(READING_PERMISSION):
        raise PermissionDenied
    site_ids = visible_site_ids(request.user)
    counter = get_object_or_404(
        Counter.objects.in_sites(site_ids).select_related(
            "area__site", "resource__area__site", "container__area__site", "material__area__site"
        ),
        pk=pk,
    )
    back_url = counter_entity_url(counter)
    # Times on the form are the site's local time (where the technician stands), not the server's.
    with timezone.override(counter_time_zone(counter)):
        form = ReadingForm(request.POST or None, counter=counter)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                reading_record(
                    counter=counter,
                    value=data["value"],
                    user=request.user,
                    taken_at=data["taken_at"],
                    is_reset=data.get("is_reset", False),
                    note=data["note"],
                )
            except ActionNotAllowed as refusal:  # e.g. another reading was entered a moment ago
                form.add_error("value", refusal.message)
            else:
                messages.success(
                    request,
                    _("Reading %(value)s %(unit)s recorded for %(counter)s.")
                    % {"value": data["value"].normalize(), "unit": counter.unit, "counter": counter.name},
                )
                return back(request, back_url)
        recent = list(counter.readings.select_related("entered_by").order_by("-taken_at")[:SECTION_PAGE_SIZE])
        for reading in recent:
            reading.shown = plain_number(reading.value)  # type: ignore[attr-defined]
        return render(
            request,
            "assets/reading_form.html",
            {"counter": counter, "form": form, "recent": recent, "back_url": back_url},
        )
