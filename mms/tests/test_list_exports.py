"""Every list screen offers "Export CSV" of what it shows: the same filters, scoping and permissions as
the screen, every page, in a constant number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.notifications import notify
from core.roles import ADMINISTRATOR, REQUESTER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from inventory.factories import part, stock, store_in
from inventory.models import MovementKind
from orders import records, services
from orders.factories import planned_order
from people.factories import make_role_user
from plans.factories import effective_plan

pytestmark = pytest.mark.django_db

LISTS = [
    ("assets:area_tree", []),
    ("investment:ranking", []),
    ("inventory:stock", []),
    ("inventory:movement_list", []),
    ("inventory:request_list", []),
    ("inventory:order_list", []),
    ("inventory:contract_list", []),
    ("inventory:budget_report", []),
    ("plans:plan_list", []),
    ("plans:changeset_list", []),
    ("orders:my_work", []),
    ("orders:queue", []),
    ("orders:backlog", []),
    ("orders:calendar", []),
    ("requests:mine", []),
    ("people:inbox", []),
]


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def site():
    return SiteFactory(code="N1", name="North works")


@pytest.fixture
def building(site):
    return AreaFactory(code="NB", parent=site)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("name", "args"), LISTS)
def test_every_list_screen_links_its_csv_and_answers_it(name, args, site) -> None:
    client = login(make_role_user(ADMINISTRATOR))
    url = reverse(name, args=args)
    page = client.get(url, {"q": "pump", "page": "2"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Export CSV" in html
    assert "export=csv" in html
    assert "page=2" not in html.split("export=csv")[0].rsplit('href="', 1)[-1]  # every page, not this one
    response = client.get(url, {"export": "csv"})
    assert response["Content-Disposition"].startswith("attachment;")
    read_csv(response)


def test_resources_keep_the_search_and_the_users_sites(site, building) -> None:
    for n in range(12):
        ResourceFactory(tag=f"P-{n:02d}", name=f"Pump {n}", area=building)
    ResourceFactory(tag="V-1", name="Valve", area=building)
    elsewhere = ResourceFactory(tag="P-99", name="Pump far away", area=AreaFactory(parent=SiteFactory()))
    technician = make_role_user(TECHNICIAN, site=site)
    client = login(technician)
    url = reverse("assets:area_tree")
    rows = read_csv(client.get(url, {"q": "pump", "export": "csv", "page": "1"}))
    tags = [row["Tag"] for row in rows]
    assert tags == [f"P-{n:02d}" for n in range(12)]  # all of them: the screen shows 20 a page, this is every page
    assert elsewhere.tag not in tags  # another site's, as on the screen
    assert rows[0]["Site"] == "North works"
    # The number of queries does not grow with the list.
    with CaptureQueriesContext(connection) as few:
        read_csv(client.get(url, {"q": "valve", "export": "csv"}))
    with CaptureQueriesContext(connection) as many:
        read_csv(client.get(url, {"q": "p", "export": "csv"}))
    assert len(many) == len(few)


def test_stock_and_movements_keep_their_filters(site, django_assert_max_num_queries) -> None:
    store = store_in(site, code="ST-1")
    seal, oil = part(part_number="SEAL-1", description="Seal"), part(part_number="OIL-1", description="Oil")
    stock(seal, store, 4)
    stock(oil, store, 10)
    storekeeper = make_role_user(STOREKEEPER, site=site)
    client = login(storekeeper)
    rows = read_csv(client.get(reverse("inventory:stock"), {"q": "SEAL", "export": "csv"}))
    assert [(row["Part number"], row["On hand"], row["Location"]) for row in rows] == [("SEAL-1", "4", "ST-1")]
    with django_assert_max_num_queries(8):
        rows = read_csv(client.get(reverse("inventory:movement_list"), {"kind": MovementKind.RECEIPT, "export": "csv"}))
    assert {row["Part number"] for row in rows} == {"SEAL-1", "OIL-1"}
    assert read_csv(client.get(reverse("inventory:movement_list"), {"kind": MovementKind.ISSUE, "export": "csv"})) == []
    # Same permissions as the screen.
    technician = make_role_user(TECHNICIAN, site=site)
    assert login(technician).get(reverse("inventory:stock"), {"export": "csv"}).status_code == 403


def test_plans_keep_their_search(site) -> None:
    effective_plan(code="PUMP-PM", name="Pump maintenance")
    effective_plan(code="GEN-PM", name="Generator upkeep")
    client = login(make_role_user(ADMINISTRATOR))
    rows = read_csv(client.get(reverse("plans:plan_list"), {"q": "pump", "export": "csv"}))
    assert [(row["Code"], row["Effective version"]) for row in rows] == [("PUMP-PM", "1")]


def test_the_queue_keeps_its_tab_and_search_in_constant_queries(site, building) -> None:
    supervisor = make_role_user(SUPERVISOR, site=site)
    pumps = [ResourceFactory(tag=f"P-{n}", area=building) for n in range(6)]
    orders = [planned_order(pump) for pump in pumps]
    technician = make_role_user(TECHNICIAN, site=site)
    services.order_approve(order=orders[0], user=supervisor)
    records.order_assign(order=orders[1], employees=[technician.employee], user=supervisor)
    client = login(supervisor)
    url = reverse("orders:queue")
    rows = read_csv(client.get(url, {"tab": "approval", "export": "csv"}))
    assert sorted(row["Number"] for row in rows) == sorted(order.number for order in orders[1:])
    assert next(row for row in rows if row["Number"] == orders[1].number)["Assigned"] == technician.employee.name
    rows = read_csv(client.get(url, {"tab": "release", "export": "csv"}))
    assert [row["Number"] for row in rows] == [orders[0].number]
    rows = read_csv(client.get(url, {"tab": "approval", "q": "P-3", "export": "csv"}))
    assert [row["Entity"] for row in rows] == [str(pumps[3])]
    with CaptureQueriesContext(connection) as few:
        read_csv(client.get(url, {"tab": "approval", "q": "P-3", "export": "csv"}))
    with CaptureQueriesContext(connection) as many:
        read_csv(client.get(url, {"tab": "approval", "export": "csv"}))
    assert len(many) == len(few)


def test_a_requester_exports_only_their_own_requests(site, building) -> None:
    pump = ResourceFactory(tag="P-1", area=building)
    mine, theirs = make_role_user(REQUESTER, site=site), make_role_user(REQUESTER, site=site)
    services.order_request_corrective(entity=pump, user=mine, title="Leaking seal")
    services.order_request_corrective(entity=pump, user=mine, title="Noisy bearing")
    services.order_request_corrective(entity=pump, user=theirs, title="Not mine")
    rows = read_csv(login(mine).get(reverse("requests:mine"), {"q": "seal", "export": "csv"}))
    assert [row["Title"] for row in rows] == ["Leaking seal"]


def test_the_inbox_keeps_unread_only(site) -> None:
    user = make_role_user(TECHNICIAN, site=site)
    first, _second = notify([user], "First"), notify([user], "=Second")
    first[0].read_at = first[0].created_at
    first[0].save()
    rows = read_csv(login(user).get(reverse("people:inbox"), {"show": "unread", "export": "csv"}))
    assert [row["Title"] for row in rows] == ["'=Second"]  # a would-be formula is neutralised


def test_where_a_plan_is_applied_keeps_active_only(site, building) -> None:
    from plans.factories import apply_plan
    from plans.services import planinstance_deactivate

    plan = effective_plan(code="PUMP-PM")
    first, second = apply_plan(
        plan, ResourceFactory(tag="P-1", area=building), ResourceFactory(tag="P-2", area=building)
    )
    administrator = make_role_user(ADMINISTRATOR)
    planinstance_deactivate(instance=second, user=administrator)
    url = reverse("plans:instance_list", args=[plan.pk])
    client = login(administrator)
    assert "export=csv" in client.get(url).content.decode()
    rows = read_csv(client.get(url, {"active": "yes", "export": "csv"}))
    assert [(row["Entity"], row["Entity kind"], row["Active"]) for row in rows] == [
        (str(first.entity), "resource", "yes")
    ]
    assert len(read_csv(client.get(url, {"active": "all", "export": "csv"}))) == 2
