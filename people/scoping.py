"""Loading a user's roles and sites in one query (the API's token authentication), and the sites an
employee belongs to, which ``core.scoping`` reads through ``employee_site_ids`` (registered at start-up)."""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection

from core.scoping import sees_every_site


def employee_site_ids(user: Any) -> list[int]:
    """Ids of the sites of the user's employee record (none without one)."""
    from people.models import Employee

    return list(Employee.sites.through.objects.filter(employee__user=user).values_list("area_id", flat=True))


@functools.cache
def _roles_sql() -> str:
    """One statement for everything a request asks about its user's roles: groups, permission ids (the
    user's own and its groups') and the sites of its employee record."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from people.models import Employee

    user_model = get_user_model()
    user_groups = user_model.groups.through._meta.db_table
    user_permissions = user_model.user_permissions.through._meta.db_table
    group_permissions = Group.permissions.through._meta.db_table
    employee, employee_sites = Employee._meta.db_table, Employee.sites.through._meta.db_table
    return (
        f"SELECT 'g', g.id, g.name FROM {Group._meta.db_table} g "
        f"JOIN {user_groups} ug ON ug.group_id = g.id WHERE ug.user_id = %s "
        f"UNION ALL SELECT 'u', up.permission_id, NULL FROM {user_permissions} up WHERE up.user_id = %s "
        f"UNION ALL SELECT 'r', gp.permission_id, NULL FROM {group_permissions} gp "
        f"JOIN {user_groups} ug ON ug.group_id = gp.group_id WHERE ug.user_id = %s "
        f"UNION ALL SELECT 's', es.area_id, NULL FROM {employee_sites} es "
        f"JOIN {employee} e ON e.id = es.employee_id WHERE e.user_id = %s"
    )


# Permission id -> "app_label.codename". Permissions are rows made by migrations and never renamed while
# the server runs; an id not known yet (a permission added since) reloads the map.
# The map is replaced whole, never changed in place, so threads never see it half-loaded.
_permission_names: dict[int, str] = {}


def _permission_name_map(ids: set[int]) -> dict[int, str]:
    global _permission_names
    names = _permission_names
    if not ids <= names.keys():
        from django.contrib.auth.models import Permission

        rows = Permission.objects.values_list("id", "content_type__app_label", "codename")
        names = {number: f"{app_label}.{codename}" for number, app_label, codename in rows}
        _permission_names = names
    return names


# What each user's roles were when last loaded, by user id: (role stamp, groups, sites, own and group
# permission names). Kept per process for the most recent users; see ``prime_roles``.
_known_roles: dict[int, tuple[str, dict[int, str], list[int], frozenset[str], frozenset[str]]] = {}
KNOWN_ROLES_MAX = 1000
STAMPED_DATABASES = ("postgresql", "sqlite")  # where the role stamp's triggers exist (people migration 0004)


def role_stamp_sql() -> str:
    """A scalar subquery for the current role stamp, to read in the same statement as the user."""
    from people.models import RoleStamp

    return f"(SELECT s.value FROM {RoleStamp._meta.db_table} s WHERE s.id = 1)"


def prime_roles(user: Any, stamp: str | None = None) -> None:
    """Load the user's groups, permissions and sites in one query, for the rest of the request.

    Fills what ``user_groups`` and ``visible_site_ids`` cache on the user object, and the permission
    caches of Django's ``ModelBackend`` (same content: the user's and its groups' permissions, none for an
    inactive user; superusers keep Django's own path, which grants everything). Used by the API's token
    authentication, where every request needs all three and would otherwise pay four queries.

    ``stamp`` is the role stamp read with the user (``role_stamp_sql``): while it is unchanged, nobody's
    groups, permissions or sites have changed, so what this process loaded for the user last time is
    still true and no query is made. Whether the user is active or a superuser comes from the user row
    itself, read on every request.
    """
    kept_under = stamp if stamp and connection.vendor in STAMPED_DATABASES else None
    known = _known_roles.get(user.pk) if kept_under else None
    if known is not None and known[0] == stamp:
        _stamp, groups, site_ids, own, of_groups = known
    else:
        with connection.cursor() as cursor:
            cursor.execute(_roles_sql(), [user.pk] * 4)
            rows = cursor.fetchall()
        groups = {number: name for kind, number, name in rows if kind == "g"}
        site_ids = [number for kind, number, _name in rows if kind == "s"]
        own_ids = {number for kind, number, _name in rows if kind == "u"}
        group_ids = {number for kind, number, _name in rows if kind == "r"}
        names = _permission_name_map(own_ids | group_ids)
        own = frozenset(names[number] for number in own_ids if number in names)
        of_groups = frozenset(names[number] for number in group_ids if number in names)
        if kept_under:
            _known_roles.pop(user.pk, None)
            while len(_known_roles) >= KNOWN_ROLES_MAX:
                try:
                    _known_roles.pop(next(iter(_known_roles)), None)  # the least recently loaded
                except (RuntimeError, StopIteration):  # another thread changed it meanwhile
                    break
            _known_roles[user.pk] = (kept_under, groups, site_ids, own, of_groups)
    user._mms_groups = dict(groups)
    user._mms_site_ids = None if sees_every_site(user, groups) else list(site_ids)
    if not user.is_superuser:
        if not user.is_active:
            own = of_groups = frozenset()
        user._user_perm_cache, user._group_perm_cache = set(own), set(of_groups)
        user._perm_cache = set(own | of_groups)
