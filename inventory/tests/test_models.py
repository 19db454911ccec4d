"""Single-row rules of the inventory models: each refused by ``full_clean()`` and by the database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.testing import assert_clean_refuses, assert_database_refuses
from inventory.factories import PartFactory, VendorFactory

pytestmark = pytest.mark.django_db


class TestPart:
    @pytest.mark.parametrize(
        "quantities",
        [
            {},
            {"minimum_quantity": Decimal(2), "reorder_point": Decimal(2), "reorder_quantity": Decimal(10)},
            {"minimum_quantity": Decimal(0), "reorder_point": Decimal(0), "reorder_quantity": Decimal(5)},
        ],
    )
    def test_consistent_reorder_rules_are_accepted(self, quantities: dict[str, Decimal]) -> None:
        part = PartFactory.build(**quantities)
        part.full_clean()
        part.save()

    @pytest.mark.parametrize(
        ("given", "field"),
        [
            ({"minimum_quantity": Decimal(-1), "reorder_point": Decimal(0)}, "minimum_quantity"),
            ({"reorder_quantity": Decimal(-1)}, "reorder_quantity"),
            ({"unit_cost": Decimal("-0.01")}, "unit_cost"),
            (
                {"minimum_quantity": Decimal(5), "reorder_point": Decimal(4), "reorder_quantity": Decimal(1)},
                "reorder_point",
            ),
            ({"reorder_point": Decimal(3), "reorder_quantity": Decimal(0)}, "reorder_quantity"),
            ({"unit": ""}, "unit"),
            ({"currency": "eur"}, "currency"),
            ({"currency": "E1"}, "currency"),
        ],
        ids=[
            "negative-minimum",
            "negative-reorder-quantity",
            "negative-cost",
            "reorder-point-below-minimum",
            "reorder-point-without-quantity",
            "no-unit",
            "lowercase-currency",
            "bad-currency",
        ],
    )
    def test_bad_values_are_refused(self, given: dict[str, Any], field: str) -> None:
        part = PartFactory.build(**given)
        assert_clean_refuses(part, field)
        assert_database_refuses(part)


class TestVendor:
    def test_a_good_vendor_is_accepted(self) -> None:
        vendor = VendorFactory.build(currency="XOF")
        vendor.full_clean()
        vendor.save()

    @pytest.mark.parametrize("currency", ["usd", "U5D", "", "US"])
    def test_the_currency_is_an_iso_code(self, currency: str) -> None:
        vendor = VendorFactory.build(currency=currency)
        assert_clean_refuses(vendor, "currency")
        assert_database_refuses(vendor)
