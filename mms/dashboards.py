"""The landing page: one section per role the user holds, each scoped to the user's sites.

Each role has a builder that returns the context of its section template. Builders only read; the
queries live here until the apps grow QuerySet methods for them (models are owned by their apps).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth.models import Group, User
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise

from assets.models import Area, Counter, EntityStatus, Reading, Resource, counter_site_q
from core.pagination import paginate
from core.queries import count_of
from core.roles import (
    ADMINISTRATOR,
    INTEGRATOR,
    PLANNER,
    REQUESTER,
    ROLE_LABELS,
    ROLES,
    STOREKEEPER,
    SUPERVISOR,
    TECHNICIAN,
)
from core.scoping import user_groups, visible_site_ids
from inventory.models import Part, Vendor
from mms.services import HealthReport, system_health
from people.models import Employee, EmployeeCertification

EXPIRY_WARNING_DAYS = 30
RECENT_PARTS = 10
# The search results of the requester section, swapped in place by htmx.
RESOURCE_SEARCH_TARGET = "resource-search-results"


def user_roles(user: Any) -> list[str]:
    """The role names (see ``core.roles``) the user holds, in the order of ``ROLES``; cached per request."""
    if not getattr(user, "is_authenticated", False):
        return []
    names = set(user_groups(user).values())
    return [role for role in ROLES if role in names]


# --- Queries -----------------------------------------------------------------------------------
def resources_needing_attention(site_ids: list[int] | None) -> QuerySet[Resource]:
    """Resources of these sites that are down or on hold, the most urgent first."""
    return (
        Resource.objects.in_sites(site_ids)
        .filter(status__in=[EntityStatus.DOWN, EntityStatus.ON_HOLD])
        .select_related("area__site")
        .annotate(down_first=Case(When(status=EntityStatus.DOWN, then=Value(0)), default=Value(1)))
        .order_by("down_first", "-criticality", "tag")
    )


def certification_state(today: datetime.date) -> Case:
    """valid / expiring (within ``EXPIRY_WARNING_DAYS``) / expired / future, computed in the database."""
    warn_until = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    return Case(
        When(valid_from__gt=today, then=Value("future")),
        When(valid_to__lt=today, then=Value("expired")),
        When(valid_to__lte=warn_until, then=Value("expiring")),
        default=Value("valid"),
        output_field=CharField(),
    )


# --- Sections ----------------------------------------------------------------------------------
@dataclass
class Dashboard:
    """What every section builder needs: the request, the user's sites and today's date."""

    request: HttpRequest

    @property
    def user(self) -> Any:
        return self.request.user

    @cached_property
    def site_ids(self) -> list[int] | None:
        return visible_site_ids(self.user)

    @cached_property
    def today(self) -> datetime.date:
        return timezone.localdate()

    @cached_property
    def health(self) -> HealthReport:
        # Administrators and integrators both show it: check once per request.
        return system_health()


def orders_of_my_work(dash: Dashboard) -> QuerySet[Any]:
    """Open orders assigned to the user, or to the user's role and nobody yet (the "My work" screen)."""
    from orders.filters import WorkOrderFilterSet
    from orders.models import WorkOrder

    orders = WorkOrder.objects.visible_to(dash.user).open()
    return WorkOrderFilterSet({"assigned": "my_role"}, queryset=orders, request=dash.request).qs


def technician_work(dash: Dashboard) -> dict[str, Any]:
    """The next few orders of "My work", late first, with the counts of all of them (one query: window sums)."""
    from orders.views import late_first

    orders = orders_of_my_work(dash)
    late = Case(When(schedule_state="late_due", then=Value(1)), default=Value(0), output_field=IntegerField())
    next_orders = list(
        late_first(orders.select_related("site", "resource", "area", "container", "material")).annotate(
            open_total=Window(Count("pk")), late_total=Window(Sum(late))
        )[:3]
    )
    counts = {"open": 0, "late": 0}
    if next_orders:
        counts = {"open": next_orders[0].open_total, "late": next_orders[0].late_total or 0}
    return {"work_counts": counts, "next_orders": next_orders}


def supervisor_queue_counts(dash: Dashboard) -> dict[str, int]:
    from orders.models import WorkOrder
    from orders.views import QUEUE_TABS, owned_by

    mine = owned_by(dash.user, WorkOrder.objects.visible_to(dash.user))
    return mine.aggregate(
        **{name: Count("pk", filter=Q(execution_state=state)) for name, (_label, state) in QUEUE_TABS.items()}
    )


def planner_order_counts(dash: Dashboard) -> dict[str, int]:
    from orders.models import WorkOrder

    week_ahead = timezone.now() + datetime.timedelta(days=7)
    return (
        WorkOrder.objects.visible_to(dash.user)
        .open()
        .aggregate(
            late=Count("pk", filter=Q(schedule_state="late_due")),
            undated=Count("pk", filter=Q(due_at__isnull=True)),
            due_this_week=Count("pk", filter=Q(due_at__gte=timezone.now(), due_at__lt=week_ahead)),
        )
    )


def technician_section(dash: Dashboard) -> dict[str, Any]:
    certifications = (
        EmployeeCertification.objects.filter(employee__user=dash.user)
        .select_related("certification")
        .annotate(state=certification_state(dash.today))
        .order_by(F("valid_to").asc(nulls_last=True), "certification__name")
    )
    return {
        **technician_work(dash),
        "certifications": paginate(dash.request, certifications, "technician_certifications"),
        "resources": paginate(dash.request, resources_needing_attention(dash.site_ids), "technician_resources"),
    }


def supervisor_section(dash: Dashboard) -> dict[str, Any]:
    employees = Employee.objects.active().in_sites(dash.site_ids).values("pk")
    expiring = (
        EmployeeCertification.objects.expiring_within(EXPIRY_WARNING_DAYS, dash.today)
        .filter(employee__in=employees)
        .select_related("employee", "certification")
        .order_by("valid_to", "employee__name")
    )
    return {
        "queue_counts": supervisor_queue_counts(dash),
        "resources": paginate(dash.request, resources_needing_attention(dash.site_ids), "supervisor_resources"),
        "expiring": paginate(dash.request, expiring, "supervisor_certifications"),
        "warning_days": EXPIRY_WARNING_DAYS,
    }


def planner_section(dash: Dashboard) -> dict[str, Any]:
    sites = (
        Area.objects.sites()
        .in_sites(dash.site_ids)
        .annotate(
            resource_count=count_of(Resource.objects.filter(area__site_id=OuterRef("pk"))),
            counter_count=count_of(Counter.objects.filter(counter_site_q("", OuterRef("pk")))),
        )
        .order_by("name")
    )
    latest = Reading.objects.filter(counter=OuterRef("pk")).order_by("-taken_at")
    counters = (
        Counter.objects.in_sites(dash.site_ids)
        .select_related("area", "resource", "container", "material")
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_taken_at=Subquery(latest.values("taken_at")[:1]),
        )
        .order_by(F("latest_taken_at").desc(nulls_last=True), "name", "pk")
    )
    counter_page = paginate(dash.request, counters, "planner_counters")
    for counter in counter_page:
        # Readings are stored with 4 decimals; show the ones that matter (1234.5, not 1234.5000).
        value = counter.latest_value
        counter.latest_places = max(0, -int(value.normalize().as_tuple().exponent)) if value is not None else 0
    return {
        "order_counts": planner_order_counts(dash),
        "sites": paginate(dash.request, sites, "planner_sites"),
        "counters": counter_page,
    }


def storekeeper_section(dash: Dashboard) -> dict[str, Any]:
    catalogue = Part.objects.aggregate(total=Count("pk"), active=Count("pk", filter=Q(active=True)))
    history = Part.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date")
    recent_parts = Part.objects.annotate(last_changed=Subquery(history.values("history_date")[:1])).order_by(
        F("last_changed").desc(nulls_last=True), "part_number"
    )[:RECENT_PARTS]
    return {
        "part_count": catalogue["total"],
        "active_part_count": catalogue["active"],
        "vendors": paginate(dash.request, Vendor.objects.filter(active=True).order_by("name"), "storekeeper_vendors"),
        "recent_parts": list(recent_parts),
    }


def requester_section(dash: Dashboard) -> dict[str, Any]:
    query = dash.request.GET.get("q", "").strip()[:100]
    results = None
    if query:
        resources = (
            Resource.objects.in_sites(dash.site_ids)
            .filter(Q(tag__icontains=query) | Q(name__icontains=query))
            .select_related("area__site")
            .order_by("tag")
        )
        results = paginate(dash.request, resources, "requester_page")
    return {"query": query, "results": results, "search_target": RESOURCE_SEARCH_TARGET}


def administrator_section(dash: Dashboard) -> dict[str, Any]:
    groups = (
        Group.objects.filter(name__in=ROLES)
        .annotate(user_count=Count("user", filter=Q(user__is_active=True)))
        .values_list("name", "user_count")
    )
    counts = dict(groups)
    users = User.objects.filter(is_active=True).aggregate(
        total=Count("pk", distinct=True),
        without_role=Count("pk", distinct=True, filter=Q(groups__isnull=True)),
    )
    return {
        "health": dash.health,
        "role_counts": [(ROLE_LABELS[role], counts.get(role, 0)) for role in ROLES],
        "user_count": users["total"],
        "users_without_role": users["without_role"],
    }


def integrator_section(dash: Dashboard) -> dict[str, Any]:
    last = dash.health.heartbeat.get("last")
    return {"health": dash.health, "heartbeat_at": datetime.datetime.fromisoformat(last) if last else None}


@dataclass(frozen=True)
class SectionSpec:
    """How one role's section is titled, rendered and filled."""

    title: Promise
    template: str
    build: Callable[[Dashboard], dict[str, Any]]
    site_scoped: bool = False  # lists only the user's sites: say so when the user has none


SECTIONS: dict[str, SectionSpec] = {
    TECHNICIAN: SectionSpec(ROLE_LABELS[TECHNICIAN], "mms/home/_technician.html", technician_section, True),
    SUPERVISOR: SectionSpec(ROLE_LABELS[SUPERVISOR], "mms/home/_supervisor.html", supervisor_section, True),
    PLANNER: SectionSpec(ROLE_LABELS[PLANNER], "mms/home/_planner.html", planner_section, True),
    STOREKEEPER: SectionSpec(ROLE_LABELS[STOREKEEPER], "mms/home/_storekeeper.html", storekeeper_section),
    REQUESTER: SectionSpec(ROLE_LABELS[REQUESTER], "mms/home/_requester.html", requester_section, True),
    ADMINISTRATOR: SectionSpec(ROLE_LABELS[ADMINISTRATOR], "mms/home/_administrator.html", administrator_section),
    INTEGRATOR: SectionSpec(ROLE_LABELS[INTEGRATOR], "mms/home/_integrator.html", integrator_section),
}


@dataclass
class Section:
    role: str
    title: Promise
    template: str
    data: dict[str, Any]

    @property
    def slug(self) -> str:
        return self.role.lower()


def home_context(request: HttpRequest) -> dict[str, Any]:
    """Everything the landing page shows for the user's roles."""
    dash = Dashboard(request)
    roles = user_roles(request.user)
    sections = [
        Section(role, SECTIONS[role].title, SECTIONS[role].template, SECTIONS[role].build(dash)) for role in roles
    ]
    site_scoped = any(SECTIONS[role].site_scoped for role in roles)
    return {
        "roles": roles,
        "sections": sections,
        "no_sites": site_scoped and dash.site_ids == [],
    }
