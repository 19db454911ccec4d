"""A stock adjustment worth more than ``SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD`` is signed electronically,
through the service, the screen and the API; smaller ones are not; the ledger shows the signature."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.api.testing import token_client
from core.testing import TEST_PASSWORD
from inventory import services
from inventory.factories import PartFactory, stock
from inventory.models import MovementKind, StockBalance, StockMovement
from people.signature_models import Signature, SigningAttempts
from people.signatures import SignatureRefused, verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD = "500"


@pytest.fixture
def pump_part(store):
    """200.00 a piece: three of them (600.00) are above the threshold, two (400.00) are not."""
    part = PartFactory(part_number="PUMP-IMP", unit="pcs", unit_cost=Decimal("200.00"))
    stock(part, store, 10, unit_cost="200")
    return part


def on_hand(part, location) -> Decimal:
    return StockBalance.objects.get(part=part, location=location).on_hand


def adjustments():
    return StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT)


def test_the_threshold_decides(settings, pump_part):
    assert services.adjustment_needs_signature(pump_part, Decimal(3)) is True
    assert services.adjustment_needs_signature(pump_part, Decimal(-3)) is True  # a loss counts as much
    assert services.adjustment_needs_signature(pump_part, Decimal("2.5")) is False  # 500.00 is not above 500
    settings.SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD = ""
    assert services.adjustment_needs_signature(pump_part, Decimal(1000)) is False


def test_the_service_signs_large_adjustments_only(store, storekeeper, pump_part):
    small = services.stock_adjust(part=pump_part, location=store, quantity="-2", reason="broken", user=storekeeper)
    assert not Signature.objects.of(small).exists()
    with pytest.raises(SignatureRefused, match="enter it again"):
        services.stock_adjust(part=pump_part, location=store, quantity="-3", reason="lost", user=storekeeper)
    assert on_hand(pump_part, store) == 8  # the refused one changed nothing
    large = services.stock_adjust(
        part=pump_part, location=store, quantity="-3", reason="lost", user=storekeeper, password=TEST_PASSWORD
    )
    signature = Signature.objects.of(large).get()
    assert (signature.meaning, signature.action, signature.signer) == ("performed", "stock adjustment", storekeeper)
    assert '"quantity":"-3"' in signature.content
    assert verify(signature)
    assert on_hand(pump_part, store) == 5


def test_the_screen_asks_for_the_signature_above_the_threshold(store, storekeeper, pump_part):
    client = Client()
    client.force_login(storekeeper)
    url = reverse("inventory:adjust")
    form = client.get(url).content.decode()
    assert 'name="password"' in form
    assert "worth more than 500" in form
    data = {"part": pump_part.pk, "location": store.pk, "change": "+3", "reason": "found"}
    refused = client.post(url, {**data, "password": "nope", "meaning": "performed"})
    assert refused.status_code == 200
    assert "The password is wrong." in refused.content.decode()
    assert not adjustments().exists()
    assert SigningAttempts.objects.get(user=storekeeper).failures == 1  # counted past the screen's transaction
    done = client.post(url, {**data, "password": TEST_PASSWORD, "meaning": "reviewed"}, follow=True)
    assert "adjusted by +3 pcs" in done.content.decode()
    assert Signature.objects.of(adjustments().get()).get().meaning == "reviewed"
    ledger = client.get(reverse("inventory:movement_list")).content.decode()
    assert "Electronic signatures" in ledger
    assert "Reviewed" in ledger
    assert "record changed after signing" not in ledger
    adjustments().update(reason="found (edited)")
    assert "record changed after signing" in client.get(reverse("inventory:movement_list")).content.decode()


def test_the_api_refuses_400_then_signs(store, storekeeper, pump_part):
    api = token_client(storekeeper)
    data = {"part": pump_part.pk, "location": store.pk, "quantity": "-4", "reason": "stock take"}
    refused = api.post(reverse("api:stockmovement-adjust"), data, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"password": ["Sign with your password: enter it again."]}
    created = api.post(reverse("api:stockmovement-adjust"), {**data, "password": TEST_PASSWORD}, format="json")
    assert created.status_code == 201, created.content
    [signature] = created.json()["signatures"]
    assert (signature["meaning"], signature["valid"], signature["method"]) == ("performed", True, "password")
    detail = api.get(reverse("api:stockmovement-detail", args=[created.json()["id"]]))
    assert detail.json()["signatures"][0]["content_hash"] == signature["content_hash"]
    small = api.post(reverse("api:stockmovement-adjust"), {**data, "quantity": "1"}, format="json")
    assert small.status_code == 201
    assert small.json()["signatures"] == []
