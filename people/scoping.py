"""Which sites a user may see: the one rule every screen, API list and report scopes by."""

from __future__ import annotations

from typing import Any

# Roles that work across every site (the organisation's administrators and its integrations).
ALL_SITES_ROLES = ("Administrator", "Integrator")


def visible_site_ids(user: Any) -> list[int] | None:
    """Site ids the user may see, or ``None`` for every site. Cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return []
    if hasattr(user, "_mms_site_ids"):
        cached: list[int] | None = user._mms_site_ids
        return cached
    result: list[int] | None
    if user.is_superuser or user.groups.filter(name__in=ALL_SITES_ROLES).exists():
        result = None
    else:
        from people.models import Employee

        result = list(Employee.sites.through.objects.filter(employee__user=user).values_list("area_id", flat=True))
    user._mms_site_ids = result
    return result


def user_group_ids(user: Any) -> frozenset[int]:
    """Ids of the user's groups (roles), cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if not hasattr(user, "_mms_group_ids"):
        user._mms_group_ids = frozenset(user.groups.values_list("id", flat=True))
    cached: frozenset[int] = user._mms_group_ids
    return cached


def is_administrator(user: Any) -> bool:
    """Superusers and members of the Administrator role act as every role."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.groups.filter(name="Administrator").exists())
