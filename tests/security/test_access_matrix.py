"""Object-level access: every role x every URL of the URL conf x a record of the user's own site and one of
another site. The answer is allowed (2xx/3xx), 403, 404 (or 400/405 where the URL wants input or POST),
never a server error, and never another site's data.

The URLs come from walking ``get_resolver().url_patterns``, so a new screen or API endpoint is in the matrix
the moment it is in a ``urls.py``; the test fails until its URL parameters can be filled:

- API endpoints (``api:`` names) fill ``pk`` from their viewset's ``queryset`` model by themselves;
- screens name the model of their ``pk`` in ``SCREEN_MODELS`` (one line: ``"app:url_name": Model``);
- other URL parameters are filled by name (``KWARG_MODELS``: ``order_pk`` is a work order...) or with a
  literal (``LITERALS``: ``("orders:transition", "action"): "release"``);
- URLs that cannot or need not be filled (public pages, the Django admin's object pages, format
  suffixes) are in ``EXCEPTIONS`` with the reason; the test fails if an entry there matches no URL any more.

The records come from the demo (``load_demo``): the user's site is Riverside, the other site the clinic.
A record "of a site" is found with the model's ``in_sites`` QuerySet method (the rule the screens and the
API scope by); a model without one is shared master data (parts, vendors...), filled once, with no
other-site variant. Each role is a user of that one role on Riverside only; Administrators and
Integrators see every site by design, so for them only "no server error" is asserted.

Checks: as a Riverside user, the clinic's record answers 403/404 (or redirects, or 405), not 2xx; no
answer to a Riverside user (lists included) contains the clinic's code or name, or the code or number of
a clinic record the matrix used; anonymous users are sent to the login page by screens and get 401/403
from the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assets.models import Area, Counter, Resource
from core import roles
from core.models import Notification
from exchange.models import CalendarFeed, ColumnMapping, ImportRun
from inventory.models import Part, PurchaseOrder, PurchaseOrderLine, PurchaseRequest, Reservation
from mms.demo.constants import SITE_CLINIC, SITE_RIVERSIDE
from orders.models import WorkOrder
from people.factories import make_role_user
from people.models import Employee
from plans.models import Activity, ChangeSet, ChecklistItem, DataParameter, MaintenancePlan, PlanInstance, PlanVersion
from reports.models import ReportSubscription

pytestmark = pytest.mark.django_db

# The model of each screen's ``pk`` (API endpoints take theirs from the viewset).
SCREEN_MODELS: dict[str, type[models.Model]] = {
    "plans:plan_detail": MaintenancePlan,
    "plans:plan_history": MaintenancePlan,
    "plans:version_history": PlanVersion,
    "orders:history": WorkOrder,
    "orders:pdf": WorkOrder,
    "assets:resource_history": Resource,
    "inventory:part_history": Part,
    "people:employee_history": Employee,
    "plans:plan_diff": MaintenancePlan,
    "plans:version_create": MaintenancePlan,
    "plans:plan_apply": MaintenancePlan,
    "plans:instance_list": MaintenancePlan,
    "plans:instance_deactivate": PlanInstance,
    "plans:version_detail": PlanVersion,
    "plans:version_delete": PlanVersion,
    "plans:version_make_effective": PlanVersion,
    "plans:activity_update": Activity,
    "plans:activity_delete": Activity,
    "plans:row_add": Activity,
    "plans:row_delete": Activity,
    "plans:changeset_submit": ChangeSet,
    "plans:changeset_approve": ChangeSet,
    "plans:changeset_reject": ChangeSet,
    "orders:detail": WorkOrder,
    "orders:assign": WorkOrder,
    "orders:checklist_answer": WorkOrder,
    "orders:data_value": WorkOrder,
    "orders:reading_add": WorkOrder,
    "orders:used_part_add": WorkOrder,
    "orders:labour_add": WorkOrder,
    "orders:labour_clock": WorkOrder,
    "orders:comment_add": WorkOrder,
    "orders:attachment_add": WorkOrder,
    "orders:transition": WorkOrder,
    "orders:ad_hoc_create": PlanInstance,
    "orders:downtime_open": Resource,
    "orders:downtime_close": Resource,
    "assets:area_children": Area,
    "assets:resource_detail": Resource,
    "assets:resource_label": Resource,
    "assets:reading_add": Counter,
    "people:notification_open": Notification,
    "people:notification_read": Notification,
    "inventory:request_cancel": PurchaseRequest,
    "inventory:order_detail": PurchaseOrder,
    "inventory:order_receive": PurchaseOrder,
    "inventory:order_line_add": PurchaseOrder,
    "inventory:order_line_remove": PurchaseOrder,
    "inventory:order_action": PurchaseOrder,
    "inventory:reservation_move": Reservation,
    "exchange:run": ImportRun,
    "exchange:run_confirm": ImportRun,
    "exchange:calendar_feed_revoke": CalendarFeed,
    "exchange:csv_mapping_edit": ColumnMapping,
    "exchange:csv_mapping_delete": ColumnMapping,
    "reports:subscription_edit": ReportSubscription,
    "investment:resource": Resource,
    "investment:replacement_move": Resource,
}
# Other URL parameters, by name: the model whose record fills them.
KWARG_MODELS: dict[str, type[models.Model]] = {
    "order_pk": WorkOrder,
    "version_pk": PlanVersion,
    "item_pk": ChecklistItem,
    "parameter_pk": DataParameter,
    "line_pk": PurchaseOrderLine,
    "row_pk": ChecklistItem,
    "site_id": Area,
}
# Parameters that are words, not records: (URL name, parameter) -> value.
LITERALS: dict[tuple[str, str], str] = {
    ("plans:row_add", "kind"): "checklist",
    ("plans:row_delete", "kind"): "checklist",
    ("orders:transition", "action"): "release",
    ("orders:labour_clock", "action"): "start",
    ("inventory:order_action", "action"): "submit",
    ("api:export-detail", "name"): "csv",
}
# URLs outside the matrix, by URL name (or route, for unnamed ones), with the reason. Reviewed: an entry
# here is a URL whose access rule is not "signed-in user of a site".
EXCEPTIONS: dict[str, str] = {
    "login": "public: the login page",
    "logout": "public: signing out",
    "password_reset": "public: asking for a reset link",
    "password_reset_done": "public",
    "password_reset_confirm": "public: the e-mailed link's token is the credential",
    "password_reset_complete": "public",
    "healthz": "public: the load balancer's probe (no data beyond up/down)",
    "api:schema": "public: the OpenAPI schema",
    "api:docs": "public: Swagger UI of the schema",
    "api:redoc": "public: Redoc of the schema",
    "api:api-root": "public: the router's index of endpoint URLs",
    "exchange:calendar_feed_ics": "the feed's secret token is the credential (exchange tests cover it)",
    "api:token_create": "public: POST a username and password for a token (the login protection tests cover it)",
}
# URLs whose record the demo does not have (no reservations, imports, calendar feeds, CSV mappings, report
# subscriptions, comments, attachments or webhooks): visited only without the record. The test fails when
# the demo gains one (the entry is stale: delete it and the URL joins the matrix).
NO_DEMO_RECORD = {
    "inventory:reservation_move",
    "exchange:run",
    "exchange:run_confirm",
    "exchange:calendar_feed_revoke",
    "exchange:csv_mapping_edit",
    "exchange:csv_mapping_delete",
    "reports:subscription_edit",
    "api:comment-detail",
    "api:attachment-detail",
    "api:webhooksubscription-detail",
    "api:webhookdelivery-detail",
    "api:importrun-detail",
    "api:importrun-import",
    "api:calendarfeed-detail",
    "api:calendarfeed-revoke",
}
# Every Django admin URL: staff only. Non-staff users are redirected to the admin login before any object
# is looked up, so object ids are not filled ("1"); Administrators see every site by design.
ADMIN_NAMESPACE = "admin"
OK_STATUSES = {200, 201, 204, 301, 302, 303, 400, 403, 404, 405}
DENIED_STATUSES = {301, 302, 303, 403, 404, 405}
CONFINED_ROLES = [r for r in roles.ROLES if r not in (roles.ADMINISTRATOR, roles.INTEGRATOR)]
KWARG_RE = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


@dataclass(frozen=True)
class Url:
    """One pattern of the URL conf: its name (with namespaces), route text, parameters and view."""

    name: str
    route: str
    kwargs: tuple[str, ...]
    callback: Any

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")

    @property
    def is_admin(self) -> bool:
        return self.name.startswith(f"{ADMIN_NAMESPACE}:") or self.route.startswith("admin/")


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Url]:
    """Every URL pattern under ``patterns``, depth first, with its namespaced name and full route."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            names = tuple(a or b for a, b in KWARG_RE.findall(route))
            name = f"{namespace}{pattern.name}" if pattern.name else route
            yield Url(name=name, route=route, kwargs=names, callback=pattern.callback)


def all_urls() -> list[Url]:
    return list(walk(get_resolver().url_patterns))


def matrix_urls() -> list[Url]:
    """The URLs the matrix visits: not excepted, not admin, not a format-suffix twin of another URL."""
    return [
        url
        for url in all_urls()
        if url.name not in EXCEPTIONS
        and url.route not in EXCEPTIONS
        and not url.is_admin
        and "format" not in url.kwargs
    ]


def pk_model(url: Url) -> type[models.Model] | None:
    """The model of the URL's ``pk``: the viewset's for the API, ``SCREEN_MODELS`` for screens."""
    if url.is_api:
        view_class = getattr(url.callback, "cls", None)
        queryset = getattr(view_class, "queryset", None)
        return queryset.model if queryset is not None else None
    return SCREEN_MODELS.get(url.name)


def record_in(model: type[models.Model], site: Area, not_on: Area | None = None) -> models.Model | None:
    """A record of ``model`` on ``site`` and not on ``not_on`` (by the model's ``in_sites``: an employee of
    both sites is rightly seen on either), or any record of shared data."""
    if model is Area:
        return site
    queryset: Any = model._default_manager.all()
    if hasattr(queryset, "in_sites"):
        queryset = queryset.in_sites([site.pk])
        if not_on is not None:
            queryset = queryset.exclude(pk__in=model._default_manager.all().in_sites([not_on.pk]).values("pk"))
    return queryset.order_by("pk").first()


def is_site_scoped(model: type[models.Model]) -> bool:
    return model is Area or hasattr(model._default_manager.all(), "in_sites")


def fill(url: Url, site: Area, not_on: Area | None = None) -> tuple[dict[str, Any], list[models.Model]] | None:
    """URL parameters for a record on ``site``, and the records used; ``None`` if a record is missing."""
    values: dict[str, Any] = {}
    used: list[models.Model] = []
    for kwarg in url.kwargs:
        if (url.name, kwarg) in LITERALS:
            values[kwarg] = LITERALS[url.name, kwarg]
            continue
        model = pk_model(url) if kwarg in ("pk", "id") else KWARG_MODELS.get(kwarg)
        if model is None:
            raise AssertionError(
                f"{url.name} ({url.route}): add the model of {kwarg!r} to SCREEN_MODELS or KWARG_MODELS, a value "
                "to LITERALS, or the URL to EXCEPTIONS with the reason"
            )
        record = record_in(model, site, not_on)
        if record is None:
            return None
        values[kwarg] = record.pk
        used.append(record)
    return values, used


def identifying_strings(records: list[models.Model]) -> set[str]:
    """The codes and numbers of ``records`` (unique per record, unlike names such as "Ground floor")."""
    strings = set()
    for record in records:
        for field in ("code", "number"):
            value = getattr(record, field, None)
            if isinstance(value, str) and len(value) >= 4:
                strings.add(value)
    return strings


@pytest.fixture(scope="module")
def sites(demo: dict[str, int]) -> dict[str, Area]:
    """Riverside (the users' own site) and the clinic; and a notification of someone else's for the inbox
    URLs (the demo sends none): one's inbox answers 404 for another user's notification."""
    Notification.objects.create(recipient=User.objects.get(username="supervisor"), title="Someone else's message")
    return {"own": Area.objects.get(code=SITE_RIVERSIDE), "other": Area.objects.get(code=SITE_CLINIC)}


def admin_path(route: str) -> str:
    """A path the admin route matches: app label "orders", every other parameter "1"."""
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "orders", route)
    path = re.sub(r"\((?:\?P<\w+>)?[^)]*\)", "1", path)
    path = re.sub(r"<[^>]+>", "1", path)
    return path.replace("^", "").replace("$", "")


def client_for(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_ENCODING="identity")
    if user is not None:
        client.force_login(user)
    return client


def test_every_url_is_in_the_matrix_or_an_exception() -> None:
    """Each URL can be filled (or is excepted), and each exception still names a URL (none is stale)."""
    urls = all_urls()
    names = {url.name for url in urls} | {url.route for url in urls}
    assert not [entry for entry in EXCEPTIONS if entry not in names], "stale EXCEPTIONS entries"
    assert not [name for name in SCREEN_MODELS if name not in names], "stale SCREEN_MODELS entries"
    assert not [name for name, _kwarg in LITERALS if name not in names], "stale LITERALS entries"
    for url in matrix_urls():
        for kwarg in url.kwargs:
            known = (url.name, kwarg) in LITERALS or kwarg in KWARG_MODELS
            known = known or (kwarg in ("pk", "id") and pk_model(url) is not None)
            assert known, (
                f"{url.name} ({url.route}): add the model of {kwarg!r} to SCREEN_MODELS or KWARG_MODELS, "
                "a value to LITERALS, or the URL to EXCEPTIONS with the reason"
            )
    assert len(matrix_urls()) > 200


def test_anonymous_users_are_sent_to_login_or_refused(sites: dict[str, Area]) -> None:
    client = client_for(None)
    wrong = []
    for url in matrix_urls():
        filled = fill(url, sites["own"])
        if filled is None:
            continue
        response = client.get(reverse(url.name, kwargs=filled[0]))
        if url.is_api:
            ok = response.status_code in (401, 403)
        else:  # 405: a POST-only screen refuses the method before it asks who is there
            ok = response.status_code == 405 or (
                response.status_code == 302 and response["Location"].startswith(reverse("login"))
            )
        if not ok:
            wrong.append(f"{url.name}: {response.status_code}")
    assert not wrong, wrong


@pytest.mark.parametrize("role", roles.ROLES)
def test_role_sees_only_its_sites(role: str, sites: dict[str, Area]) -> None:
    own, other = sites["own"], sites["other"]
    user = make_role_user(role, site=own, is_superuser=role == roles.ADMINISTRATOR)
    confined = role in CONFINED_ROLES
    client = client_for(user)
    forbidden = {other.code, other.name}
    visits: list[tuple[Url, str, str, dict[str, Any]]] = []
    missing = []
    for url in matrix_urls():
        for variant in ("own", "other"):
            filled = fill(url, sites[variant], own if variant == "other" else None)
            if filled is None:
                if variant == "own" and url.name not in NO_DEMO_RECORD:
                    missing.append(url.name)
                continue  # the demo has no such record (on the clinic: purchasing runs on Riverside)
            if variant == "own" and url.name in NO_DEMO_RECORD:
                missing.append(f"{url.name} (stale NO_DEMO_RECORD entry)")
            kwargs, used = filled
            if variant == "other":
                if not url.kwargs or not any(is_site_scoped(type(record)) for record in used):
                    continue  # no parameters, or only shared data: the same URL as the own-site visit
                forbidden |= identifying_strings([r for r in used if is_site_scoped(type(r))])
            visits.append((url, variant, reverse(url.name, kwargs=kwargs), kwargs))
    assert not missing, f"no record on the user's own site for: {missing}"
    problems = []
    for url, variant, path, _kwargs in visits:
        response = client.get(path)
        status = response.status_code
        if status not in OK_STATUSES:
            problems.append(f"{path} ({url.name}, {variant} site): {status}")
            continue
        if not confined:
            continue
        if variant == "other" and status not in DENIED_STATUSES:
            problems.append(f"{path} ({url.name}): another site's record answered {status}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode(errors="replace")
        leaked = sorted(string for string in forbidden if string in text)
        if leaked:
            problems.append(f"{path} ({url.name}, {variant} site): shows another site's {leaked}")
    assert not problems, "\n".join(problems)
    assert len(visits) > 250


@pytest.mark.parametrize("role", [None, roles.TECHNICIAN])
def test_admin_is_for_staff_only(role: str | None, sites: dict[str, Area]) -> None:
    """Every Django admin URL sends anonymous and non-staff users to the admin login."""
    user = make_role_user(role, site=sites["own"]) if role else None
    client = client_for(user)
    login = reverse("admin:login")
    wrong = []
    admin_urls = [url for url in all_urls() if url.is_admin and url.name not in ("admin:login", "admin:logout")]
    for url in admin_urls:
        path = "/" + admin_path(url.route)
        response = client.get(path)
        if not (response.status_code == 302 and response["Location"].startswith(login)):
            wrong.append(f"{path}: {response.status_code}")
    assert not wrong, wrong
    assert len(admin_urls) > 100
