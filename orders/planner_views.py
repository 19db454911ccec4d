"""The planner's screens: the calendar of orders by due date, and the backlog of work to plan.

Both start from the orders of the user's sites and share the list screens' filters
(``WorkOrderFilterSet``); the list helpers are in ``orders.views``.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Area
from core.csv_export import export_response
from core.pagination import paginate
from core.scoping import visible_site_ids
from orders.exports import ORDER_COLUMNS
from orders.filters import WorkOrderFilterSet
from orders.forms import CalendarForm
from orders.models import Assignment, ScheduleState, WorkOrder
from orders.views import (
    LIST_PAGE_SIZE,
    filter_data,
    late_first,
    list_queryset,
    open_state_checkboxes,
    orders_screen,
    visible_fields,
)

CALENDAR_LIMIT = 1000  # orders drawn on one month; beyond that, narrow the filters
CALENDAR_CELL_LIMIT = 4  # orders shown in a month cell before "+ n more"
SCHEDULE_LEGEND = [(state.value, state.label) for state in ScheduleState]


def calendar_days(view: str, around: datetime.date) -> list[datetime.date]:
    if view == "week":
        start = around - datetime.timedelta(days=around.weekday())
        return [start + datetime.timedelta(days=n) for n in range(7)]
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(around.year, around.month)
    return [day for week in weeks for day in week]


def entity_filters(filterset: WorkOrderFilterSet) -> None:
    """The entity filters of the planner's screens: an area (with everything in it) picked from the tree of
    the user's sites, and the search box, which also finds equipment by tag or name."""
    site_ids = visible_site_ids(filterset.request.user)
    areas = Area.objects.in_sites(site_ids).order_by("path").only("pk", "name", "path")
    choices: list[tuple[Any, str]] = [("", _("Any"))]
    choices += [(area.pk, "\u2003" * (area.path.count("/") - 2) + area.name) for area in areas]
    field = filterset.form.fields["area"]
    field.label = _("Area or equipment location")
    field.widget = forms.Select(choices=choices)
    filterset.form.fields["q"].label = _("Order, tag or equipment name")


@dataclass
class CalendarSelection:
    """What the calendar screen shows for a request: the period and the filtered orders due in it."""

    view: str
    around: datetime.date
    today: datetime.date
    days: list[datetime.date]
    filterset: WorkOrderFilterSet

    @property
    def orders(self) -> QuerySet[WorkOrder]:
        """The orders drawn, due date first (slice at ``CALENDAR_LIMIT``)."""
        return self.filterset.qs


def calendar_selection(request: HttpRequest) -> CalendarSelection:
    """The period (``view``, ``date``) and filters of the calendar screen read from ``request.GET``: the
    screen draws these orders, and the ".ics" export of the screen (``exchange``) writes the same ones."""
    today = timezone.localdate()
    view, around = CalendarForm(request.GET).period(today)
    days = calendar_days(view, around)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(days[0], datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(days[-1] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    queryset = (
        WorkOrder.objects.visible_to(request.user)
        .filter(due_at__gte=start, due_at__lt=end)
        .select_related("resource", "area", "container", "material")
        .order_by("due_at", "number")
    )
    filterset = WorkOrderFilterSet(request.GET, queryset=queryset, request=request)
    return CalendarSelection(view=view, around=around, today=today, days=days, filterset=filterset)


@orders_screen
def order_calendar(request: HttpRequest) -> HttpResponseBase:
    """Orders by due date, a month or a week at a time, coloured by schedule state."""
    selection = calendar_selection(request)
    view, around, today, days = selection.view, selection.around, selection.today, selection.days
    filterset = selection.filterset
    tz = timezone.get_current_timezone()
    schedule = filterset.form.fields["schedule_state"]
    schedule.widget = forms.CheckboxSelectMultiple(choices=schedule.choices)
    entity_filters(filterset)
    # The export has every order of the period, not only the ones the calendar has room for.
    assignments = Prefetch("assignments", queryset=Assignment.objects.select_related("employee"))
    listed = selection.orders.select_related("site").prefetch_related(assignments)
    export = export_response(request, listed, ORDER_COLUMNS, name=f"{_('calendar')} {around.isoformat()}")
    if export is not None:
        return export
    orders = list(selection.orders[: CALENDAR_LIMIT + 1])
    truncated = len(orders) > CALENDAR_LIMIT
    base = request.GET.copy()

    def link(**changes: Any) -> str:
        params = base.copy()
        for key, value in changes.items():
            params[key] = str(value)
        return "?" + params.urlencode()

    by_day: dict[datetime.date, list[WorkOrder]] = defaultdict(list)
    for order in orders[:CALENDAR_LIMIT]:
        assert order.due_at is not None
        by_day[timezone.localtime(order.due_at, tz).date()].append(order)
    cells = [
        {
            "day": day,
            "orders": by_day.get(day, []),
            "shown": by_day.get(day, []) if view == "week" else by_day.get(day, [])[:CALENDAR_CELL_LIMIT],
            "more": 0 if view == "week" else max(0, len(by_day.get(day, [])) - CALENDAR_CELL_LIMIT),
            "today": day == today,
            "outside": view == "month" and day.month != around.month,
            "more_link": link(view="week", date=day.isoformat()),
        }
        for day in days
    ]
    if view == "week":
        previous, following = around - datetime.timedelta(days=7), around + datetime.timedelta(days=7)
    else:
        first = around.replace(day=1)
        previous = (first - datetime.timedelta(days=1)).replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
    filter_names = ["site", "plan", "area", "q", "schedule_state"]
    return render(
        request,
        "orders/calendar.html",
        {
            "view": view,
            "around": around,
            "cells": cells,
            "weeks": [cells[i : i + 7] for i in range(0, len(cells), 7)],
            "weekday_names": [days[n].strftime("%a") for n in range(7)] if days else [],
            "previous_link": link(view=view, date=previous.isoformat()),
            "next_link": link(view=view, date=following.isoformat()),
            "today_link": link(view=view, date=today.isoformat()),
            "month_link": link(view="month", date=around.isoformat()),
            "week_link": link(view="week", date=around.isoformat()),
            "truncated": truncated,
            "limit": CALENDAR_LIMIT,
            "filter_fields": visible_fields(filterset, filter_names),
            "filtered": any(request.GET.get(name) for name in filter_names),
            "period_keep": {"view": view, "date": around.isoformat()},
            # The same period and filters, for the ".ics" export of what the screen shows.
            "export_query": link(view=view, date=around.isoformat()),
            "legend": SCHEDULE_LEGEND,
            "order_count": min(len(orders), CALENDAR_LIMIT),
        },
    )


@orders_screen
def backlog(request: HttpRequest) -> HttpResponseBase:
    """Open orders that have no due date or are overdue: the work to plan."""
    now = timezone.now()
    queryset = late_first(
        list_queryset(request.user)
        .open()
        .filter(Q(due_at__isnull=True) | Q(due_at__lt=now) | Q(schedule_state=ScheduleState.LATE_DUE))
        .select_related("plan_instance__plan")
    )
    filterset = WorkOrderFilterSet(filter_data(request, status=""), queryset=queryset, request=request)
    open_state_checkboxes(filterset)
    schedule = filterset.form.fields["schedule_state"]
    schedule.widget = forms.CheckboxSelectMultiple(choices=schedule.choices)
    entity_filters(filterset)
    names = ["q", "site", "plan", "area", "priority", "kind", "schedule_state", "execution_state"]
    if (export := export_response(request, filterset.qs, ORDER_COLUMNS, name=_("backlog"))) is not None:
        return export
    orders = paginate(request, filterset.qs, "page", LIST_PAGE_SIZE)
    return render(
        request,
        "orders/backlog.html",
        {
            "orders": orders,
            "filter_fields": visible_fields(filterset, names),
            "filtered": any(request.GET.get(name) for name in names),
            "now": now,
        },
    )


# The filters the list shows in its form; every other filter of ``WorkOrderFilterSet`` given in the query
# (the KPI drill-downs: closed in a period, on time, breakdowns, a failure cause...) is kept, named above
# the list, and can be dropped with "Clear".
ORDER_LIST_FIELDS = ["q", "status", "site", "area", "kind", "priority", "execution_state", "schedule_state"]


def drilldown_filters(filterset: WorkOrderFilterSet, names: list[str]) -> list[tuple[str, str, str]]:
    """(name, label, value) of the valid filters in the query beyond ``names``, for the list's heading."""
    form = filterset.form
    cleaned = form.cleaned_data if form.is_valid() else {}
    shown: list[tuple[str, str, str]] = []
    for name, value in filterset.data.items():
        if name in names or name not in filterset.filters or value in ("", None) or name not in cleaned:
            continue
        shown.append((name, str(filterset.filters[name].label or name), str(value)))
    return shown


@orders_screen
def order_list(request: HttpRequest) -> HttpResponseBase:
    """Every work order of the user's sites, open or closed, with all the filters of the API's order list:
    the list behind each KPI of the dashboards (their tiles link here with the filters that select exactly
    the orders a number counts)."""
    queryset = list_queryset(request.user).select_related("plan_instance__plan").order_by("-created_at", "-id")
    filterset = WorkOrderFilterSet(request.GET, queryset=queryset, request=request)
    entity_filters(filterset)
    if not filterset.is_valid():
        errors = {name: [str(e) for e in messages] for name, messages in filterset.errors.items()}
        return render(
            request, "orders/order_list.html", {"orders": None, "errors": errors, "filter_fields": []}, status=400
        )
    if (export := export_response(request, filterset.qs, ORDER_COLUMNS, name=_("work orders"))) is not None:
        return export
    extra = drilldown_filters(filterset, ORDER_LIST_FIELDS)
    orders = paginate(request, filterset.qs, "page", LIST_PAGE_SIZE)
    return render(
        request,
        "orders/order_list.html",
        {
            "orders": orders,
            "filter_fields": visible_fields(filterset, ORDER_LIST_FIELDS),
            "filtered": any(request.GET.get(name) for name in ORDER_LIST_FIELDS) or bool(extra),
            "drilldown": extra,
            "keep": {name: value for name, _label, value in extra},
        },
    )
