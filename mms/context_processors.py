"""Template context for the base layout: the navigation items the user's roles may see."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.roles import (
    ADMINISTRATOR,
    INTEGRATOR,
    PLANNER,
    REQUESTER,
    ROLE_LABELS,
    STOREKEEPER,
    SUPERVISOR,
    TECHNICIAN,
)
from mms.dashboards import user_roles


class NavItem(NamedTuple):
    """An entry of the main navigation. ``roles`` empty: every signed-in user; ``staff``: staff users only."""

    label: Promise
    url_name: str
    roles: tuple[str, ...] = ()
    staff: bool = False


# Later issues add their screens here, in the order they appear.
NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home"),
    NavItem(_("My work"), "orders:my_work", roles=(TECHNICIAN,)),
    NavItem(_("Queue"), "orders:queue", roles=(SUPERVISOR, ADMINISTRATOR)),
    NavItem(_("Calendar"), "orders:calendar", roles=(PLANNER, SUPERVISOR, ADMINISTRATOR)),
    NavItem(_("Assets"), "assets:area_tree"),
    NavItem(_("Report a problem"), "requests:new"),
    NavItem(_("My requests"), "requests:mine", roles=(REQUESTER,)),
    NavItem(_("Plans"), "plans:plan_list", roles=(PLANNER, SUPERVISOR, ADMINISTRATOR)),
    NavItem(_("Stores"), "inventory:stock", roles=(STOREKEEPER, SUPERVISOR, ADMINISTRATOR)),
    NavItem(_("Data exchange"), "exchange:home", roles=(PLANNER, ADMINISTRATOR)),
    NavItem(_("Map"), "exchange:map", roles=(SUPERVISOR, PLANNER, ADMINISTRATOR)),
    NavItem(_("Dashboards"), "reports:dashboard", roles=(SUPERVISOR, PLANNER, ADMINISTRATOR)),
    NavItem(_("Investment"), "investment:ranking", roles=(PLANNER, SUPERVISOR, ADMINISTRATOR)),
    NavItem(_("System status"), "healthz", roles=(ADMINISTRATOR, INTEGRATOR)),
    NavItem(_("Audit trail"), "audit_search", roles=(ADMINISTRATOR,)),
    NavItem(_("Admin"), "admin:index", staff=True),
]


def nav_items_for(user: Any, roles: list[str]) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        item
        for item in NAV_ITEMS
        if (not item.staff or user.is_staff) and (not item.roles or any(role in roles for role in item.roles))
    ]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``nav_items`` (label, url, current) and ``user_role_labels`` for the header."""
    user = getattr(request, "user", None)
    roles = user_roles(user)
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else None
    items = []
    for item in nav_items_for(user, roles):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # a screen whose app is not wired in this deployment
            continue
        items.append({"label": item.label, "url": url, "current": item.url_name == current})
    return {"nav_items": items, "user_role_labels": [ROLE_LABELS[role] for role in roles]}
