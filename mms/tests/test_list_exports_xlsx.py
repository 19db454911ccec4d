"""Every list screen that exports CSV also exports XLSX: the same columns, filters and rows, in a workbook
openpyxl opens, typed cells, in a constant number of queries."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.notifications import notify
from core.roles import ADMINISTRATOR, STOREKEEPER
from core.xlsx_export import XLSX_CONTENT_TYPE
from inventory.factories import BudgetFactory, ContractFactory, part, purchase_order_row, stock, store_in
from inventory.services import purchase_request_create
from mms.tests.test_list_exports import LISTS
from orders import records, services
from orders.factories import planned_order
from people.factories import make_role_user
from plans.factories import apply_plan, effective_plan

pytestmark = pytest.mark.django_db

# The CSV lists, and the list of every work order (the KPIs' drill-down) with them.
XLSX_LISTS = [*LISTS, ("orders:order_list", [])]


def read_csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def read_xlsx_rows(response) -> list[list[object]]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def administrator():
    return make_role_user(ADMINISTRATOR)


@pytest.fixture
def a_bit_of_everything(administrator):
    """One row (at least) on every list screen an administrator sees."""
    site = SiteFactory(code="N1", name="North works")
    building = AreaFactory(code="NB", parent=site)
    administrator.employee.sites.add(site)  # assignable to the site's work
    pump = ResourceFactory(tag="P-1", name="Pump", area=building)
    store = store_in(site, code="ST-1")
    seal = part(part_number="SEAL-1", description="Seal")
    stock(seal, store, 4, unit_cost="12.50")
    purchase_request_create(part=seal, site=site, quantity=5, user=None)
    purchase_order_row(site=site)
    ContractFactory(ends_on=timezone.localdate() + datetime.timedelta(days=60))
    BudgetFactory(site=site, year=timezone.localdate().year)
    plan = effective_plan(code="PUMP-PM", name="Pump maintenance")
    apply_plan(plan, pump)
    supervisor = make_role_user("Supervisor", site=site)
    due = timezone.now()
    queued = planned_order(pump, due_at=due)
    records.order_assign(order=queued, employees=[administrator.employee], user=supervisor)
    services.order_request_corrective(entity=pump, user=administrator, title="Leaking seal")
    notify([administrator], "=Check the pump")
    return plan


def test_every_list_screen_links_both_exports(administrator, a_bit_of_everything) -> None:
    client = Client()
    client.force_login(administrator)
    for name, args in XLSX_LISTS:
        html = client.get(reverse(name, args=args), {"page": "2"}).content.decode()
        assert "Export CSV" in html, name
        assert "Export XLSX" in html, name
        link = html.split("export=xlsx")[0].rsplit('href="', 1)[-1]
        assert "page=2" not in link, name  # every page, not this one


@pytest.mark.parametrize(("name", "args"), [*XLSX_LISTS, ("plans:instance_list", None)])
def test_every_csv_list_screen_answers_the_same_rows_as_xlsx(name, args, administrator, a_bit_of_everything) -> None:
    client = Client()
    client.force_login(administrator)
    url = reverse(name, args=[a_bit_of_everything.pk] if args is None else args)
    csv_rows = read_csv_rows(client.get(url, {"export": "csv"}))
    xlsx_rows = read_xlsx_rows(client.get(url, {"export": "xlsx"}))
    assert xlsx_rows[0] == csv_rows[0]  # the same header
    assert len(xlsx_rows) == len(csv_rows)  # the same rows
    assert len(xlsx_rows) >= 2, f"{name}: the test data should give the list a row"


def test_the_stock_ledger_has_typed_cells(administrator, a_bit_of_everything) -> None:
    client = Client()
    client.force_login(administrator)
    rows = read_xlsx_rows(client.get(reverse("inventory:movement_list"), {"export": "xlsx"}))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "Quantity" in header
    assert isinstance(first["When"], datetime.datetime)  # a date cell, not text
    assert first["Quantity"] == 4  # a number cell
    assert Decimal(str(first["Unit cost"])) == Decimal("12.5")


def test_a_would_be_formula_is_text_in_the_workbook(administrator, a_bit_of_everything) -> None:
    client = Client()
    client.force_login(administrator)
    response = client.get(reverse("people:inbox"), {"export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    titles = [cell for row in book.worksheets[0].iter_rows(min_row=2) for cell in row if cell.value]
    formula = next(cell for cell in titles if "Check the pump" in str(cell.value))
    assert formula.data_type == "s"
    assert formula.value == "'=Check the pump"


def test_the_query_count_does_not_grow_with_the_list() -> None:
    site = SiteFactory(code="S1")
    few_area, many_area = AreaFactory(parent=site, code="FEW"), AreaFactory(parent=site, code="MANY")
    for n in range(3):
        ResourceFactory(tag=f"F-{n:02d}", name=f"Fan {n}", area=few_area)
    for n in range(30):
        ResourceFactory(tag=f"M-{n:02d}", name=f"Motor {n}", area=many_area)
    client = Client()
    client.force_login(make_role_user(STOREKEEPER, site=site))
    url = reverse("assets:area_tree")
    with CaptureQueriesContext(connection) as few:
        few_rows = read_xlsx_rows(client.get(url, {"q": "fan", "export": "xlsx"}))
    with CaptureQueriesContext(connection) as many:
        many_rows = read_xlsx_rows(client.get(url, {"q": "motor", "export": "xlsx"}))
    assert (len(few_rows), len(many_rows)) == (1 + 3, 1 + 30)
    assert len(many) == len(few)
