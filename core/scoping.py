"""Which sites a user may see, and which roles the user holds: the rule every screen, API list and report
scopes by.

Site memberships are kept by the people app (an employee's sites). This module imports no app, so the
app that keeps memberships registers how to read a user's sites (``register_site_membership``; the people
app does it when Django starts). Until one is registered, a user who does not see every site sees none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Roles that work across every site (the organisation's administrators and its integrations).
ALL_SITES_ROLES = ("Administrator", "Integrator")

SiteMembership = Callable[[Any], list[int]]
_site_membership: SiteMembership | None = None


def register_site_membership(reader: SiteMembership) -> None:
    """Say how to read the ids of the sites a user belongs to (one query; called once, at start-up)."""
    global _site_membership
    _site_membership = reader


def visible_site_ids(user: Any) -> list[int] | None:
    """Site ids the user may see, or ``None`` for every site. Cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return []
    if hasattr(user, "_mms_site_ids"):
        cached: list[int] | None = user._mms_site_ids
        return cached
    result: list[int] | None
    if sees_every_site(user, user_groups(user)):
        result = None
    else:
        result = list(_site_membership(user)) if _site_membership is not None else []
    user._mms_site_ids = result
    return result


def sees_every_site(user: Any, groups: dict[int, str]) -> bool:
    """Superusers and the all-sites roles see every site (``groups``: the user's id -> role name)."""
    return bool(user.is_superuser or any(name in ALL_SITES_ROLES for name in groups.values()))


def user_groups(user: Any) -> dict[int, str]:
    """Id -> name of the user's groups (roles): one query, cached on the user object per request.

    Every role question of a request (sites, administrator, "my role", the navigation) reads this.
    """
    if not getattr(user, "is_authenticated", False):
        return {}
    if not hasattr(user, "_mms_groups"):
        user._mms_groups = dict(user.groups.values_list("id", "name"))
    cached: dict[int, str] = user._mms_groups
    return cached


def user_group_ids(user: Any) -> frozenset[int]:
    """Ids of the user's groups (roles), cached on the user object per request."""
    return frozenset(user_groups(user))


def has_role(user: Any, name: str) -> bool:
    """Whether the user is a member of the group (role) ``name``; no query once the groups are cached."""
    return name in user_groups(user).values()


def is_administrator(user: Any) -> bool:
    """Superusers and members of the Administrator role act as every role."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or has_role(user, "Administrator"))
