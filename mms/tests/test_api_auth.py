"""Token authentication and request rates of the API.

- a token's user gets its groups, permissions and sites from one query (``prime_roles``), the same as
  Django's own permission checks and ``visible_site_ids`` find without it; a process reuses them while
  the role stamp (renewed by database triggers on every change of roles, permissions or sites) is unchanged;
- unknown tokens and inactive users answer 401 in JSON;
- the per-user and scoped rates answer 429 with ``Retry-After`` once a window's count is spent, for that
  caller only, and open again in the next window.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from assets.factories import CounterFactory, ResourceFactory, SiteFactory
from core.api.testing import token_client
from core.api.throttling import WindowRateThrottle
from core.scoping import user_groups, visible_site_ids
from core.testing import UserFactory
from mms.api.authentication import BearerTokenAuthentication
from people.factories import make_role_user
from people.models import RoleStamp
from people.scoping import prime_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory()


def fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ["Technician", "Supervisor", "Storekeeper", "Integrator", "Administrator"])
def test_prime_roles_finds_what_django_and_the_scoping_find(role, site):
    other_site = SiteFactory()
    user = make_role_user(role, site=site)
    user.employee.sites.add(other_site)
    user.user_permissions.add(Permission.objects.get(codename="delete_comment"))
    expected_perms = fresh(user).get_all_permissions()
    expected_groups = user_groups(fresh(user))
    expected_sites = visible_site_ids(fresh(user))

    primed = fresh(user)
    with CaptureQueriesContext(connection) as queries:
        prime_roles(primed)
        perms, groups, sites = primed.get_all_permissions(), user_groups(primed), visible_site_ids(primed)
        assert primed.has_perm("orders.delete_comment")
    assert len(queries) <= 2  # the roles query, and the first time the permission names are loaded
    assert (perms, groups) == (expected_perms, expected_groups)
    assert sites == expected_sites
    assert "orders.delete_comment" in perms
    if role in ("Integrator", "Administrator"):
        assert sites is None
    else:
        assert sorted(sites) == sorted([site.pk, other_site.pk])


def test_prime_roles_gives_an_inactive_user_no_permissions_and_a_superuser_all(site):
    inactive = make_role_user("Supervisor", site=site)
    inactive.is_active = False
    inactive.save()
    user = fresh(inactive)
    prime_roles(user)
    assert user.get_all_permissions() == set()
    boss = UserFactory(is_superuser=True)
    boss = fresh(boss)
    prime_roles(boss)
    assert boss.has_perm("orders.delete_workorder")
    assert visible_site_ids(boss) is None


def test_a_token_request_costs_two_queries_for_who_and_what(site):
    user = make_role_user("Technician", site=site)
    key = token_client(user)._credentials["HTTP_AUTHORIZATION"].split()[1]
    request = APIClient().get("/").wsgi_request
    request.META["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    with CaptureQueriesContext(connection) as queries:
        found, token = BearerTokenAuthentication().authenticate(request)
        assert visible_site_ids(found) == [site.pk]
        assert found.has_perm("orders.view_workorder")
        assert not found.has_perm("orders.delete_workorder")
    assert found == user
    assert (token.key, token.user_id) == (key, user.pk)
    assert len(queries) <= 3  # token + user, roles, and (first time only) the permission names


def _stamp() -> str | None:
    return RoleStamp.objects.values_list("value", flat=True).first()


def _authenticate(key: str):
    """The token's user, and the queries that took."""
    request = APIClient().get("/").wsgi_request
    request.META["HTTP_AUTHORIZATION"] = f"Token {key}"
    with CaptureQueriesContext(connection) as queries:
        user, _token = BearerTokenAuthentication().authenticate(request)
        sites, can_view = visible_site_ids(user), user.has_perm("orders.view_workorder")
    return user, sites, can_view, len(queries)


def test_the_role_stamp_changes_with_each_change_of_roles_permissions_or_sites(site):
    user = make_role_user("Technician", site=site)
    group = Group.objects.get(name="Technician")
    permission = Permission.objects.get(codename="delete_comment")
    through = type(user).groups.through._meta.db_table
    changes = [
        lambda: user.groups.add(Group.objects.get(name="Supervisor")),
        lambda: user.groups.remove(group),
        lambda: user.user_permissions.add(permission),
        lambda: group.permissions.remove(permission) or group.permissions.add(permission),
        lambda: Group.objects.filter(pk=group.pk).update(name="Fitter"),
        lambda: user.employee.sites.add(SiteFactory()),
        lambda: user.employee.sites.clear(),
        lambda: type(user.employee).objects.filter(pk=user.employee.pk).update(user=None),
        lambda: connection.cursor().execute(f"DELETE FROM {through} WHERE user_id = %s", [user.pk]),
    ]
    seen = {_stamp()}
    for change in changes:
        change()
        seen.add(_stamp())
    assert None not in seen
    assert len(seen) == len(changes) + 1
    UserFactory()  # a new user without roles changes nothing anyone may do
    assert _stamp() in seen


def test_token_requests_reuse_roles_until_they_change(site):
    other = SiteFactory()
    user = make_role_user("Technician", site=site)
    key = token_client(user)._credentials["HTTP_AUTHORIZATION"].split()[1]
    _authenticate(key)  # loads the roles (and, once per process, the permission names)
    found, sites, can_view, queries = _authenticate(key)
    assert (sites, can_view, queries) == ([site.pk], True, 1)  # the token, user and stamp: nothing else
    user.employee.sites.add(other)
    found, sites, can_view, queries = _authenticate(key)
    assert (sorted(sites), can_view, queries) == (sorted([site.pk, other.pk]), True, 2)
    with connection.cursor() as cursor:  # behind the ORM's back: seen as well
        table = type(user).groups.through._meta.db_table
        cursor.execute(f"DELETE FROM {table} WHERE user_id = %s", [user.pk])
    found, sites, can_view, queries = _authenticate(key)
    assert (can_view, queries) == (False, 2)
    assert user_groups(found) == {}
    user.is_superuser = True  # read from the user's own row on every request
    user.save()
    found, sites, can_view, queries = _authenticate(key)
    assert (sites, can_view, queries) == (None, True, 1)


def test_a_role_change_rolled_back_leaves_the_roles_as_they_were(site):
    user = make_role_user("Technician", site=site)
    key = token_client(user)._credentials["HTTP_AUTHORIZATION"].split()[1]
    before = _stamp()
    assert _authenticate(key)[1] == [site.pk]

    def administrator_for_a_moment() -> None:
        with transaction.atomic():
            user.groups.add(Group.objects.get(name="Administrator"))
            assert _authenticate(key)[1] is None  # inside the change: every site
            raise RuntimeError

    with pytest.raises(RuntimeError):
        administrator_for_a_moment()
    assert _stamp() == before
    _found, sites, _can_view, queries = _authenticate(key)
    assert (sites, queries) == ([site.pk], 2)  # what was kept is under the rolled-back stamp: loaded again
    assert _authenticate(key)[1:] == ([site.pk], True, 1)


def test_without_a_role_stamp_roles_are_loaded_each_time(site):
    user = make_role_user("Technician", site=site)
    key = token_client(user)._credentials["HTTP_AUTHORIZATION"].split()[1]
    RoleStamp.objects.all().delete()
    for _attempt in range(2):
        _found, sites, can_view, queries = _authenticate(key)
        assert (sites, can_view) == ([site.pk], True)
        assert queries >= 2


def test_unknown_tokens_and_inactive_users_answer_401(site):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get(reverse("api:workorder-list"))
    assert response.status_code == 401
    assert "detail" in response.json()
    user = make_role_user("Technician", site=site)
    client = token_client(user)
    user.is_active = False
    user.save()
    response = client.get(reverse("api:workorder-list"))
    assert response.status_code == 401


@pytest.fixture
def rates(monkeypatch):
    """Small rates and a clock the test moves; the cache starts empty."""
    cache.clear()
    clock = [1_000_000.0]
    monkeypatch.setattr(WindowRateThrottle, "timer", lambda self: clock[0])
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "user", "3/minute")
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "readings_bulk", "1/minute")
    yield clock
    cache.clear()


def test_a_user_over_the_rate_gets_429_until_the_next_window(rates, site):
    url = reverse("api:workorder-list")
    first, second = token_client(make_role_user("Technician", site=site)), token_client(make_role_user("Planner"))
    assert [first.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = first.get(url)
    assert refused.status_code == 429
    assert "detail" in refused.json()
    assert 0 < int(refused["Retry-After"]) <= 60
    assert second.get(url).status_code == 200  # counted per user
    rates[0] += 60
    assert first.get(url).status_code == 200


def test_the_bulk_readings_scope_has_its_own_rate(rates, site):
    user = make_role_user("Integrator")
    counter = CounterFactory(resource=ResourceFactory(area=site))
    client = token_client(user)
    url = reverse("api:reading-bulk")
    row = {"counter": counter.pk, "taken_at": "2026-11-23T08:00:00Z", "value": "1"}
    assert client.post(url, [row], format="json").status_code == 200
    assert client.post(url, [{**row, "taken_at": "2026-11-23T09:00:00Z"}], format="json").status_code == 429
    assert client.get(reverse("api:workorder-list")).status_code == 200  # other endpoints: the user rate
