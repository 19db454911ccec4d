"""The part and stock-level registers in CSV: parts by part number (extra columns as attributes);
stock levels by location and part, written as stock adjustments of the ledger, unchanged when the count
is what the store holds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from assets.factories import SiteFactory
from exchange.models import Attribute
from exchange.tests.csv_support import VALID, counts, export, problems, rows_of, run_import
from inventory.factories import part, stock, store_in
from inventory.models import MovementKind, Part, StockBalance, StockMovement

pytestmark = pytest.mark.django_db

PARTS = (
    "Part number;Description;Unit;Reorder point;Reorder quantity;Unit cost;Currency;Shelf life\n"
    "SEAL-10;Mechanical seal 10 mm;pcs;2;5;35.50;kes;\n"
    "OIL-46;Hydraulic oil ISO 46;l;;;4.2;EUR;5 years\n"
)


def test_parts_import_reimport_and_export(tmp_path, csv_admin) -> None:
    report = run_import(tmp_path, csv_admin, PARTS, "parts")
    assert not report.problems
    assert counts(report, "parts", "part")["created"] == 2
    seal = Part.objects.get(part_number="SEAL-10")
    assert (seal.reorder_point, seal.unit_cost, seal.currency) == (Decimal(2), Decimal("35.5"), "KES")
    oil = Part.objects.get(part_number="OIL-46")
    assert oil.unit == "l"
    assert oil.reorder_point == 0
    assert Attribute.objects.get(object_id=oil.pk, name="Shelf life").value == "5 years"
    again = run_import(tmp_path, csv_admin, PARTS, "parts")
    assert counts(again, "parts", "part") == {"created": 0, "updated": 0, "unchanged": 2}
    text = export(csv_admin, "parts")
    assert rows_of(text)[0]["Shelf life"] == "5 years"
    assert counts(run_import(tmp_path, csv_admin, text, "parts"), "parts", "part")["unchanged"] == 2


def test_part_rules_are_reported_on_their_column(tmp_path, csv_admin) -> None:
    text = "Part number,Description,Reorder point,Reorder quantity,Currency\nX-1,Thing,5,,USD\nX-2,Thing,1,1,dollars\n"
    report = run_import(tmp_path, csv_admin, text, "parts")
    assert (2, "Reorder quantity") in [(row, column) for row, column, _m in problems(report)]
    assert (3, "Currency") in [(row, column) for row, column, _m in problems(report)]
    assert not Part.objects.exists()


@pytest.fixture
def store(csv_site):
    return store_in(csv_site, code="ST-1")


def test_stock_levels_are_counts_recorded_as_adjustments(tmp_path, csv_admin, store) -> None:
    seal, oil = part(part_number="SEAL-10"), part(part_number="OIL-46", unit="l")
    stock(seal, store, 4)
    text = "Location;Part number;On hand\nST-1;SEAL-10;6\nST-1;OIL-46;20.5\n"
    report = run_import(tmp_path, csv_admin, text, "stock")
    assert not report.problems
    assert counts(report, "stock", "stock level") == {"created": 1, "updated": 1, "unchanged": 0}
    assert StockBalance.objects.get(part=seal, location=store).on_hand == 6
    assert StockBalance.objects.get(part=oil, location=store).on_hand == Decimal("20.5")
    adjustment = StockMovement.objects.get(part=seal, kind=MovementKind.ADJUSTMENT)
    assert adjustment.quantity == 2
    assert adjustment.reason == "Stock count (register.csv)"
    assert adjustment.recorded_by == csv_admin
    again = run_import(tmp_path, csv_admin, text, "stock")
    assert counts(again, "stock", "stock level") == {"created": 0, "updated": 0, "unchanged": 2}
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 2
    exported = export(csv_admin, "stock")
    assert rows_of(exported) == [
        {"Location": "ST-1", "Part number": "OIL-46", "On hand": "20.5", "Reason": ""},
        {"Location": "ST-1", "Part number": "SEAL-10", "On hand": "6", "Reason": ""},
    ]
    assert counts(run_import(tmp_path, csv_admin, exported, "stock"), "stock", "stock level")["unchanged"] == 2


def test_stock_level_problems(tmp_path, csv_admin, store) -> None:
    seal = part(part_number="SEAL-10")
    text = (
        "Location,Part number,On hand,Reason\n"
        "ST-1,SEAL-10,-1,\n"
        "NOPE,SEAL-10,1,\n"
        "ST-1,NOPE,1,\n"
        "ST-1,SEAL-10,1.5,found on the shelf\n"
    )
    report = run_import(tmp_path, csv_admin, text, "stock", mode=VALID)
    found = problems(report)
    assert (2, "On hand") in [(row, column) for row, column, _m in found]
    assert (3, "Location", "No stock location has the code “NOPE”.") in found
    assert (4, "Part number", "No part has the number “NOPE”.") in found
    assert StockBalance.objects.get(part=seal, location=store).on_hand == Decimal("1.5")
    assert StockMovement.objects.get(part=seal, location=store).reason == "found on the shelf"


def test_a_storekeeper_counts_only_their_own_stores(tmp_path, store, role_user) -> None:
    seal = part(part_number="SEAL-10")
    far = store_in(SiteFactory(code="S9"), code="ST-9")
    storekeeper = role_user("Storekeeper", site=store.site)
    text = f"Location,Part number,On hand\nST-1,SEAL-10,2\n{far.code},SEAL-10,3\n"
    report = run_import(tmp_path, storekeeper, text, "stock", mode=VALID)
    assert [(row, column) for row, column, _m in problems(report)] == [(3, "Location")]
    assert StockBalance.objects.get(part=seal, location=store).on_hand == 2
    assert not StockBalance.objects.filter(location=far).exists()
    technician = role_user("Technician", site=store.site)
    with pytest.raises(PermissionDenied):
        run_import(tmp_path, technician, text, "stock")
