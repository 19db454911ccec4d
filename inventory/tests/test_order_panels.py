"""Inventory where other screens meet it: release at a chosen location, the order page's store panel
(reservations, shortages, cost), moving a reservation, the resource page's warranty, the budget screen,
the order action "purchase request" and the nightly timers in django-celery-beat."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.api.testing import token_client
from core.errors import ActionForbidden
from core.roles import TECHNICIAN
from inventory import services
from inventory.factories import BudgetFactory, ContractFactory, PartFactory, stock, store_in
from inventory.models import ContractKind, PurchaseRequest, PurchaseRequestReason, Reservation, StockBalance
from inventory.tests.test_stock import assert_ledger_matches_balances
from orders import actions, records
from orders import services as order_services
from orders.factories import planned_order
from orders.models import ActionLog, ExecutionState, PlannedPart, WorkOrder
from people.factories import make_role_user
from plans.models import ActionKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def pump(site):
    return ResourceFactory(area=AreaFactory(parent=site), tag="RWP-01")


def approved_needing(pump, supervisor, parts):
    order = planned_order(pump)
    for part, quantity in parts:
        PlannedPart.objects.create(order=order, part=part, quantity=Decimal(quantity))
    return order_services.order_approve(order=order, user=supervisor)


def held(part, location):
    row = StockBalance.objects.get(part=part, location=location)
    return row.on_hand, row.reserved


# --- Release at a chosen location ------------------------------------------------------------------
def test_release_reserves_at_the_chosen_location(site, store, pump, supervisor):
    seal = PartFactory(part_number="SEAL-48")
    workshop = store_in(site, code="WKS", name="Workshop store")
    stock(seal, store, 5)  # most is here: the default would be MAIN
    stock(seal, workshop, 1)
    order = approved_needing(pump, supervisor, [(seal, 3)])

    order_services.order_release(order=order, user=supervisor, location=workshop)

    reservation = Reservation.objects.get(reference=order.number)
    assert (reservation.location, reservation.reserved, reservation.shortage) == (workshop, 1, 2)
    assert held(seal, workshop) == (1, 1)
    assert held(seal, store) == (5, 0)
    # The shortage at the chosen store is shown; the site still has the parts (at MAIN), so nothing is
    # bought: the storekeeper moves the reservation or transfers stock.
    assert list(Reservation.objects.short()) == [reservation]
    assert not PurchaseRequest.objects.exists()


def test_release_at_another_sites_location_is_refused_and_nothing_changes(site, store, pump, supervisor):
    seal = PartFactory()
    stock(seal, store, 2)
    elsewhere = store_in(SiteFactory(), code="FAR")
    order = approved_needing(pump, supervisor, [(seal, 1)])
    with pytest.raises(ActionForbidden):  # the supervisor does not belong to that site
        order_services.order_release(order=order, user=supervisor, location=elsewhere)
    administrator = make_role_user("Administrator", site=site)  # sees every site, still not that one's stores
    with pytest.raises(ValidationError) as refused:
        order_services.order_release(order=order, user=administrator, location=elsewhere)
    assert "location" in refused.value.message_dict
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.APPROVED
    assert not Reservation.objects.exists()
    assert held(seal, store) == (2, 0)


def test_the_order_page_and_the_api_release_at_the_chosen_location(client, site, store, pump, supervisor):
    seal = PartFactory(part_number="SEAL-48")
    workshop = store_in(site, code="WKS", name="Workshop store")
    elsewhere = store_in(SiteFactory(), code="FAR")
    stock(seal, store, 5)
    stock(seal, workshop, 2)
    on_screen, by_api = (approved_needing(pump, supervisor, [(seal, 1)]) for _ in range(2))
    client.force_login(supervisor)
    html = client.get(reverse("orders:detail", args=[on_screen.pk])).content.decode()
    assert "Reserve the planned parts at" in html
    assert "WKS" in html
    assert "FAR" not in html  # only the order's site's locations are offered
    url = reverse("orders:transition", args=[on_screen.pk, "release"])
    refused = client.post(url, {"release-location": elsewhere.pk})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    assert not Reservation.objects.exists()
    client.post(url, {"release-location": workshop.pk})
    assert Reservation.objects.get(reference=on_screen.number).location == workshop

    api = token_client(supervisor)
    release = reverse("api:workorder-release", args=[by_api.pk])
    answer = api.post(release, {"location": elsewhere.pk}, format="json")
    assert answer.status_code == 403, answer.content  # a location of a site the supervisor is not in
    assert api.post(release, {"location": 2**70}, format="json").status_code == 400
    by_api.refresh_from_db()
    assert by_api.execution_state == ExecutionState.APPROVED
    assert api.post(release, {"location": workshop.pk}, format="json").status_code == 200
    assert Reservation.objects.get(reference=by_api.number).location == workshop


# --- The order page's store panel ------------------------------------------------------------------
def test_order_page_shows_reservations_shortages_and_cost(client, site, store, pump, supervisor, technician):
    seal = PartFactory(part_number="SEAL-48", description="Mechanical seal", unit_cost=Decimal("12.50"))
    gasket = PartFactory(part_number="GSK-9", description="Gasket", unit_cost=Decimal(1))
    stock(seal, store, 4)
    order = approved_needing(pump, supervisor, [(seal, 2), (gasket, 3)])
    order = order_services.order_release(order=order, user=supervisor)
    order_services.order_begin(order=order, user=technician)
    records.used_part_record(order=order, part=seal, quantity=2, user=technician)
    records.labour_add(order=order, user=technician, hours="2")  # 2 h x 12.50
    services.cost_entry_add(
        site=site,
        reference=order.number,
        description="Crane hire",
        amount="100",
        currency="USD",
        incurred_on=datetime.date(2026, 11, 1),
        user=make_role_user("Administrator", site=site),
    )
    client.force_login(technician)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert 'id="stock"' in html
    assert "1 part short" in html
    assert "3 pcs short" in html  # the gasket: no stock anywhere
    assert "at MAIN" in html  # the gasket waits at the site's store
    assert "needs 2 pcs · held 0 · issued 2" in html
    cost_table = html[html.index('id="order-cost"') :]
    for figure in ("25.00", "100.00", "150.00"):
        assert figure in cost_table
    assert "reservation-move" not in html  # technicians do not move reservations


def test_order_page_store_panel_costs_constant_queries(client, site, store, pump, supervisor):
    parts = [PartFactory() for _ in range(6)]
    for part in parts:
        stock(part, store, 2)
    small = order_services.order_release(order=approved_needing(pump, supervisor, [(parts[0], 1)]), user=supervisor)
    large = order_services.order_release(
        order=approved_needing(pump, supervisor, [(part, 1) for part in parts]), user=supervisor
    )
    client.force_login(make_role_user("Administrator", site=site))  # acts as storekeeper: may move them
    client.get(reverse("orders:detail", args=[small.pk]))  # warm the caches (sessions, content types)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("orders:detail", args=[small.pk])).status_code == 200
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("orders:detail", args=[large.pk])).content.decode()
    assert html.count('class="reservation-row') == 6
    assert html.count("reservation-move") == 6
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_reservations_are_moved_from_the_order_page_and_the_issue_screen(
    client, site, store, pump, supervisor, storekeeper
):
    seal = PartFactory(part_number="SEAL-48")
    workshop = store_in(site, code="WKS")
    stock(seal, store, 1)
    stock(seal, workshop, 3)
    order = order_services.order_release(order=approved_needing(pump, supervisor, [(seal, 2)]), user=supervisor)
    reservation = Reservation.objects.get(reference=order.number)
    assert reservation.location == workshop
    url = reverse("inventory:reservation_move", args=[reservation.pk])
    order_page = reverse("orders:detail", args=[order.pk]) + "#stock"

    # An administrator on the order page comes back to it.
    client.force_login(make_role_user("Administrator", site=site))
    response = client.post(url, {"location": store.pk, "next": order_page}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("orders:detail", args=[order.pk]) + "#stock"
    assert f"SEAL-48 for {order.number} is now held at MAIN." in response.content.decode()
    reservation.refresh_from_db()
    assert (reservation.location, reservation.reserved, reservation.shortage) == (store, 1, 1)
    assert held(seal, store) == (1, 1)
    assert held(seal, workshop) == (3, 0)

    # The storekeeper works from the issue screen, where the shortage is listed with the form.
    client.force_login(storekeeper)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("inventory:issue")).content.decode()
    assert len(queries) <= 12, [q["sql"] for q in queries.captured_queries]
    assert "1 pcs short" in html
    assert f'action="{url}"' in html
    response = client.post(url, {"location": workshop.pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("inventory:issue") + "#reservations"
    reservation.refresh_from_db()
    assert (reservation.location, reservation.reserved, reservation.shortage) == (workshop, 2, 0)
    assert held(seal, store) == (1, 0)
    assert_ledger_matches_balances()

    # The storekeeper reads the order page too (never acts on the work itself), with the same form.
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f'action="{url}"' in html
    assert f'name="next" value="{order_page}"' in html
    assert reverse("orders:transition", args=[order.pk, "begin"]) not in html
    response = client.post(url, {"location": store.pk, "next": order_page}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("orders:detail", args=[order.pk]) + "#stock"
    response = client.post(url, {"location": workshop.pk, "next": order_page}, follow=True)
    reservation.refresh_from_db()
    assert reservation.location == workshop

    # A missing location is an error message, not a crash; nothing moves.
    response = client.post(url, {}, follow=True)
    assert "Choose a location of the work&#x27;s site." in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.location == workshop


def test_moving_a_reservation_is_refused_by_post_to_other_roles_and_sites(client, site, store, pump, supervisor):
    seal = PartFactory()
    stock(seal, store, 2)
    order = order_services.order_release(order=approved_needing(pump, supervisor, [(seal, 1)]), user=supervisor)
    reservation = Reservation.objects.get(reference=order.number)
    url = reverse("inventory:reservation_move", args=[reservation.pk])
    for user in (make_role_user(TECHNICIAN, site=site), supervisor):
        client.force_login(user)
        assert client.post(url, {"location": store.pk}).status_code == 403
    client.force_login(make_role_user("Storekeeper", site=SiteFactory()))
    assert client.post(url, {"location": store.pk}).status_code == 404
    assert client.get(url).status_code == 405
    reservation.refresh_from_db()
    assert (reservation.location, reservation.reserved) == (store, 1)


# --- The resource page's warranty --------------------------------------------------------------------
def test_resource_page_shows_warranty_status_and_service_contracts(client, site, pump, technician):
    today = datetime.date.today()
    warranty = ContractFactory(
        kind=ContractKind.WARRANTY,
        number="W-77",
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today + datetime.timedelta(days=10),
        notice_days=30,
    )
    warranty.resources.add(pump)
    service = ContractFactory(
        number="S-12",
        title="Pump service visits",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=200),
    )
    service.resources.add(pump)
    client.force_login(technician)
    html = client.get(reverse("assets:resource_detail", args=[pump.pk])).content.decode()
    assert 'id="warranty-state">Warranty ends soon' in html
    assert "10 days left" in html
    assert "W-77" in html
    assert "S-12" in html
    assert "Pump service visits" in html

    bare = ResourceFactory(area=pump.area)
    html = client.get(reverse("assets:resource_detail", args=[bare.pk])).content.decode()
    assert "No warranty recorded" in html
    assert "No service contract in force." in html


# --- Budget against actual -------------------------------------------------------------------------
def test_budget_screen_adds_up_the_ledger_labour_and_external(client, site, store, storekeeper, supervisor):
    year = datetime.date.today().year
    part = PartFactory(unit_cost=Decimal(10))
    stock(part, store, 10)
    services.stock_issue(part=part, location=store, quantity=3, user=storekeeper, reference="WO-1")  # 30
    services.cost_entry_add(
        site=site,
        reference="WO-1",
        description="Crane",
        amount="70",
        currency="USD",
        incurred_on=datetime.date(year, 3, 1),
        user=make_role_user("Administrator", site=site),
    )
    services.labour_cost_post(site=site, reference="WO-1", amounts={"USD": Decimal(50)}, on=datetime.date(year, 3, 2))
    BudgetFactory(site=site, year=year, currency="USD", amount=Decimal(120))
    other = SiteFactory(name="Far away")
    BudgetFactory(site=other, year=year, currency="USD", amount=Decimal(999))

    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("inventory:budget_report")).content.decode()
    assert len(queries) <= 12, [q["sql"] for q in queries.captured_queries]
    assert html.count('class="budget-row"') == 1  # only the user's site
    assert "Far away" not in html
    for css, figure in (("budget", "120.00"), ("parts", "30.00"), ("labour", "50.00"), ("external", "70.00")):
        assert f'class="{css}">{figure}' in html
    assert "<strong>150.00</strong>" in html
    assert 'class="remaining">-30.00' in html
    assert "125% used: over budget" in html

    empty = client.get(reverse("inventory:budget_report"), {"year": year - 3}).content.decode()
    assert f"No budget and no spending recorded for {year - 3}" in empty
    assert client.get(reverse("inventory:budget_report"), {"year": "nonsense"}).status_code == 200

    client.force_login(make_role_user(TECHNICIAN, site=site))
    assert client.get(reverse("inventory:budget_report")).status_code == 403


# --- The order action "purchase request" -----------------------------------------------------------
def test_the_order_action_purchase_request_uses_the_reorder_service_once(site, store, pump, supervisor):
    seal = PartFactory(reorder_point=Decimal(0), reorder_quantity=Decimal(0))
    stock(seal, store, 1)
    order = planned_order(pump)
    PlannedPart.objects.create(order=order, part=seal, quantity=Decimal(4))
    entry = ActionLog.objects.create(order=order, transition="late_due", kind=ActionKind.PURCHASE_REQUEST)

    actions.purchase_request(entry)
    request = PurchaseRequest.objects.get(part=seal, site=site)
    assert (request.quantity, request.reason, request.reference) == (3, PurchaseRequestReason.SHORTAGE, order.number)

    actions.purchase_request(entry)  # again: nothing more is asked for
    assert PurchaseRequest.objects.get(part=seal, site=site).quantity == 3

    # Released later: the shortage of the reservation is what the same request already covers.
    order_services.order_approve(order=order, user=supervisor)
    order_services.order_release(order=WorkOrder.objects.get(pk=order.pk), user=supervisor)
    assert Reservation.objects.get(reference=order.number).shortage == 3
    assert PurchaseRequest.objects.filter(part=seal, site=site).count() == 1
    assert PurchaseRequest.objects.get(part=seal, site=site).quantity == 3
    actions.purchase_request(entry)
    assert services.reorder_check_all() == 0
    assert PurchaseRequest.objects.get(part=seal, site=site).quantity == 3


# --- Nightly timers in django-celery-beat ------------------------------------------------------------
def test_the_nightly_inventory_tasks_are_registered_with_celery_beat():
    from django_celery_beat.models import PeriodicTask

    from inventory import tasks
    from mms.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()
    reorder = PeriodicTask.objects.select_related("crontab").get(task="inventory.reorder_check")
    notices = PeriodicTask.objects.select_related("crontab").get(task="inventory.contracts_notify_expiring")
    assert (reorder.enabled, reorder.crontab.hour, reorder.crontab.minute) == (True, "2", "15")
    assert (notices.enabled, notices.crontab.hour) == (True, "6")
    assert tasks.reorder_check.name == reorder.task
    assert tasks.contracts_notify_expiring.name == notices.task
