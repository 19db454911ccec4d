"""The audit trail screens: the History section of every detail page and its history page, the audit
search for administrators with its exports, history that neither the admin, the API nor the screens
can write, and the reasons the domain asks for reaching the history."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Area, Resource
from core.roles import ADMINISTRATOR, PLANNER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from core.testing import UserFactory
from inventory.factories import PartFactory, store_in
from inventory.models import MovementKind, Part, StockMovement
from inventory.services.stock import stock_adjust
from orders import services as order_services
from orders.factories import in_progress_order, planned_order
from orders.models import WorkOrder
from people.factories import EmployeeFactory, make_role_user
from people.models import Employee
from plans import services as plan_services
from plans.factories import effective_plan
from plans.models import PlanInstance

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def site() -> Area:
    return SiteFactory(name="North works")


@pytest.fixture
def pump(site: Area) -> Resource:
    return ResourceFactory(tag="P-101", name="Raw water pump", area=AreaFactory(parent=site))


@pytest.fixture
def other_pump() -> Resource:
    return ResourceFactory(tag="X-900", area=AreaFactory(parent=SiteFactory(name="South works")))


@pytest.fixture
def supervisor(site: Area) -> User:
    return make_role_user(SUPERVISOR, site=site, username="sup")


@pytest.fixture
def administrator() -> User:
    return make_role_user(ADMINISTRATOR, username="admin-role")


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def rejected_order(pump: Resource, supervisor: User) -> WorkOrder:
    order = order_services.order_request_corrective(entity=pump, user=supervisor, title="Seal leaks")
    return order_services.order_reject(order=order, user=supervisor, reason="Duplicate of WO-1")


# --- History on every detail page ----------------------------------------------------------------
def test_the_order_page_loads_its_history_section_lazily_and_links_it_without_javascript(
    client: Client, pump: Resource, supervisor: User
) -> None:
    order = rejected_order(pump, supervisor)
    url = reverse("orders:history", args=[order.pk])
    page = as_user(client, supervisor).get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f'hx-get="{url}"' in page
    assert f'<a href="{url}">' in page
    # No JavaScript: the whole history page.
    full = client.get(url)
    assert full.templates[0].name == "core/_history_page.html"
    text = full.content.decode()
    assert "Reason: <q>reject: Duplicate of WO-1</q>" in text
    assert "<del>Duplicate of WO-1</del>" not in text
    assert "<ins>Duplicate of WO-1</ins>" in text  # the state reason field, before → after
    assert ">sup<" in text or "sup</small>" in text
    # htmx: only the section, which replaces the placeholder.
    partial = client.get(url, **HTMX)
    assert partial.templates[0].name == "core/_history.html"
    assert "<html" not in partial.content.decode()
    assert 'id="history"' in partial.content.decode()
    assert "HX-Request" in partial["Vary"]


@pytest.mark.parametrize("page", ["plan", "version"])
def test_plans_and_versions_show_their_history(client: Client, site: Area, page: str) -> None:
    planner = make_role_user(PLANNER, site=site)
    version = plan_services.plan_create(user=planner, code="PUMP-M", name="Pump monthly")
    plan = version.plan
    plan.name = "Pump monthly check"
    plan._history_user = planner  # type: ignore[attr-defined]
    plan.save()
    detail, history, obj = {
        "plan": ("plans:plan_detail", "plans:plan_history", plan),
        "version": ("plans:version_detail", "plans:version_history", version),
    }[page]
    url = reverse(history, args=[obj.pk])
    assert f'hx-get="{url}"' in as_user(client, planner).get(reverse(detail, args=[obj.pk])).content.decode()
    text = client.get(url).content.decode()
    if page == "plan":
        assert "<del>Pump monthly</del> → <ins>Pump monthly check</ins>" in text
    else:
        assert "PUMP-M version 1" in text
        assert "Created" in text
    assert as_user(Client(), make_role_user(TECHNICIAN, site=site)).get(url).status_code == 403


def test_the_resource_history_replaces_the_inline_list(
    client: Client, pump: Resource, supervisor: User, other_pump: Resource
) -> None:
    pump.manufacturer = "KSB"
    pump.save()
    url = reverse("assets:resource_history", args=[pump.pk])
    page = as_user(client, supervisor).get(reverse("assets:resource_detail", args=[pump.pk])).content.decode()
    assert f'hx-get="{url}"' in page
    assert "<del>Grundfos</del> → <ins>KSB</ins>" in client.get(url).content.decode()
    assert client.get(reverse("assets:resource_history", args=[other_pump.pk])).status_code == 404


def test_a_part_has_a_history_page_linked_from_the_stock_list_and_to_its_adjustments(
    client: Client, site: Area
) -> None:
    storekeeper = make_role_user(STOREKEEPER, site=site)
    part: Part = PartFactory(part_number="SEAL-1", description="Seal")
    part.description = "Mechanical seal 40 mm"
    part.save()
    stock_adjust(part=part, location=store_in(site), quantity="3", reason="Found in stock take", user=storekeeper)
    url = reverse("inventory:part_history", args=[part.pk])
    assert url in as_user(client, storekeeper).get(reverse("inventory:stock")).content.decode()
    text = client.get(url).content.decode()
    assert "<del>Seal</del> → <ins>Mechanical seal 40 mm</ins>" in text
    assert "kind=adjustment&amp;q=SEAL-1" in text
    ledger = client.get(reverse("inventory:movement_list"), {"kind": MovementKind.ADJUSTMENT, "q": "SEAL-1"})
    assert "Found in stock take" in ledger.content.decode()
    assert as_user(Client(), make_role_user(TECHNICIAN, site=site)).get(url).status_code == 403


def test_an_employee_history_is_scoped_to_the_sites_and_linked_from_the_order(
    client: Client, site: Area, pump: Resource, supervisor: User
) -> None:
    mine: Employee = EmployeeFactory(name="Ann Fitter")
    mine.sites.add(site)
    mine.trade = "Electrician"
    mine.save()
    elsewhere: Employee = EmployeeFactory(name="Someone else")
    elsewhere.sites.add(SiteFactory())
    url = reverse("people:employee_history", args=[mine.pk])
    text = as_user(client, supervisor).get(url).content.decode()
    assert "<del>mechanic</del> → <ins>Electrician</ins>" in text
    assert client.get(reverse("people:employee_history", args=[elsewhere.pk])).status_code == 404
    order = planned_order(pump)
    order.assignments.create(employee=mine, assigned_by=supervisor)
    assert url in client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert as_user(Client(), make_role_user(TECHNICIAN, site=site)).get(url).status_code == 403


def test_another_sites_order_history_answers_404(client: Client, other_pump: Resource, supervisor: User) -> None:
    order = rejected_order(other_pump, make_role_user(SUPERVISOR, site=other_pump.area.site))
    assert as_user(client, supervisor).get(reverse("orders:history", args=[order.pk])).status_code == 404


def test_history_screens_only_read(client: Client, pump: Resource, supervisor: User) -> None:
    order = rejected_order(pump, supervisor)
    before = WorkOrder.history.filter(id=order.pk).count()
    for url in (reverse("orders:history", args=[order.pk]), reverse("assets:resource_history", args=[pump.pk])):
        assert as_user(client, supervisor).post(url, {"history_change_reason": "forged"}).status_code == 405
    assert WorkOrder.history.filter(id=order.pk).count() == before
    assert not WorkOrder.history.filter(history_change_reason="forged").exists()


def test_history_queries_do_not_grow_with_the_changes(client: Client, pump: Resource, supervisor: User) -> None:
    url = reverse("assets:resource_history", args=[pump.pk])
    pump.area = AreaFactory(parent=pump.area.site)
    pump.save()
    as_user(client, supervisor).get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    areas = [AreaFactory(parent=pump.area.site) for _ in range(5)]
    for n, area in enumerate(areas):
        pump.area, pump.name = area, f"Renamed {n}"
        pump._history_user = UserFactory()  # type: ignore[attr-defined]
        pump.save()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "Renamed 4" in response.content.decode()
    assert len(many) == len(few)


# --- The audit search ------------------------------------------------------------------------------
def test_the_audit_search_is_for_administrators_only(
    client: Client, site: Area, administrator: User, supervisor: User
) -> None:
    url = reverse("audit_search")
    assert Client().get(url).status_code == 302
    assert as_user(Client(), supervisor).get(url).status_code == 403
    assert as_user(Client(), UserFactory(is_superuser=True)).get(url).status_code == 200
    home = as_user(client, administrator).get(reverse("home")).content.decode()
    assert f'href="{url}"' in home
    assert client.get(url).status_code == 200


def test_the_audit_search_filters_by_user_model_record_and_dates(
    client: Client, pump: Resource, supervisor: User, administrator: User
) -> None:
    order = rejected_order(pump, supervisor)
    pump.name = "Renamed by the admin"
    pump._history_user = administrator  # type: ignore[attr-defined]
    pump.save()
    client = as_user(client, administrator)
    url = reverse("audit_search")
    by_supervisor = client.get(url, {"user": supervisor.pk})
    entries = [entry for entry, _link in by_supervisor.context["entries"]]
    assert entries
    assert {entry.user for entry in entries} == {supervisor}
    assert {entry.model for entry in entries} >= {WorkOrder}
    order_rows = client.get(url, {"model": "orders.workorder", "record": order.pk}).context["entries"]
    assert (order_rows[0][0].kind, order_rows[0][1]) == ("~", reverse("orders:history", args=[order.pk]))
    assert {entry.object_id for entry, _link in order_rows} == {order.pk}
    mine = client.get(url, {"user": administrator.pk, "model": "assets.resource"}).content.decode()
    assert "<ins>Renamed by the admin</ins>" in mine
    future = client.get(url, {"date_from": "2999-01-01"})
    assert "No recorded change matches these filters." in future.content.decode()
    bad = client.get(url, {"date_from": "2026-02-01", "date_to": "2026-01-01", "model": "nope.nothing"})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"date_to", "model"}


def test_the_audit_export_has_what_the_search_shows(
    client: Client, pump: Resource, supervisor: User, administrator: User
) -> None:
    order = rejected_order(pump, supervisor)
    client = as_user(client, administrator)
    query = {"model": "orders.workorder", "record": order.pk}
    response = client.get(reverse("audit_search"), {**query, "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["When", "User", "Record type", "Record id", "Change", "Reason", "Fields changed"]
    count = WorkOrder.history.filter(id=order.pk).count()
    assert len(rows) == 1 + count
    newest = rows[1]
    assert newest[1:6] == ["sup", "work order", str(order.pk), "Changed", "reject: Duplicate of WO-1"]
    assert "→ Duplicate of WO-1" in newest[6]
    assert rows[-1][4] == "Created"
    xlsx = client.get(reverse("audit_search"), {**query, "export": "xlsx"})
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_the_audit_search_queries_do_not_grow_with_the_rows(
    client: Client, pump: Resource, supervisor: User, administrator: User
) -> None:
    client = as_user(client, administrator)
    url = reverse("audit_search")
    query = {"model": "assets.resource"}
    pump.area = AreaFactory(parent=pump.area.site)
    pump.save()
    client.get(url, query)
    with CaptureQueriesContext(connection) as few:
        client.get(url, query)
    for n in range(6):
        pump.name = f"Name {n}"
        pump.area = AreaFactory(parent=pump.area.site)
        pump._history_user = UserFactory()  # type: ignore[attr-defined]
        pump.save()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, query)
    assert len(response.context["entries"]) >= 7
    assert len(many) == len(few)


# --- History cannot be written -----------------------------------------------------------------
def test_the_admin_shows_past_versions_but_refuses_to_revert_them(
    client: Client, pump: Resource, administrator: User
) -> None:
    pump.name = "Second name"
    pump.save()
    first = pump.history.earliest()
    rows = list(Resource.history.filter(id=pump.pk).values_list("history_id", "name", "history_change_reason"))
    client = as_user(client, administrator)
    url = reverse("admin:assets_resource_simple_history", args=[pump.pk, first.history_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "Revert" not in page.content.decode()
    form = {"tag": pump.tag, "name": first.name, "area": pump.area_id, "criticality": 2, "status": pump.status}
    assert client.post(url, form).status_code == 403
    assert client.post(url, {**form, "_change_history": "1"}).status_code == 403
    pump.refresh_from_db()
    assert pump.name == "Second name"
    assert list(Resource.history.filter(id=pump.pk).values_list("history_id", "name", "history_change_reason")) == rows


def test_no_history_model_is_in_the_admin_or_the_api() -> None:
    from django.contrib import admin

    assert not [model for model in admin.site._registry if model.__name__.startswith("Historical")]

    def patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
        found = []
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                found += patterns(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append(prefix + str(entry.pattern))
        return found

    api = [path for path in patterns(get_resolver()) if path.startswith("api/")]
    assert api
    assert not [path for path in api if "histor" in path]


# --- The reasons the domain asks for reach the history ---------------------------------------------
def test_skip_reject_and_rework_keep_their_reason_in_the_history(pump: Resource, site: Area, supervisor: User) -> None:
    technician = make_role_user(TECHNICIAN, site=site)
    rejected = rejected_order(pump, supervisor)
    assert rejected.history.latest().history_change_reason == "reject: Duplicate of WO-1"
    skipped = order_services.order_skip(order=planned_order(pump), user=supervisor, reason="Pump out of service")
    assert skipped.history.latest().history_change_reason == "skip: Pump out of service"
    done = in_progress_order(pump, supervisor, technician)
    order_services.order_complete(order=done, user=technician)
    order_services.order_rework(order=done, user=supervisor, reason="Seal still drips")
    latest = done.history.latest()
    assert (latest.history_change_reason, latest.state_reason) == ("rework: Seal still drips", "Seal still drips")
    assert latest.history_user == supervisor


def test_a_stock_adjustment_keeps_its_reason_and_author_in_the_ledger(site: Area) -> None:
    storekeeper = make_role_user(STOREKEEPER, site=site)
    part = PartFactory()
    movement = stock_adjust(
        part=part, location=store_in(site), quantity="2", reason="Found behind the shelf", user=storekeeper
    )
    stored = StockMovement.objects.get(pk=movement.pk)
    assert (stored.kind, stored.reason, stored.recorded_by) == (
        MovementKind.ADJUSTMENT,
        "Found behind the shelf",
        storekeeper,
    )


def test_plan_changes_keep_their_reason_in_the_history(site: Area) -> None:
    planner, supervisor = make_role_user(PLANNER, site=site), make_role_user(SUPERVISOR, site=site)
    plan = effective_plan(planner=planner, supervisor=supervisor)
    draft = plan_services.version_create_draft(plan=plan, user=planner, notes="Shorter interval")
    assert draft.history.earliest().history_change_reason == "Shorter interval"
    plan_services.changeset_submit(change_set=draft.change_set, user=planner)
    change_set = plan_services.changeset_reject(change_set=draft.change_set, user=supervisor, reason="Too often")
    latest = change_set.history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("reject: Too often", supervisor)
    instance = PlanInstance.objects.create(
        plan=plan,
        resource=ResourceFactory(area=AreaFactory(parent=site)),
        owner_role=Group.objects.get(name=SUPERVISOR),
        start_date=datetime.date(2026, 1, 1),
    )
    plan_services.planinstance_deactivate(instance=instance, user=planner, reason="Pump removed")
    assert instance.history.latest().history_change_reason == "deactivate: Pump removed"
