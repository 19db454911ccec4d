"""The demo's preventive maintenance programme as data: plans, their activities and what those carry.

``demo_plans()`` is read by the plan loader (``mms.demo.plan_loader``), which makes the plans through
the plan services.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mms.demo.constants import DEMO_PLANS_START, DEMO_TODAY
from plans.models import (
    ActionKind,
    ChecklistItemKind,
    Priority,
    ScheduleNextMode,
    ScheduleTransition,
    TimeUnit,
    TriggerKind,
)


@dataclass
class DemoActivity:
    """An activity of a demo plan with what it carries; ``fields`` are Activity fields.

    ``parts`` are (part number, quantity), ``personnel`` (count, certification code or "", trade, hours)
    and ``actions`` (schedule transition, kind, settings).
    """

    code: str
    name: str
    fields: dict[str, Any]
    checklist: list[dict[str, Any]] = field(default_factory=list)
    parts: list[tuple[str, str]] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)
    personnel: list[tuple[int, str, str, str]] = field(default_factory=list)
    actions: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class DemoPlan:
    """A demo plan: its first version's activities, and the entities ("resource", tag) etc. it applies to."""

    code: str
    name: str
    description: str
    activities: list[DemoActivity]
    entities: list[tuple[str, str]]
    start_date: datetime.date = DEMO_PLANS_START


def _check(text: str, kind: str = ChecklistItemKind.PASS_FAIL, **values: Any) -> dict[str, Any]:
    return {"text": text, "kind": kind, **values}


PUMP_INSPECTION = "PM-PUMP-M"
GENERATOR_SERVICE = "PM-GEN-250H"
CHLORINATOR_CHECK = "PM-CHL-W"
AUTOCLAVE_VALIDATION = "PM-AC-Q"
EXTINGUISHER_INSPECTION = "PM-FIRE-Y"
VEHICLE_SERVICE = "PM-VEH-6M"
TIME_FIXED = {"trigger": TriggerKind.TIME, "schedule_next_mode": ScheduleNextMode.FIXED}
TIME_FLOATING = {"trigger": TriggerKind.TIME, "schedule_next_mode": ScheduleNextMode.FLOATING}
NOTIFY_OWNER = {"recipients": ["owner_role"]}


def demo_plans() -> list[DemoPlan]:
    """The preventive maintenance programme: every trigger kind, applied to the demo equipment.

    Early windows and late tolerances are counted in the interval's unit, so "monthly with five days
    either side" is written as every 30 days.
    """
    return [
        DemoPlan(
            PUMP_INSPECTION,
            "Pump monthly inspection",
            "Running inspection of the raw-water and booster pumps while on duty.",
            [
                DemoActivity(
                    "monthly-inspection",
                    "Monthly running inspection",
                    {
                        **TIME_FIXED,
                        "time_interval": 30,
                        "time_unit": TimeUnit.DAYS,
                        "time_early_window": 5,
                        "time_late_tolerance": 5,
                        "instructions": "Inspect with the pump running on duty. Do not remove the coupling guard. "
                        "Measure vibration on the drive-end bearing housing, horizontal direction.",
                        "estimated_minutes": 60,
                    },
                    checklist=[
                        _check("No leaks at casing, flanges and pipework"),
                        _check("Mechanical seal: no drip (a few drops an hour at most)"),
                        _check("Coupling guard fitted and secure"),
                        _check(
                            "Bearing temperature, drive end (infrared)",
                            ChecklistItemKind.NUMBER,
                            unit="°C",
                            lower_limit=Decimal(10),
                            upper_limit=Decimal(80),
                        ),
                        _check("Photo of the nameplate", ChecklistItemKind.PHOTO, required=False),
                    ],
                    data=[
                        {
                            "name": "Vibration velocity, drive end (ISO 10816 class II)",
                            "unit": "mm/s",
                            "upper_warning_limit": Decimal("4.5"),
                            "upper_action_limit": Decimal("7.1"),
                        }
                    ],
                    personnel=[(1, "", "Mechanical technician", "1")],
                    actions=[(ScheduleTransition.TO_LATE_DUE, ActionKind.NOTIFY, NOTIFY_OWNER)],
                )
            ],
            [
                ("resource", "RIV-RWP-01"),
                ("resource", "RIV-RWP-02"),
                ("resource", "RIV-RWP-03"),
                ("resource", "HIL-BPS-01"),
            ],
        ),
        DemoPlan(
            GENERATOR_SERVICE,
            "Generator 250-hour service",
            "Oil, oil filter and air filter change on the standby diesel generators.",
            [
                DemoActivity(
                    "250-hour-service",
                    "250-hour service",
                    {
                        "trigger": TriggerKind.USAGE,
                        "schedule_next_mode": ScheduleNextMode.FLOATING,
                        "counter_name": "Operating hours",
                        "counter_unit": "h",
                        "usage_interval": Decimal(250),
                        "usage_early_window": Decimal(25),
                        "usage_late_tolerance": Decimal(25),
                        "priority": Priority.HIGH,
                        "instructions": "Isolate the starter battery and set the ATS to manual first. "
                        "Drain the oil warm; refill to the dipstick mark. Test run 15 minutes on load.",
                        "estimated_minutes": 180,
                    },
                    checklist=[
                        _check("Oil and oil filter changed", ChecklistItemKind.CHECK),
                        _check("Air filter element changed", ChecklistItemKind.CHECK),
                        _check("Water drained from the fuel filter / separator", ChecklistItemKind.CHECK),
                        _check("Coolant level, hoses and fan belt in order"),
                        _check("Battery terminals clean and tight; charger on float"),
                        _check("Test run on load: no alarms, no leaks"),
                    ],
                    parts=[("FLT-OIL-LF3000", "1"), ("FLT-AIR-AF25139", "1"), ("OIL-15W40", "17")],
                    personnel=[(1, "", "Mechanical technician", "3")],
                    actions=[
                        (ScheduleTransition.TO_EARLY_DUE, ActionKind.PURCHASE_REQUEST, {}),
                        (ScheduleTransition.TO_LATE_DUE, ActionKind.HOLD_ENTITY, {}),
                    ],
                )
            ],
            [("resource", "RIV-GEN-01"), ("resource", "KDC-GEN-01")],
        ),
        DemoPlan(
            CHLORINATOR_CHECK,
            "Chlorinator weekly check",
            "Leak test, injector and residual check of the disinfection equipment.",
            [
                DemoActivity(
                    "weekly-check",
                    "Weekly chlorinator check",
                    {
                        **TIME_FLOATING,
                        "time_interval": 7,
                        "time_unit": TimeUnit.DAYS,
                        "time_early_window": 1,
                        "time_late_tolerance": 2,
                        "priority": Priority.HIGH,
                        "instructions": "Two people in the chlorine room; breathing apparatus at the door. "
                        "Sample free chlorine at the clear-water tank outlet (DPD method).",
                        "estimated_minutes": 30,
                    },
                    checklist=[
                        _check(
                            "Chlorine leak test with ammonia at drum valves, connections and vacuum lines (gas unit)",
                            required=False,
                        ),
                        _check("Injector: vacuum at the regulator, no water in the gas line"),
                        _check("Dosing rate matches the set point", ChecklistItemKind.CHECK),
                        _check("Stock left (drums or litres)", ChecklistItemKind.TEXT),
                    ],
                    data=[
                        {
                            "name": "Free chlorine residual",
                            "unit": "mg/L",
                            "lower_action_limit": Decimal("0.2"),
                            "lower_warning_limit": Decimal("0.5"),
                            "upper_warning_limit": Decimal("2.0"),
                            "upper_action_limit": Decimal("4.0"),
                        }
                    ],
                    personnel=[(1, "CL2", "", "0.5")],
                    actions=[(ScheduleTransition.TO_LATE_DUE, ActionKind.NOTIFY, NOTIFY_OWNER)],
                )
            ],
            [("resource", "RIV-CHL-01"), ("resource", "RIV-CHL-02")],
        ),
        DemoPlan(
            AUTOCLAVE_VALIDATION,
            "Autoclave validation",
            "Quarterly performance validation of the CSSD autoclave.",
            [
                DemoActivity(
                    "quarterly-validation",
                    "Quarterly validation",
                    {
                        **TIME_FIXED,
                        "time_interval": 3,
                        "time_unit": TimeUnit.MONTHS,
                        "instances_to_schedule": 2,
                        "priority": Priority.HIGH,
                        "requires_signature": True,
                        "instructions": "Run the Bowie-Dick cycle on an empty chamber first thing in the morning, "
                        "then a full load with a biological indicator; incubate the indicator 48 h.",
                        "estimated_minutes": 120,
                    },
                    checklist=[
                        _check("Bowie-Dick test: uniform colour change"),
                        _check("Spore test (biological indicator): no growth after 48 h"),
                        _check("Door gasket intact", ChecklistItemKind.CHECK),
                        _check("Chamber drain strainer clean", ChecklistItemKind.CHECK),
                    ],
                    personnel=[(1, "AUTOCLAVE", "", "2")],
                )
            ],
            [("resource", "KDC-AC-01")],
            start_date=DEMO_PLANS_START - datetime.timedelta(weeks=6),  # first validation due the day after DEMO_TODAY
        ),
        DemoPlan(
            EXTINGUISHER_INSPECTION,
            "Fire extinguisher annual inspection",
            "Annual inspection of every extinguisher in the building (NFPA 10 / KS 1812).",
            [
                DemoActivity(
                    "annual-inspection",
                    "Annual extinguisher inspection",
                    {
                        **TIME_FIXED,
                        "time_interval": 12,
                        "time_unit": TimeUnit.MONTHS,
                        "time_early_window": 1,
                        "time_late_tolerance": 1,
                        "instances_to_schedule": 12,
                        "priority": Priority.NORMAL,
                        "estimated_minutes": 90,
                    },
                    checklist=[
                        _check("Every extinguisher in place, visible and unobstructed"),
                        _check("Pressure gauges in the green"),
                        _check("Safety pins and tamper seals intact"),
                        _check("Hoses and nozzles undamaged"),
                        _check("Service labels dated and signed", ChecklistItemKind.CHECK),
                    ],
                    personnel=[(1, "", "Mechanical technician", "1.5")],
                )
            ],
            [
                ("area", code)
                for code in (
                    "WTP-RIV-INT",
                    "WTP-RIV-TRT",
                    "WTP-RIV-CHM",
                    "WTP-RIV-GEN",
                    "RES-HIL-BPH",
                    "CLN-KDC-MB",
                    "CLN-KDC-UTL",
                )
            ],
            start_date=datetime.date(DEMO_TODAY.year, 1, 15),
        ),
        DemoPlan(
            VEHICLE_SERVICE,
            "Vehicle service",
            "Manufacturer's service of the crew vehicle: every 6 months or 10,000 km, whichever comes first.",
            [
                DemoActivity(
                    "service",
                    "6-month / 10,000 km service",
                    {
                        "trigger": TriggerKind.TIME_AND_USAGE,
                        "schedule_next_mode": ScheduleNextMode.FLOATING,
                        "time_interval": 6,
                        "time_unit": TimeUnit.MONTHS,
                        "time_late_tolerance": 1,
                        "counter_name": "Odometer",
                        "counter_unit": "km",
                        "usage_interval": Decimal(10000),
                        "usage_early_window": Decimal(500),
                        "usage_late_tolerance": Decimal(1000),
                        "instructions": "Book the dealer's workshop; record the odometer when the vehicle goes in.",
                        "estimated_minutes": 240,
                    },
                    checklist=[
                        _check("Engine oil and filter changed", ChecklistItemKind.CHECK),
                        _check("Brakes, tyres (tread at least 3 mm) and lights"),
                        _check("Workshop invoice attached", ChecklistItemKind.PHOTO, required=False),
                    ],
                    personnel=[(1, "", "Mechanical technician", "1")],
                    actions=[(ScheduleTransition.TO_DUE, ActionKind.NOTIFY, NOTIFY_OWNER)],
                )
            ],
            [("container", "RIV-VEH-01")],
        ),
    ]
