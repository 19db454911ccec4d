"""``load_demo()``: every part of the demo, loaded in dependency order in one transaction."""

from __future__ import annotations

from django.db import transaction

from assets.models import Counter
from mms.demo.equipment import EquipmentLoader
from mms.demo.history import HistoryLoader
from mms.demo.inventory import InventoryLoader
from mms.demo.investment import InvestmentLoader
from mms.demo.people import PeopleLoader
from mms.demo.plan_loader import PlansLoader
from mms.demo.sites import SitesLoader
from mms.demo.upkeep import UpkeepLoader
from mms.demo.upsert import Outcome
from orders.failures import failure_codes_load_defaults


class DemoLoader(
    SitesLoader,
    PeopleLoader,
    UpkeepLoader,
    EquipmentLoader,
    InventoryLoader,
    PlansLoader,
    HistoryLoader,
    InvestmentLoader,
):
    """Loads each part of the demo in dependency order and tallies what it did."""

    def load(self) -> dict[str, int]:
        """Load every part; return how many rows were created, updated and left unchanged."""
        self.load_areas()
        self.load_users_and_people()
        self.load_resource_types()
        failure_codes_load_defaults()  # the ISO 14224-like problems, causes and remedies orders are coded with
        self.load_equipment()
        self.load_inventory()
        self.load_spare_parts()
        self.load_downtime()
        self.load_store()
        self.load_plans()
        self.load_history()
        self.load_investment()  # after the history: its budgets are the years the history has none for
        return {outcome.value: self.tally[outcome] for outcome in Outcome}


def load_demo() -> dict[str, int]:
    """Load (or bring back) the demo data; return how many rows were created, updated and left unchanged."""
    with transaction.atomic():
        counts = DemoLoader().load()
        # Readings were written directly: give counters their latest value, as the reading service does.
        Counter.objects.refresh_latest()
        return counts
