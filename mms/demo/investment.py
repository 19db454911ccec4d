"""The demo's asset investment planning: the expected life and replacement cost of its resource types, the
figures of the machines that have no type (chlorinators, generators, meters, the autoclave), budgets for
the coming years at each site, and one replacement a planner has brought forward (the oxygen concentrator
that is down), so the risk ranking, the matrix and the replacement forecast show something real.

Costs are at today's prices in the demo's currency; the clinic's budgets are tight on purpose, so one
year of its forecast is over budget. Every row is upserted by its natural key: a second run adds nothing.
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

from inventory.models import Budget
from investment.models import ResourceLifecycle, TypeLifecycle
from mms.demo.base import LoaderBase
from mms.demo.constants import DEMO_CURRENCY, DEMO_TIME_ZONE, DEMO_TODAY, SITE_CLINIC, SITE_HILLTOP, SITE_RIVERSIDE
from mms.demo.history_data import BUDGETS as HISTORY_BUDGETS

# type name -> (expected life in years, replacement cost, consequence, likelihood)
TYPE_LIFECYCLES = {
    "Grundfos NK 150-315 end-suction pump": (20, "1850000.00", 4, 3),
    "WEG W22 IE3 90 kW motor": (25, "1200000.00", 4, 2),
    "Philips EverFlo oxygen concentrator": (7, "145000.00", 4, 3),
}
# resource tag -> (expected life, replacement cost, consequence, likelihood): machines without a type
RESOURCE_LIFECYCLES = {
    "RIV-CHL-01": (12, "2400000.00", 5, 3),
    "RIV-CHL-02": (8, "380000.00", 4, 3),
    "RIV-GEN-01": (20, "4800000.00", 4, 2),
    "RIV-FM-01": (15, "620000.00", 2, 2),
    "RIV-FM-02": (15, "540000.00", 2, 2),
    "HIL-BPS-01": (15, "3100000.00", 4, 3),
    "KDC-AC-01": (10, "1900000.00", 5, 3),
    "KDC-GEN-01": (20, "2600000.00", 5, 2),
}
# site code -> (first year's budget, yearly rise), for the five years after the demo's "today"
BUDGETS = {
    SITE_RIVERSIDE: ("4800000.00", "200000.00"),
    SITE_HILLTOP: ("900000.00", "50000.00"),
    SITE_CLINIC: ("150000.00", "0.00"),
}
BUDGET_YEARS = 5
BUDGET_NOTE = "Maintenance and equipment replacement (capital plan)"
# The concentrator that is down (sieve beds) is replaced next year rather than when its age says.
PLANNED = ("KDC-OC-02", DEMO_TODAY.year + 1)
PLANNED_AT = datetime.datetime.combine(
    DEMO_TODAY - datetime.timedelta(days=6), datetime.time(11, 0), tzinfo=zoneinfo.ZoneInfo(DEMO_TIME_ZONE)
)


class InvestmentLoader(LoaderBase):
    """Loads lifecycles, the coming years' budgets and a planned replacement (after equipment and stores)."""

    def load_investment(self) -> None:
        for name, (life, cost, consequence, likelihood) in TYPE_LIFECYCLES.items():
            self.put(
                TypeLifecycle,
                {"resource_type": self.resource_types[name]},
                {
                    "expected_life_years": life,
                    "replacement_cost": Decimal(cost),
                    "currency": DEMO_CURRENCY,
                    "consequence": consequence,
                    "likelihood": likelihood,
                },
            )
        for tag, (life, cost, consequence, likelihood) in RESOURCE_LIFECYCLES.items():
            self.put(
                ResourceLifecycle,
                {"resource": self.resources[tag]},
                {
                    "expected_life_years": life,
                    "replacement_cost": Decimal(cost),
                    "currency": DEMO_CURRENCY,
                    "consequence": consequence,
                    "likelihood": likelihood,
                },
            )
        tag, year = PLANNED
        self.put(
            ResourceLifecycle,
            {"resource": self.resources[tag]},
            {"planned_replacement_year": year, "planned_by": self.users["planner"], "planned_at": PLANNED_AT},
        )
        for code, (first, rise) in BUDGETS.items():
            for offset in range(BUDGET_YEARS):
                if (code, DEMO_TODAY.year + 1 + offset, DEMO_CURRENCY) in HISTORY_BUDGETS:
                    continue  # the history's budget of that year stands
                self.put(
                    Budget,
                    {"site": self.areas[code], "year": DEMO_TODAY.year + 1 + offset, "currency": DEMO_CURRENCY},
                    {"amount": Decimal(first) + Decimal(rise) * offset, "note": BUDGET_NOTE},
                )
