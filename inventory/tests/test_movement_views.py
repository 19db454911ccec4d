"""The storekeeper screens for returns, adjustments (cycle counts), transfers and purchase requests raised
by hand: each writes through its one service, shows its errors inline without writing anything, refuses
other roles (by POST) and other sites' locations, and answers in a bounded number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assets.factories import SiteFactory
from core.roles import ADMINISTRATOR, SUPERVISOR, TECHNICIAN
from inventory import services
from inventory.factories import PartFactory, bin_in, stock, store_in
from inventory.models import MovementKind, PurchaseRequest, PurchaseRequestReason, StockBalance, StockMovement
from inventory.tests.test_stock import assert_ledger_matches_balances
from people.factories import make_role_user

pytestmark = pytest.mark.django_db

SCREENS = ("inventory:return", "inventory:adjust", "inventory:transfer")


def _as(client, user):
    client.force_login(user)
    return client


def _on_hand(part, location) -> Decimal:
    return StockBalance.objects.get(part=part, location=location).on_hand


def _ledger():
    return list(StockMovement.objects.order_by("pk").values_list("kind", "quantity"))


@pytest.fixture
def shelf(store):
    return bin_in(store, code="MAIN-A1")


@pytest.fixture
def part(store):
    part = PartFactory(part_number="SEAL-9", unit="pcs", unit_cost=Decimal(4))
    stock(part, store, 5, unit_cost="4")
    return part


# --- Who may act ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [TECHNICIAN, SUPERVISOR])
def test_other_roles_get_403_and_nothing_moves(client, site, store, shelf, part, role):
    services.stock_issue(part=part, location=store, quantity=2, user=None, reference="WO-1", authorized=True)
    before = _ledger()
    _as(client, make_role_user(role, site=site))
    for name in SCREENS:
        assert client.get(reverse(name)).status_code == 403, name
    posts = {
        "inventory:return": {"reference": "WO-1", "part": part.pk, "location": store.pk, "quantity": "1"},
        "inventory:adjust": {"part": part.pk, "location": store.pk, "change": "-1", "reason": "broken"},
        "inventory:transfer": {"part": part.pk, "source": store.pk, "target": shelf.pk, "quantity": "1"},
    }
    for name, data in posts.items():
        assert client.post(reverse(name), data).status_code == 403, name
    request_data = {"new-part": part.pk, "new-site": site.pk, "new-quantity": "3"}
    assert client.post(reverse("inventory:request_create"), request_data).status_code == 403
    assert _ledger() == before
    assert not PurchaseRequest.objects.exists()


def test_an_administrator_may_act(client, site, store, part):
    _as(client, make_role_user(ADMINISTRATOR))
    data = {"part": part.pk, "location": store.pk, "counted": "4", "reason": "cycle count"}
    response = client.post(reverse("inventory:adjust"), data)
    assert response.status_code == 302
    assert _on_hand(part, store) == 4


def test_the_store_navigation_offers_the_actions_to_storekeepers_only(client, site, store, storekeeper, supervisor):
    _as(client, storekeeper)
    page = client.get(reverse("inventory:movement_list")).content.decode()
    for name in SCREENS:
        assert reverse(name) in page, name
    _as(client, supervisor)
    page = client.get(reverse("inventory:movement_list")).content.decode()
    assert reverse("inventory:adjust") not in page


# --- Returns -------------------------------------------------------------------------------------
def test_return_from_an_order(client, store, shelf, storekeeper, part, django_assert_max_num_queries):
    services.stock_issue(part=part, location=store, quantity=3, user=storekeeper, reference="WO-7")
    _as(client, storekeeper)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("inventory:return"), {"reference": "WO-7"})
    assert page.status_code == 200
    assert list(page.context["form"].fields["part"].queryset) == [part]
    data = {"reference": "WO-7", "part": part.pk, "location": shelf.pk, "quantity": "2"}
    response = client.post(reverse("inventory:return"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("inventory:movement_list")
    assert "2 pcs of SEAL-9 returned from WO-7 into MAIN-A1" in response.content.decode()
    assert (_on_hand(part, store), _on_hand(part, shelf)) == (2, 2)
    returned = StockMovement.objects.get(kind=MovementKind.RETURN)
    assert (returned.quantity, returned.reference, returned.recorded_by) == (2, "WO-7", storekeeper)
    assert_ledger_matches_balances()


def test_return_errors_write_nothing_and_keep_the_input(client, store, storekeeper, part):
    services.stock_issue(part=part, location=store, quantity=1, user=storekeeper, reference="WO-7")
    before = _ledger()
    _as(client, storekeeper)
    # More than the order took: the service's refusal, as a form error.
    data = {"reference": "WO-7", "part": part.pk, "location": store.pk, "quantity": "3"}
    refused = client.post(reverse("inventory:return"), data)
    assert refused.status_code == 200
    assert "WO-7 took 1 pcs of SEAL-9 from stock; it cannot return 3." in refused.context["form"].non_field_errors()
    assert 'value="WO-7"' in refused.content.decode()
    # Inline field errors.
    invalid = client.post(reverse("inventory:return"), {**data, "reference": "", "quantity": "0"})
    assert set(invalid.context["form"].errors) == {"reference", "quantity"}
    assert _ledger() == before
    assert_ledger_matches_balances()


# --- Adjustments and cycle counts --------------------------------------------------------------
def test_cycle_count_records_the_difference(client, store, storekeeper, part, django_assert_max_num_queries):
    _as(client, storekeeper)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("inventory:adjust")).status_code == 200
    data = {"part": part.pk, "location": store.pk, "counted": "3", "reason": "cycle count"}
    response = client.post(reverse("inventory:adjust"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("inventory:movement_list")
    assert "SEAL-9 at MAIN adjusted by -2 pcs." in response.content.decode()
    adjustment = StockMovement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (adjustment.quantity, adjustment.reason) == (-2, "cycle count")
    assert _on_hand(part, store) == 3
    # A count that matches the books writes nothing.
    same = client.post(reverse("inventory:adjust"), data, follow=True)
    assert "matches the books (3 pcs): nothing changed" in same.content.decode()
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 1
    assert_ledger_matches_balances()


def test_adjust_by_a_signed_change_and_a_part_found_at_a_new_location(client, store, shelf, storekeeper, part):
    _as(client, storekeeper)
    client.post(reverse("inventory:adjust"), {"part": part.pk, "location": store.pk, "change": "+2", "reason": "found"})
    assert _on_hand(part, store) == 7
    found = PartFactory(part_number="NEW-1")
    client.post(
        reverse("inventory:adjust"), {"part": found.pk, "location": shelf.pk, "counted": "1", "reason": "found"}
    )
    assert _on_hand(found, shelf) == 1
    assert_ledger_matches_balances()


def test_adjust_errors_write_nothing(client, site, store, storekeeper, part):
    services.reservations_make(reference="WO-3", site=site, lines=[(part, Decimal(4))], user=storekeeper)
    before = _ledger()
    _as(client, storekeeper)
    url = reverse("inventory:adjust")
    base = {"part": part.pk, "location": store.pk}
    no_reason = client.post(url, {**base, "change": "-1", "reason": ""})
    assert "reason" in no_reason.context["form"].errors
    neither = client.post(url, {**base, "reason": "count"})
    assert "counted" in neither.context["form"].errors
    both = client.post(url, {**base, "counted": "1", "change": "1", "reason": "count"})
    assert "change" in both.context["form"].errors
    negative = client.post(url, {**base, "counted": "-1", "reason": "count"})
    assert "counted" in negative.context["form"].errors
    # Below what is reserved: the service refuses; the form keeps what was typed.
    reserved = client.post(url, {**base, "counted": "2", "reason": "stock take"})
    assert reserved.status_code == 200
    assert "but 4 are reserved for work" in " ".join(reserved.context["form"].non_field_errors())
    assert 'value="stock take"' in reserved.content.decode()
    assert _ledger() == before
    assert StockBalance.objects.get(part=part, location=store).reserved == 4
    assert_ledger_matches_balances()


# --- Transfers -----------------------------------------------------------------------------------
def test_transfer_between_locations(client, store, shelf, storekeeper, part, django_assert_max_num_queries):
    _as(client, storekeeper)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("inventory:transfer")).status_code == 200
    data = {"part": part.pk, "source": store.pk, "target": shelf.pk, "quantity": "3", "reason": ""}
    response = client.post(reverse("inventory:transfer"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("inventory:movement_list")
    assert "3 pcs of SEAL-9 moved from MAIN to MAIN-A1." in response.content.decode()
    assert (_on_hand(part, store), _on_hand(part, shelf)) == (2, 3)
    out, into = StockMovement.objects.filter(kind=MovementKind.TRANSFER).order_by("quantity")
    assert (out.quantity, into.quantity, out.counterpart_id, into.counterpart_id) == (-3, 3, into.pk, out.pk)
    assert_ledger_matches_balances()


def test_transfer_errors_write_nothing(client, store, shelf, storekeeper, part):
    before = _ledger()
    _as(client, storekeeper)
    url = reverse("inventory:transfer")
    same = client.post(url, {"part": part.pk, "source": store.pk, "target": store.pk, "quantity": "1"})
    assert "target" in same.context["form"].errors
    too_many = client.post(url, {"part": part.pk, "source": store.pk, "target": shelf.pk, "quantity": "9"})
    assert too_many.status_code == 200
    assert "Only 5 pcs of SEAL-9 are available at MAIN" in " ".join(too_many.context["form"].non_field_errors())
    assert 'value="9"' in too_many.content.decode()
    assert _ledger() == before
    assert_ledger_matches_balances()


# --- Other sites ---------------------------------------------------------------------------------
def test_another_sites_location_is_refused_without_writing(client, site, store, storekeeper, part):
    far = store_in(SiteFactory(), code="FAR")
    far_part = PartFactory(part_number="FAR-1")
    stock(far_part, far, 4)
    stock(part, far, 2)
    services.stock_issue(part=part, location=store, quantity=1, user=storekeeper, reference="WO-9")
    before = _ledger()
    _as(client, storekeeper)
    for name in SCREENS:
        form = client.get(reverse(name)).context["form"]
        for field in ("location", "source", "target"):
            if field in form.fields:
                assert far not in form.fields[field].queryset, (name, field)
    assert far_part not in client.get(reverse("inventory:transfer")).context["form"].fields["part"].queryset
    attempts = {
        "inventory:return": ({"reference": "WO-9", "part": part.pk, "location": far.pk, "quantity": "1"}, "location"),
        "inventory:adjust": ({"part": part.pk, "location": far.pk, "change": "-1", "reason": "x"}, "location"),
        "inventory:transfer": ({"part": part.pk, "source": store.pk, "target": far.pk, "quantity": "1"}, "target"),
    }
    for name, (data, field) in attempts.items():
        response = client.post(reverse(name), data)
        assert response.status_code == 200, name
        assert field in response.context["form"].errors, name
    from_far = {"part": part.pk, "source": far.pk, "target": store.pk, "quantity": "1"}
    assert "source" in client.post(reverse("inventory:transfer"), from_far).context["form"].errors
    assert _ledger() == before
    assert _on_hand(part, far) == 2


# --- Purchase requests raised by hand ----------------------------------------------------------
def test_a_purchase_request_by_hand(client, site, store, storekeeper, part, django_assert_max_num_queries):
    _as(client, storekeeper)
    client.get(reverse("inventory:request_list"))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("inventory:request_list"))
    assert list(page.context["request_form"].fields["site"].queryset) == [site]
    url = reverse("inventory:request_create")
    data = {"new-part": part.pk, "new-site": site.pk, "new-quantity": "6", "new-note": "spare for the pump"}
    response = client.post(url, data, follow=True)
    request = PurchaseRequest.objects.get()
    assert (request.quantity, request.reason, request.note) == (6, PurchaseRequestReason.MANUAL, "spare for the pump")
    assert f"{request.number}: 6 pcs of SEAL-9 requested for {site.name}" in response.content.decode()
    # Again for the same part and site: the open request grows (one open request per part and site).
    client.post(url, {**data, "new-quantity": "2", "new-note": ""})
    request.refresh_from_db()
    assert request.quantity == 8
    assert PurchaseRequest.objects.count() == 1


def test_purchase_request_errors_and_other_sites(client, site, storekeeper, supervisor, part):
    other = SiteFactory()
    _as(client, storekeeper)
    url = reverse("inventory:request_create")
    invalid = client.post(url, {"new-part": part.pk, "new-site": site.pk, "new-quantity": "0"})
    assert invalid.status_code == 400
    assert "quantity" in invalid.context["request_form"].errors
    assert "Request a part by hand" in invalid.content.decode()
    elsewhere = client.post(url, {"new-part": part.pk, "new-site": other.pk, "new-quantity": "1"})
    assert elsewhere.status_code == 400
    assert "site" in elsewhere.context["request_form"].errors
    assert not PurchaseRequest.objects.exists()
    _as(client, supervisor)
    assert client.get(reverse("inventory:request_list")).context["request_form"] is None
