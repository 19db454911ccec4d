"""The dashboards: one per site and one over all the user's sites, and the KPI table behind them.

Supervisors, planners and administrators see them (the roles the navigation shows them to), with the
right to see work orders; a site the user may not see answers 404, as every site-scoped page does.
The views only read the filters into a ``Scope`` and a ``Period`` and hand them to ``reports.dashboard``.
"""

from __future__ import annotations

import datetime
import zoneinfo
from functools import wraps
from operator import itemgetter
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.models import Area, Criticality, ResourceType
from core.csv_export import CsvColumn, export_query, export_response
from core.pagination import paginate
from core.roles import PLANNER, SUPERVISOR
from core.scoping import has_role, is_administrator, visible_site_ids
from core.views import View
from reports import dashboard
from reports.kpis import costs, orders
from reports.kpis.common import GRAINS, Grain, Period, Scope, period_containing

DASHBOARD_PERMISSION = "orders.view_workorder"
DASHBOARD_ROLES = (SUPERVISOR, PLANNER)  # and administrators, who act as every role
SITES_PER_PAGE = 25
# The days a period may be picked around: the series reach back years before it, and a year's neighbours
# must still be dates.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
# The KPIs of the per-site table on the organisation's dashboard.
SITE_TABLE_KEYS = ("backlog_orders", "overdue_orders", "pm_compliance", "mttr_hours")


def may_see_dashboards(user: Any) -> bool:
    return bool(
        user.has_perm(DASHBOARD_PERMISSION)
        and (is_administrator(user) or any(has_role(user, role) for role in DASHBOARD_ROLES))
    )


def dashboard_screen(view: View) -> View:
    """Signed in (else the login page), and allowed the dashboards (else 403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not may_see_dashboards(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


class DashboardFilterForm(forms.Form):
    """Which period (its grain and any day in it) and which part of the site(s) the dashboard covers."""

    grain = forms.ChoiceField(label=_("Period"), choices=list(GRAINS.items()), initial="month", required=False)
    day = forms.DateField(label=_("Containing the day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All"))
    resource_type = forms.ModelChoiceField(
        label=_("Resource type"), queryset=ResourceType.objects.none(), required=False, empty_label=_("All")
    )
    criticality = forms.TypedChoiceField(
        label=_("Criticality"),
        choices=[("", _("All")), *Criticality.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, site: Area | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        resource_type_field = self.fields["resource_type"]
        assert isinstance(resource_type_field, forms.ModelChoiceField)
        resource_type_field.queryset = ResourceType.objects.order_by("name")
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ModelChoiceField)
        if site is None:  # the organisation's dashboard narrows by site through its table, not by area
            del self.fields["area"]
        else:
            area_field.queryset = Area.objects.filter(site=site).exclude(pk=site.pk).order_by("path")

    def clean_day(self) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data.get("day")
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                _("Choose a day between %(first)s and %(last)s."), params={"first": FIRST_DAY, "last": LAST_DAY}
            )
        return day

    def value(self, name: str) -> Any:
        """The field's cleaned value, or ``None`` when it was left empty or is in error (shown beside it)."""
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get(name) or None


def read_filters(request: HttpRequest, base: Scope, today: datetime.date, site: Area | None) -> dict[str, Any]:
    """The form, the scope and the period of a dashboard's query string (defaults where a field is bad)."""
    # The defaults as data, so the picker shows the period in effect (the current month where it is).
    data = {"grain": "month", "day": today.isoformat(), **request.GET.dict()}
    form = DashboardFilterForm(data, site=site)
    form.is_valid()  # errors are shown beside the fields; the valid ones still count
    grain: Grain = form.value("grain") or "month"
    period = period_containing(grain, form.value("day") or today)
    area = form.value("area")
    scope = dashboard.zone_cached(
        Scope(
            site_ids=base.site_ids,
            site_id=base.site_id,
            area_path=area.path if area is not None else None,
            resource_type_id=form.value("resource_type").pk if form.value("resource_type") else None,
            criticality=form.value("criticality"),
        )
    )
    return {"form": form, "scope": scope, "period": period, "grain": grain}


def period_links(request: HttpRequest, period: Period, today: datetime.date) -> dict[str, str]:
    """Query strings of the previous and next period (and of the current one), keeping the filters."""

    def query(day: datetime.date) -> str:
        params = request.GET.copy()
        params["grain"] = period.grain
        params["day"] = day.isoformat()
        return params.urlencode()

    links = {"previous": query(period.previous().first_day), "current": query(today)}
    if period.end_day <= today:
        links["next"] = query(period.next().first_day)
    return links


def site_today(site: Area) -> datetime.date:
    """Today in the site's time zone: the default period is the current one there."""
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(site.time_zone)).date()


def _dashboard_context(request: HttpRequest, filters: dict[str, Any], today: datetime.date) -> dict[str, Any]:
    scope, period = filters["scope"], filters["period"]
    return {
        **filters,
        "tiles": dashboard.dashboard_tiles(scope, period),
        "charts": dashboard.dashboard_charts(scope, period),
        "period_links": period_links(request, period, today),
        "filtered": any(request.GET.get(name) for name in ("area", "resource_type", "criticality")),
    }


def visible_site(request: HttpRequest, site_id: int) -> Area:
    """The site, if the user may see it; else 404 (as if it did not exist)."""
    site = Area.objects.sites().in_sites(visible_site_ids(request.user)).filter(pk=site_id).first()
    if site is None:
        raise Http404
    return site


@dashboard_screen
def site_dashboard(request: HttpRequest, site_id: int) -> HttpResponse:
    """One site's KPI tiles and charts for a period and a part of the site."""
    site = visible_site(request, site_id)
    today = site_today(site)
    base = Scope(site_ids=visible_site_ids(request.user), site_id=site.pk)
    filters = read_filters(request, base, today, site)
    context = _dashboard_context(request, filters, today)
    context["site"] = site
    return render(request, "reports/site_dashboard.html", context)


@dashboard_screen
def organisation_dashboard(request: HttpRequest) -> HttpResponse:
    """Every site the user sees: the tiles and charts over all of them, and a table with a row per site."""
    site_ids = visible_site_ids(request.user)
    today = timezone.localdate()
    filters = read_filters(request, Scope(site_ids=site_ids), today, None)
    sites = Area.objects.sites().in_sites(site_ids).order_by("name")
    page = paginate(request, sites, "sites", per_page=SITES_PER_PAGE)
    context = _dashboard_context(request, filters, today)
    context.update(site_rows(page, filters["scope"], filters["period"]), sites=page)
    return render(request, "reports/dashboard.html", context)


def site_rows(sites: Any, scope: Scope, period: Period) -> dict[str, Any]:
    """The per-site table: a few order KPIs for each site of the page and each site's cost per currency,
    each one grouped call over every site of the scope (a fixed number of queries)."""
    keys = [key for key in SITE_TABLE_KEYS if key in orders.ORDER_KPIS]
    cost = costs.cost_by_site(scope, period)
    by_site = orders.order_kpis_by_site(scope, period)
    rows = []
    for site in sites:
        site_scope = scope.with_site(site.pk)
        values = by_site.get(site.pk, {})
        cells = [
            {
                "definition": orders.ORDER_KPIS[key],
                "value": dashboard.as_number(values.get(key)),
                "link": orders.drilldown(key, site_scope, period),
            }
            for key in keys
        ]
        lines = sorted(cost.get(site.pk, {}).items())
        rows.append(
            {
                "site": site,
                "cells": cells,
                "cost": [(currency, dashboard.as_number(line.total)) for currency, line in lines],
                "cost_link": costs.drilldown("cost_total", site_scope, period),
            }
        )
    return {"site_columns": [orders.ORDER_KPIS[key] for key in keys], "site_rows": rows}


def _kpi_table_response(
    request: HttpRequest, filters: dict[str, Any], site: Area | None, today: datetime.date
) -> HttpResponseBase:
    table = dashboard.kpi_table(filters["scope"], filters["period"])
    name = f"kpis-{site.code}" if site is not None else "kpis"
    columns = [CsvColumn(header, itemgetter(i)) for i, header in enumerate(table.header())]
    export = export_response(request, table.records(), columns, name=name)
    if export is not None:
        return export
    context = {
        **filters,
        "site": site,
        "table": table,
        "period_links": period_links(request, filters["period"], today),
        "csv_query": export_query(request.GET, "csv"),
        "xlsx_query": export_query(request.GET, "xlsx"),
    }
    return render(request, "reports/kpi_table.html", context)


@dashboard_screen
def kpi_table(request: HttpRequest) -> HttpResponseBase:
    """All KPIs per period over the user's sites (rows: the last periods; columns: the KPIs), with exports."""
    today = timezone.localdate()
    filters = read_filters(request, Scope(site_ids=visible_site_ids(request.user)), today, None)
    return _kpi_table_response(request, filters, None, today)


@dashboard_screen
def site_kpi_table(request: HttpRequest, site_id: int) -> HttpResponseBase:
    """All KPIs per period of one site, with exports."""
    site = visible_site(request, site_id)
    today = site_today(site)
    base = Scope(site_ids=visible_site_ids(request.user), site_id=site.pk)
    filters = read_filters(request, base, today, site)
    return _kpi_table_response(request, filters, site, today)
