"""Demo data: a small water utility (a treatment plant and a booster station) and a district clinic.

``load_demo()`` is idempotent: every row is found by its natural key and saved only when a value
differs, so a second run adds no rows, no history rows and re-hashes no passwords. Every date is fixed
(``DEMO_TODAY``, not ``now()``), so "expiring" and "expired" mean the same on every run.
Rows go through ``full_clean()`` and obey the same rules as users' data.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from assets.models import (
    Area,
    AreaKind,
    Container,
    Counter,
    CounterKind,
    Criticality,
    EntityStatus,
    Material,
    Reading,
    ReadingSource,
    Resource,
)
from inventory.models import Part, Vendor
from mms import roles
from people.models import Certification, Employee, EmployeeCertification
from plans import services as plan_services
from plans.models import (
    ActionKind,
    Activity,
    ActivityAction,
    BillOfPartsLine,
    ChangeSet,
    ChecklistItem,
    ChecklistItemKind,
    DataParameter,
    MaintenancePlan,
    PersonnelRequirement,
    PlanInstance,
    PlanVersion,
    Priority,
    ScheduleNextMode,
    ScheduleTransition,
    TimeUnit,
    TriggerKind,
)
from plans.services import ACTIVITY_CHILDREN

DEMO_PASSWORD = "mms-demo"
# (username, role group); the Makefile and README print this table.
DEMO_USERS: list[tuple[str, str]] = [
    ("technician", roles.TECHNICIAN),
    ("technician2", roles.TECHNICIAN),
    ("supervisor", roles.SUPERVISOR),
    ("planner", roles.PLANNER),
    ("storekeeper", roles.STOREKEEPER),
    ("requester", roles.REQUESTER),
    ("admin", roles.ADMINISTRATOR),
    ("integrator", roles.INTEGRATOR),
]
DEMO_STAFF_USERS = {"admin"}
# The demo's "today": certifications expire relative to it, readings lead up to it.
DEMO_TODAY = datetime.date(2026, 11, 23)
DEMO_TIME_ZONE = "Africa/Nairobi"
DEMO_CURRENCY = "KES"
DEMO_EMAIL_DOMAIN = "kisumu-water.example"
DEMO_CLINIC_EMAIL_DOMAIN = "kisumu-clinic.example"
DEMO_MANUAL_READING_WEEKS = 8  # one manual round a week, on the Monday morning
DEMO_SENSOR_READING_DAYS = 28  # SCADA totals once a day at local midnight
DEMO_MANUAL_READING_TIME = datetime.time(7, 30)
DEMO_CONSENT_AT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=zoneinfo.ZoneInfo(DEMO_TIME_ZONE))

# The plan programme's story, in demo time: drafted, submitted, approved and made effective (and the
# plans applied) in September; a second pump-inspection version drafted and a chlorinator change
# submitted in November.
DEMO_PLANS_DRAFTED = datetime.datetime.combine(
    DEMO_TODAY - datetime.timedelta(weeks=11), datetime.time(9, 0), tzinfo=zoneinfo.ZoneInfo(DEMO_TIME_ZONE)
)
DEMO_PLANS_SUBMITTED = DEMO_PLANS_DRAFTED + datetime.timedelta(days=4, hours=7)
DEMO_PLANS_APPROVED = DEMO_PLANS_DRAFTED + datetime.timedelta(days=7, hours=1, minutes=30)
DEMO_PLANS_EFFECTIVE = DEMO_PLANS_DRAFTED + datetime.timedelta(days=7, hours=2)
DEMO_PLANS_START = DEMO_TODAY - datetime.timedelta(weeks=7)  # first due dates count from here
DEMO_PUMP_V2_DRAFTED = DEMO_PLANS_DRAFTED + datetime.timedelta(weeks=10, hours=1)
DEMO_CHLORINE_V2_DRAFTED = DEMO_PLANS_DRAFTED + datetime.timedelta(weeks=9, hours=5)
DEMO_CHLORINE_V2_SUBMITTED = DEMO_PLANS_DRAFTED + datetime.timedelta(weeks=10, days=3, hours=6)

SITE_RIVERSIDE = "WTP-RIV"
SITE_HILLTOP = "RES-HIL"
SITE_CLINIC = "CLN-KDC"

M = TypeVar("M", bound=models.Model)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


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


def _differs(obj: models.Model, name: str, wanted: Any) -> bool:
    field = obj._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        return bool(getattr(obj, field.attname) != (wanted.pk if wanted is not None else None))
    return bool(getattr(obj, name) != wanted)


def upsert(
    model: type[M],
    lookup: dict[str, Any],
    values: dict[str, Any] | None = None,
    *,
    on_create: Callable[[M], None] | None = None,
) -> tuple[M, Outcome]:
    """Create the row found by ``lookup`` with ``values``, or save it only if some value differs.

    Saving nothing on a no-op keeps history clean; ``on_create`` prepares a new row (e.g. sets a password).
    """
    values = values or {}
    try:
        obj = model._default_manager.get(**lookup)
    except ObjectDoesNotExist:
        obj = model(**lookup, **values)
        if on_create is not None:
            on_create(obj)
        obj.full_clean()
        obj.save()
        return obj, Outcome.CREATED
    changed = [name for name, wanted in values.items() if _differs(obj, name, wanted)]
    if not changed:
        return obj, Outcome.UNCHANGED
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean()
    obj.save()
    return obj, Outcome.UPDATED


def set_m2m(obj: models.Model, name: str, targets: Iterable[models.Model]) -> bool:
    """Make a many-to-many field hold exactly ``targets``; touch nothing (and write no history) if it does."""
    manager = getattr(obj, name)
    wanted = list(targets)
    if set(manager.values_list("pk", flat=True)) == {target.pk for target in wanted}:
        return False
    manager.set(wanted)
    return True


def _at(day: datetime.date, time: datetime.time = datetime.time(0, 0)) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(DEMO_TIME_ZONE))


def _wobble(step: int) -> Decimal:
    """A deterministic factor between 0.9 and 1.1, so weekly usage does not look machine-made."""
    return Decimal(1) + Decimal((step * 37) % 11 - 5) / 50


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


class DemoLoader:
    """Loads each part of the demo in dependency order and tallies what it did."""

    def __init__(self) -> None:
        self.tally: Tally[str] = Tally()
        self.areas: dict[str, Area] = {}
        self.resources: dict[str, Resource] = {}
        self.containers: dict[str, Container] = {}
        self.users: dict[str, User] = {}
        self.certifications: dict[str, Certification] = {}

    # --- helpers -------------------------------------------------------------------------------
    def put(
        self,
        model: type[M],
        lookup: dict[str, Any],
        values: dict[str, Any] | None = None,
        *,
        on_create: Callable[[M], None] | None = None,
    ) -> tuple[M, Outcome]:
        obj, outcome = upsert(model, lookup, values, on_create=on_create)
        self.tally[outcome] += 1
        return obj, outcome

    def link(self, obj: models.Model, outcome: Outcome, name: str, targets: Iterable[models.Model]) -> None:
        if set_m2m(obj, name, targets) and outcome is Outcome.UNCHANGED:
            self.tally[Outcome.UNCHANGED] -= 1
            self.tally[Outcome.UPDATED] += 1

    def area(self, code: str, kind: str, name: str, parent: str | None = None, **values: Any) -> Area:
        area, _outcome = self.put(
            Area,
            {"code": code},
            {"kind": kind, "name": name, "parent": self.areas[parent] if parent else None, **values},
        )
        self.areas[code] = area
        return area

    def resource(self, tag: str, name: str, area: str, **values: Any) -> Resource:
        resource, _outcome = self.put(Resource, {"tag": tag}, {"name": name, "area": self.areas[area], **values})
        self.resources[tag] = resource
        return resource

    def container(self, tag: str, name: str, area: str, **values: Any) -> Container:
        container, _outcome = self.put(Container, {"tag": tag}, {"name": name, "area": self.areas[area], **values})
        self.containers[tag] = container
        return container

    def counter(self, entity: Resource | Container, name: str, kind: str, unit: str, description: str = "") -> Counter:
        field = "resource" if isinstance(entity, Resource) else "container"
        counter, _outcome = self.put(
            Counter, {field: entity, "name": name}, {"kind": kind, "unit": unit, "description": description}
        )
        return counter

    def readings(
        self,
        counter: Counter,
        values: Sequence[Decimal],
        times: Sequence[datetime.datetime],
        *,
        source: str = ReadingSource.MANUAL,
        entered_by: User | None = None,
    ) -> None:
        # Oldest first, so each reading is validated against the one before it.
        for taken_at, value in zip(times, values, strict=True):
            self.put(
                Reading,
                {"counter": counter, "taken_at": taken_at},
                {"value": value, "source": source, "entered_by": entered_by, "note": ""},
            )

    @staticmethod
    def weekly_times() -> list[datetime.datetime]:
        return [
            _at(DEMO_TODAY - datetime.timedelta(weeks=week), DEMO_MANUAL_READING_TIME)
            for week in range(DEMO_MANUAL_READING_WEEKS, 0, -1)
        ]

    @staticmethod
    def daily_times() -> list[datetime.datetime]:
        return [_at(DEMO_TODAY - datetime.timedelta(days=day)) for day in range(DEMO_SENSOR_READING_DAYS, 0, -1)]

    @staticmethod
    def cumulative(
        start: str, per_step: str, steps: int, *, resolution: str = "0.1", stop_after: int | None = None
    ) -> list[Decimal]:
        """A growing meter: ``start`` then about ``per_step`` more each step (nothing after ``stop_after``)."""
        value, result = Decimal(start), []
        for step in range(steps):
            if step and (stop_after is None or step < stop_after):
                value += (Decimal(per_step) * _wobble(step)).quantize(Decimal(resolution))
            result.append(value)
        return result

    # --- sections ------------------------------------------------------------------------------
    def load(self) -> dict[str, int]:
        self.load_areas()
        self.load_users_and_people()
        self.load_equipment()
        self.load_inventory()
        self.load_store()
        self.load_plans()
        return {outcome.value: self.tally[outcome] for outcome in Outcome}

    def load_areas(self) -> None:
        self.area(
            SITE_RIVERSIDE,
            AreaKind.SITE,
            "Riverside Water Treatment Plant",
            time_zone=DEMO_TIME_ZONE,
            latitude=Decimal("-0.137512"),
            longitude=Decimal("34.739840"),
            address="Dunga Road, off Kisumu-Kendu Bay Road\nP.O. Box 1402-40100\nKisumu, Kenya",
            outline={
                "type": "Polygon",
                "coordinates": [
                    [[34.7386, -0.1366], [34.7411, -0.1366], [34.7411, -0.1385], [34.7386, -0.1385], [34.7386, -0.1366]]
                ],
            },
        )
        self.area("WTP-RIV-INT", AreaKind.BUILDING, "Intake and raw-water pump house", SITE_RIVERSIDE)
        self.area("WTP-RIV-INT-PH", AreaKind.SPACE, "Pump hall", "WTP-RIV-INT")
        self.area("WTP-RIV-INT-MCC", AreaKind.SPACE, "Motor control centre room", "WTP-RIV-INT")
        self.area("WTP-RIV-TRT", AreaKind.BUILDING, "Treatment building", SITE_RIVERSIDE)
        self.area("WTP-RIV-TRT-GF", AreaKind.FLOOR, "Ground floor", "WTP-RIV-TRT")
        self.area("WTP-RIV-TRT-GF-FG", AreaKind.SPACE, "Filter gallery", "WTP-RIV-TRT-GF")
        self.area("WTP-RIV-TRT-GF-LAB", AreaKind.SPACE, "Water quality laboratory", "WTP-RIV-TRT-GF")
        self.area("WTP-RIV-TRT-1F", AreaKind.FLOOR, "First floor", "WTP-RIV-TRT")
        self.area("WTP-RIV-TRT-1F-CR", AreaKind.SPACE, "Control room (SCADA)", "WTP-RIV-TRT-1F")
        self.area("WTP-RIV-CHM", AreaKind.BUILDING, "Chemical store and dosing house", SITE_RIVERSIDE)
        self.area("WTP-RIV-CHM-CL2", AreaKind.SPACE, "Chlorine room", "WTP-RIV-CHM")
        self.area("WTP-RIV-CHM-HYP", AreaKind.SPACE, "Hypochlorite store", "WTP-RIV-CHM")
        self.area("WTP-RIV-GEN", AreaKind.BUILDING, "Generator house", SITE_RIVERSIDE)
        self.area("WTP-RIV-YRD", AreaKind.ZONE, "Clear-water tank and vehicle yard", SITE_RIVERSIDE)

        self.area(
            SITE_HILLTOP,
            AreaKind.SITE,
            "Hilltop Reservoir & Booster Station",
            time_zone=DEMO_TIME_ZONE,
            latitude=Decimal("-0.041870"),
            longitude=Decimal("34.801520"),
            address="Kajulu Hill, Kisumu East\nKisumu, Kenya",
        )
        self.area("RES-HIL-BPH", AreaKind.BUILDING, "Booster pump house", SITE_HILLTOP)
        self.area("RES-HIL-CMP", AreaKind.SPACE, "Reservoir compound", SITE_HILLTOP)

        self.area(
            SITE_CLINIC,
            AreaKind.SITE,
            "Kisumu District Clinic",
            time_zone=DEMO_TIME_ZONE,
            latitude=Decimal("-0.091650"),
            longitude=Decimal("34.767930"),
            address="Jomo Kenyatta Highway\nP.O. Box 849-40100\nKisumu, Kenya",
        )
        self.area("CLN-KDC-MB", AreaKind.BUILDING, "Main block", SITE_CLINIC)
        self.area("CLN-KDC-MB-GF", AreaKind.FLOOR, "Ground floor", "CLN-KDC-MB")
        self.area("CLN-KDC-MB-GF-CSSD", AreaKind.SPACE, "Sterile services (CSSD)", "CLN-KDC-MB-GF")
        self.area("CLN-KDC-MB-GF-WA", AreaKind.SPACE, "Ward A (medical)", "CLN-KDC-MB-GF")
        self.area("CLN-KDC-MB-GF-MAT", AreaKind.SPACE, "Maternity ward", "CLN-KDC-MB-GF")
        self.area("CLN-KDC-UTL", AreaKind.BUILDING, "Generator and utilities house", SITE_CLINIC)

    def load_users_and_people(self) -> None:
        water, clinic = DEMO_EMAIL_DOMAIN, DEMO_CLINIC_EMAIL_DOMAIN
        riverside_and_hilltop = [SITE_RIVERSIDE, SITE_HILLTOP]
        # fmt: off
        employees = [
            # code, user, first and last name, trade, hourly rate (KES), e-mail domain, member of sites
            ("EMP-0101", "technician", "Peter", "Otieno", "Mechanical technician", "650.00", water, riverside_and_hilltop),
            ("EMP-0102", "supervisor", "Grace", "Wanjiru", "Maintenance supervisor", "950.00", water, riverside_and_hilltop),
            ("EMP-0103", "planner", "Samuel", "Kiprop", "Maintenance planner", "900.00", water, [*riverside_and_hilltop, SITE_CLINIC]),
            ("EMP-0104", "storekeeper", "Mercy", "Achieng", "Storekeeper", "550.00", water, [SITE_RIVERSIDE]),
            ("EMP-0105", None, "Joseph", "Omondi", "Electrician", "700.00", water, riverside_and_hilltop),
            ("EMP-0106", None, "Faith", "Chebet", "Plant operator", "500.00", water, [SITE_RIVERSIDE]),
            ("EMP-0201", "technician2", "Brian", "Mwangi", "Biomedical technician", "750.00", clinic, [SITE_CLINIC]),
            ("EMP-0202", "requester", "Esther", "Nyambura", "Nursing officer", "600.00", clinic, [SITE_CLINIC]),
        ]
        # fmt: on
        # Users without an employee record are system accounts.
        names = {
            "admin": ("System", "Administrator", f"admin@{water}"),
            "integrator": ("SCADA", "Gateway", f"scada@{water}"),
        }
        for _code, username, first, last, *_rest, domain, _sites in employees:
            if username:
                names[username] = (first, last, f"{first}.{last}@{domain}".lower())

        groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLES)}
        hashes: list[str] = []

        def set_demo_password(user: User) -> None:
            # Hash once for all new users: eight slow PBKDF2 rounds would add seconds to the first `make run`.
            if not hashes:
                hashes.append(make_password(DEMO_PASSWORD))
            user.password = hashes[0]

        for username, role in DEMO_USERS:
            first, last, email = names[username]
            user, outcome = self.put(
                User,
                {"username": username},
                {
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "is_active": True,
                    "is_staff": username in DEMO_STAFF_USERS,
                    "is_superuser": False,
                },
                # Only a new user gets the demo password: a rerun must not re-hash (or reset) it.
                on_create=set_demo_password,
            )
            self.link(user, outcome, "groups", [groups[role]])
            self.users[username] = user

        by_code: dict[str, Employee] = {}
        for code, username, first, last, trade, rate, domain, site_codes in employees:
            consent = username == "technician"  # the on-call technician shares location on call-outs
            employee, outcome = self.put(
                Employee,
                {"code": code},
                {
                    "user": self.users[username] if username else None,
                    "name": f"{first} {last}",
                    "trade": trade,
                    "email": f"{first}.{last}@{domain}".lower(),
                    "phone": f"+254 700 000 {code[-3:]}",
                    "hourly_rate": Decimal(rate),
                    "currency": DEMO_CURRENCY,
                    "location_tracking_consent": consent,
                    "location_tracking_consent_at": DEMO_CONSENT_AT if consent else None,
                    "active": True,
                },
            )
            self.link(employee, outcome, "sites", [self.areas[site] for site in site_codes])
            by_code[code] = employee

        certifications = [
            ("CSE", "Confined space entry", "Directorate of Occupational Safety and Health Services", 24),
            ("HV-SW", "HV switching (11 kV)", "Energy and Petroleum Regulatory Authority", 36),
            ("CL2", "Chlorine handling", "Kenya Water Institute", 12),
            ("AUTOCLAVE", "Autoclave operator", "Directorate of Occupational Safety and Health Services", 24),
            ("BIOMED", "Biomedical equipment maintenance", "Kenya Medical Training College", 36),
        ]
        for code, name, body, months in certifications:
            self.certifications[code], _outcome = self.put(
                Certification,
                {"code": code},
                {"name": name, "issuing_body": body, "validity_months": months, "description": ""},
            )

        held = [
            # employee, certification, certificate number, valid from, valid to
            ("EMP-0101", "CSE", "DOSHS/CSE/2025/0417", datetime.date(2025, 3, 1), datetime.date(2027, 2, 28)),
            # Expires within 30 days of DEMO_TODAY: the "expiring soon" list has an entry.
            ("EMP-0101", "CL2", "KEWI/CL2/25/1188", datetime.date(2025, 12, 11), datetime.date(2026, 12, 10)),
            ("EMP-0102", "HV-SW", "EPRA/HV/2024/0093", datetime.date(2024, 6, 1), datetime.date(2027, 5, 31)),
            ("EMP-0102", "CL2", "KEWI/CL2/26/0204", datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)),
            ("EMP-0102", "CSE", "DOSHS/CSE/2025/0418", datetime.date(2025, 3, 1), datetime.date(2027, 2, 28)),
            # Expired: work needing HV switching must not be given to Joseph until he renews.
            ("EMP-0105", "HV-SW", "EPRA/HV/2023/0311", datetime.date(2023, 9, 1), datetime.date(2026, 8, 31)),
            ("EMP-0105", "CSE", "DOSHS/CSE/2026/0102", datetime.date(2026, 2, 1), datetime.date(2028, 1, 31)),
            ("EMP-0106", "CL2", "KEWI/CL2/26/0377", datetime.date(2026, 6, 15), datetime.date(2027, 6, 14)),
            ("EMP-0201", "BIOMED", "KMTC/BME/2024/0056", datetime.date(2024, 1, 15), datetime.date(2027, 1, 14)),
            ("EMP-0201", "AUTOCLAVE", "DOSHS/PV/2025/0712", datetime.date(2025, 7, 1), datetime.date(2027, 6, 30)),
        ]
        for employee_code, certification_code, number, valid_from, valid_to in held:
            self.put(
                EmployeeCertification,
                {
                    "employee": by_code[employee_code],
                    "certification": self.certifications[certification_code],
                    "valid_from": valid_from,
                },
                {"certificate_number": number, "valid_to": valid_to},
            )

    def load_equipment(self) -> None:
        technician, technician2, gateway = (self.users[name] for name in ("technician", "technician2", "integrator"))
        weekly, daily = self.weekly_times(), self.daily_times()
        weeks = len(weekly)

        # Riverside: three duty/duty/standby raw-water pumps with their motors.
        # fmt: off
        pumps = [
            # tag, serial, purchased, installed, warranty end, hours and starts at the first reading, then a week
            ("RIV-RWP-01", "NK150315-A-19-4711", "2019-02-14", "2019-04-02", "2021-04-01", "38210.0", "4266", "138", "11"),
            ("RIV-RWP-02", "NK150315-A-19-4712", "2019-02-14", "2019-04-02", "2021-04-01", "36974.5", "4130", "131", "10"),
            ("RIV-RWP-03", "NK150315-A-24-0936", "2024-05-20", "2024-06-11", "2026-06-10", "4120.0", "611", "46", "4"),
        ]
        # fmt: on
        for number, pump_data in enumerate(pumps, start=1):
            tag, serial, purchased, installed, warranty, hours, starts_at, per_week, starts_per_week = pump_data
            pump = self.resource(
                tag,
                f"Raw-water pump {number}",
                "WTP-RIV-INT-PH",
                manufacturer="Grundfos",
                model_number="NK 150-315/305 A2-F-A-E-BAQE",
                serial_number=serial,
                purchase_date=datetime.date.fromisoformat(purchased),
                installation_date=datetime.date.fromisoformat(installed),
                warranty_end=datetime.date.fromisoformat(warranty),
                criticality=Criticality.HIGH,
                status=EntityStatus.IN_SERVICE,
                description="End-suction pump, 420 m³/h at 38 m, lifting lake water to the treatment building."
                + (" Standby unit." if number == 3 else " Duty unit."),
            )
            self.resource(
                f"{tag}-M",
                f"Motor of raw-water pump {number}",
                "WTP-RIV-INT-PH",
                parent=pump,
                manufacturer="WEG",
                model_number="W22 IE3 90 kW 4P 280S/M",
                serial_number=f"1{serial[-4:]}0{number}77",
                purchase_date=datetime.date.fromisoformat(purchased),
                installation_date=datetime.date.fromisoformat(installed),
                warranty_end=datetime.date.fromisoformat(warranty),
                criticality=Criticality.HIGH,
            )
            hours_counter = self.counter(pump, "Operating hours", CounterKind.CUMULATIVE, "h")
            starts_counter = self.counter(pump, "Starts", CounterKind.CUMULATIVE, "cycles")
            self.readings(hours_counter, self.cumulative(hours, per_week, weeks), weekly, entered_by=technician)
            starts = self.cumulative(starts_at, starts_per_week, weeks, resolution="1")
            self.readings(starts_counter, starts, weekly, entered_by=technician)
        bearing = self.counter(
            self.resources["RIV-RWP-01"],
            "Bearing temperature (drive end)",
            CounterKind.GAUGE,
            "°C",
            "Infrared reading on the pump bearing housing; alarm above 80 °C.",
        )
        # Rising: the bearing is wearing, and a planner should see it on the trend.
        temperatures = ["61.5", "62.0", "63.2", "62.8", "64.1", "66.5", "68.0", "71.2"]
        self.readings(bearing, [Decimal(value) for value in temperatures], weekly, entered_by=technician)

        self.resource(
            "RIV-CHL-01",
            "Gas chlorinator",
            "WTP-RIV-CHM-CL2",
            manufacturer="Evoqua",
            model_number="V10K 10 kg/h vacuum chlorinator",
            serial_number="V10K-21-03388",
            purchase_date=datetime.date(2021, 8, 3),
            installation_date=datetime.date(2021, 9, 20),
            warranty_end=datetime.date(2023, 9, 19),
            criticality=Criticality.CRITICAL,
            description="Main disinfection on 900 kg chlorine drums; hypochlorite dosing is the backup.",
        )
        self.resource(
            "RIV-CHL-02",
            "Hypochlorite dosing pump",
            "WTP-RIV-CHM-HYP",
            manufacturer="ProMinent",
            model_number="gamma/ X GMXa 1604 PVT",
            serial_number="2023085471",
            purchase_date=datetime.date(2023, 2, 10),
            installation_date=datetime.date(2023, 3, 1),
            warranty_end=datetime.date(2025, 2, 28),
            criticality=Criticality.HIGH,
        )
        generator = self.resource(
            "RIV-GEN-01",
            "Standby diesel generator",
            "WTP-RIV-GEN",
            manufacturer="Cummins",
            model_number="C150 D5",
            serial_number="K19-0612345",
            purchase_date=datetime.date(2019, 1, 22),
            installation_date=datetime.date(2019, 3, 15),
            warranty_end=datetime.date(2021, 3, 14),
            criticality=Criticality.CRITICAL,
            description="150 kVA prime / 165 kVA standby; starts on mains failure (ATS). Weekly test run 30 min.",
        )
        self.readings(
            self.counter(generator, "Operating hours", CounterKind.CUMULATIVE, "h"),
            self.cumulative("2874.5", "4.5", weeks),
            weekly,
            entered_by=technician,
        )
        self.readings(
            self.counter(generator, "Starts", CounterKind.CUMULATIVE, "cycles"),
            self.cumulative("1312", "2", weeks, resolution="1"),
            weekly,
            entered_by=technician,
        )
        # fmt: off
        meters = [
            ("RIV-FM-01", "Raw-water flow meter", "WTP-RIV-INT-PH", "DN300", "7ME6520-5HF12-2AA2", "N1H8403112", "18450210", "9850"),
            ("RIV-FM-02", "Treated-water flow meter", "WTP-RIV-TRT-GF-FG", "DN250", "7ME6520-5DF12-2AA2", "N1H8403287", "17230455", "9420"),
        ]
        # fmt: on
        for tag, name, area, size, order_number, serial, total, per_day in meters:
            meter = self.resource(
                tag,
                name,
                area,
                manufacturer="Siemens",
                model_number=f"SITRANS FM MAG 5100 W {size} ({order_number}) with MAG 6000",
                serial_number=serial,
                purchase_date=datetime.date(2019, 2, 1),
                installation_date=datetime.date(2019, 4, 2),
                warranty_end=datetime.date(2021, 4, 1),
                criticality=Criticality.MEDIUM,
            )
            volume = self.counter(meter, "Totalised volume", CounterKind.CUMULATIVE, "m³", "Totaliser read by SCADA.")
            self.readings(
                volume,
                self.cumulative(total, per_day, len(daily)),
                daily,
                source=ReadingSource.SENSOR,
                entered_by=gateway,
            )
        clear_water = self.container(
            "RIV-CWT-01",
            "Clear-water tank",
            "WTP-RIV-YRD",
            container_type="tank",
            capacity=Decimal("1500.000"),
            capacity_unit="m³",
            status=EntityStatus.IN_SERVICE,
            description="Reinforced-concrete contact tank; cleaned and inspected every two years (confined space).",
        )
        residuals = ["0.8", "0.7", "0.9", "0.6", "0.8", "0.5", "0.7", "0.9"]
        self.readings(
            self.counter(clear_water, "Free chlorine residual", CounterKind.GAUGE, "mg/L", "Target 0.5 to 1.0 mg/L."),
            [Decimal(value) for value in residuals],
            weekly,
            entered_by=technician,
        )
        vehicle = self.container(
            "RIV-VEH-01",
            "Service vehicle KDA 482M (Toyota Hilux double cab)",
            "WTP-RIV-YRD",
            container_type="vehicle",
            capacity=None,
            capacity_unit="",
            status=EntityStatus.IN_SERVICE,
            description="Crew vehicle for the booster station and network call-outs. Service every 10,000 km.",
        )
        self.readings(
            self.counter(vehicle, "Odometer", CounterKind.CUMULATIVE, "km"),
            self.cumulative("84215", "410", weeks),
            weekly,
            entered_by=technician,
        )
        self.put(
            Material,
            {"code": "CHEM-NAOCL-12", "lot_number": "NH-2609-114"},
            {
                "name": "Sodium hypochlorite 12.5% (bulk)",
                "area": self.areas["WTP-RIV-CHM-HYP"],
                "quantity": Decimal("1800.000"),
                "unit": "l",
                "expiry_date": datetime.date(2027, 1, 15),
                "description": "Loses strength in storage: use first in, first out; keep out of the sun.",
            },
        )
        self.put(
            Material,
            {"code": "CHEM-ALUM", "lot_number": "AS-2610-031"},
            {
                "name": "Aluminium sulphate, granular (alum)",
                "area": self.areas["WTP-RIV-CHM"],
                "quantity": Decimal("12500.000"),
                "unit": "kg",
                "expiry_date": None,
                "description": "Coagulant; 50 kg bags on pallets.",
            },
        )

        # Hilltop: one booster set and the reservoir.
        booster = self.resource(
            "HIL-BPS-01",
            "Booster pump set",
            "RES-HIL-BPH",
            manufacturer="Grundfos",
            model_number="Hydro MPC-E 3 CRE 32-2",
            serial_number="99145562-0007",
            purchase_date=datetime.date(2022, 10, 4),
            installation_date=datetime.date(2022, 11, 18),
            warranty_end=datetime.date(2024, 11, 17),
            criticality=Criticality.HIGH,
        )
        self.readings(
            self.counter(booster, "Operating hours", CounterKind.CUMULATIVE, "h"),
            self.cumulative("17640.0", "152", weeks),
            weekly,
            entered_by=technician,
        )
        self.container(
            "HIL-RES-01",
            "Hilltop reservoir",
            "RES-HIL-CMP",
            container_type="reservoir",
            capacity=Decimal("2500.000"),
            capacity_unit="m³",
            status=EntityStatus.IN_SERVICE,
            description="Two-compartment ground reservoir feeding Kajulu and Mamboleo by gravity.",
        )

        # Clinic: sterilisation, oxygen and backup power.
        autoclave = self.resource(
            "KDC-AC-01",
            "Autoclave",
            "CLN-KDC-MB-GF-CSSD",
            manufacturer="Tuttnauer",
            model_number="3870EA",
            serial_number="3870EA-2204117",
            purchase_date=datetime.date(2022, 3, 8),
            installation_date=datetime.date(2022, 4, 4),
            warranty_end=datetime.date(2024, 4, 3),
            criticality=Criticality.CRITICAL,
            description="85 l automatic benchtop autoclave for theatre and maternity instrument sets.",
        )
        self.readings(
            self.counter(autoclave, "Sterilisation cycles", CounterKind.CUMULATIVE, "cycles"),
            self.cumulative("4381", "24", weeks, resolution="1"),
            weekly,
            entered_by=technician2,
        )
        concentrators = [
            ("KDC-OC-01", "CLN-KDC-MB-GF-WA", "EF1210071845", EntityStatus.IN_SERVICE, "21870.0", None, ""),
            (
                "KDC-OC-02",
                "CLN-KDC-MB-GF-MAT",
                "EF1221104472",
                EntityStatus.DOWN,
                "14512.0",
                weeks - 2,  # stopped running two weeks ago
                "Down since the low oxygen-purity alarm (below 82 %); sieve beds suspected.",
            ),
        ]
        for number, (tag, area, serial, status, hours, stop_after, note) in enumerate(concentrators, start=1):
            concentrator = self.resource(
                tag,
                f"Oxygen concentrator {number}",
                area,
                manufacturer="Philips Respironics",
                model_number="EverFlo 1020000",
                serial_number=serial,
                purchase_date=datetime.date(2021, 6, 21),
                installation_date=datetime.date(2021, 7, 5),
                warranty_end=datetime.date(2024, 7, 4),
                criticality=Criticality.HIGH,
                status=status,
                description=note,
            )
            self.readings(
                self.counter(concentrator, "Operating hours", CounterKind.CUMULATIVE, "h"),
                self.cumulative(hours, "120", weeks, stop_after=stop_after),
                weekly,
                entered_by=technician2,
            )
        clinic_generator = self.resource(
            "KDC-GEN-01",
            "Standby diesel generator",
            "CLN-KDC-UTL",
            manufacturer="Cummins",
            model_number="C44 D5",
            serial_number="K18-0574102",
            purchase_date=datetime.date(2018, 9, 12),
            installation_date=datetime.date(2018, 10, 29),
            warranty_end=datetime.date(2020, 10, 28),
            criticality=Criticality.CRITICAL,
            status=EntityStatus.ON_HOLD,
            description="On hold: 500-hour service overdue; run only on mains failure until serviced.",
        )
        self.readings(
            self.counter(clinic_generator, "Operating hours", CounterKind.CUMULATIVE, "h"),
            self.cumulative("6218.0", "9", weeks),
            weekly,
            entered_by=technician2,
        )

    def load_inventory(self) -> None:
        vendors = [
            {
                "code": "V-LPE",
                "name": "Lakeside Pumps & Engineering Ltd",
                "contact_name": "Daniel Ouma",
                "email": "sales@lakeside-pumps.example",
                "phone": "+254 700 100 201",
                "address": "Obote Road, Industrial Area\nP.O. Box 3310-40100\nKisumu, Kenya",
                "website": "https://lakeside-pumps.example",
                "tax_number": "P051234567K",
                "currency": DEMO_CURRENCY,
                "notes": "Grundfos and KSB service partner; 24 h call-out for pumps.",
            },
            {
                "code": "V-NPS",
                "name": "Nyanza Power Systems",
                "contact_name": "Ruth Akinyi",
                "email": "service@nyanza-power.example",
                "phone": "+254 700 100 202",
                "address": "Kibos Road\nKisumu, Kenya",
                "website": "https://nyanza-power.example",
                "tax_number": "P051998877M",
                "currency": DEMO_CURRENCY,
                "notes": "Cummins generator service and Fleetguard filters.",
            },
            {
                "code": "V-MEA",
                "name": "MedEquip East Africa Ltd",
                "contact_name": "Dr. Alice Njeri",
                "email": "support@medequip-ea.example",
                "phone": "+254 700 100 203",
                "address": "Mombasa Road\nP.O. Box 48812-00100\nNairobi, Kenya",
                "website": "https://medequip-ea.example",
                "tax_number": "P052445566Q",
                "currency": "USD",
                "notes": "Tuttnauer and Philips Respironics distributor; parts imported, 3 to 6 weeks.",
            },
            {
                "code": "V-KIS",
                "name": "Kisumu Industrial Supplies",
                "contact_name": "Hassan Abdi",
                "email": "orders@kisumu-industrial.example",
                "phone": "+254 700 100 204",
                "address": "Oginga Odinga Street\nKisumu, Kenya",
                "website": "",
                "tax_number": "P051776655A",
                "currency": DEMO_CURRENCY,
                "notes": "Bearings, belts, oils, chlorination consumables.",
            },
        ]
        for vendor in vendors:
            values = dict(vendor)
            self.put(Vendor, {"code": values.pop("code")}, {**values, "active": True})

        # fmt: off
        parts = [
            # part number, description, unit, manufacturer, manufacturer part number,
            # minimum, reorder point, reorder quantity, unit cost, currency
            ("MS-NK150-48", "Mechanical seal 48 mm BAQE for NK 150-315", "pcs", "Grundfos", "96488304", "1", "2", "2", "38500.00", "KES"),
            ("BRG-6309-2Z", "Deep groove ball bearing 6309-2Z", "pcs", "SKF", "6309-2Z", "2", "4", "6", "4850.00", "KES"),
            ("BRG-6312-2Z", "Deep groove ball bearing 6312-2Z (motor drive end)", "pcs", "SKF", "6312-2Z", "1", "2", "4", "9600.00", "KES"),
            ("VB-XPA-1250", "V-belt XPA 1250 (generator radiator fan)", "pcs", "Gates", "XPA1250", "2", "2", "4", "1450.00", "KES"),
            ("FLT-OIL-LF3000", "Lube oil filter, Cummins 6BT", "pcs", "Fleetguard", "LF3000", "2", "3", "6", "2350.00", "KES"),
            ("FLT-FUEL-FS1280", "Fuel filter / water separator", "pcs", "Fleetguard", "FS1280", "2", "3", "6", "2900.00", "KES"),
            ("FLT-AIR-AF25139", "Air filter element, primary", "pcs", "Fleetguard", "AF25139M", "1", "2", "2", "6800.00", "KES"),
            ("OIL-15W40", "Engine oil SAE 15W-40, Premium Blue", "l", "Cummins", "CPB-15W40-20L", "20", "40", "100", "640.00", "KES"),
            ("GSK-3870-DOOR", "Door gasket for Tuttnauer 3870", "pcs", "Tuttnauer", "POL035-0024", "1", "1", "2", "96.00", "USD"),
            ("FLT-OC-INLET", "Air inlet filter, EverFlo", "pcs", "Philips Respironics", "1041209", "4", "6", "12", "7.50", "USD"),
            ("FLT-OC-CABINET", "Cabinet (gross particle) filter, EverFlo", "pcs", "Philips Respironics", "1039659", "2", "4", "8", "9.80", "USD"),
            ("KIT-GMXA-DIA", "Diaphragm spare parts kit, gamma/ X 1604 PVT", "set", "ProMinent", "1100249", "1", "1", "1", "185.00", "USD"),
            ("KIT-V10K-VR", "Vacuum regulator repair kit, V10K", "set", "Evoqua", "U26440", "1", "1", "1", "410.00", "USD"),
            ("GSK-CL2-LEAD", "Lead gasket for chlorine drum connection", "pcs", "Evoqua", "P17405", "10", "20", "50", "120.00", "KES"),
        ]
        # fmt: on
        for number, description, unit, maker, maker_number, minimum, point, quantity, cost, currency in parts:
            self.put(
                Part,
                {"part_number": number},
                {
                    "description": description,
                    "unit": unit,
                    "manufacturer": maker,
                    "manufacturer_part_number": maker_number,
                    "minimum_quantity": Decimal(minimum),
                    "reorder_point": Decimal(point),
                    "reorder_quantity": Decimal(quantity),
                    "unit_cost": Decimal(cost),
                    "currency": currency,
                    "active": True,
                },
            )

    def load_store(self) -> None:
        """Riverside's main store with stock, reorder points reached and a purchase order to receive (made
        once through the services, see ``mms.demo.inventory``); the site's budget; warranty and service contracts."""
        from inventory.models import Budget, Contract, ContractKind
        from mms.demo import inventory as store_demo

        riverside = self.areas[SITE_RIVERSIDE]
        before = store_demo.store_rows()
        store_demo.load_store(
            site=riverside,
            storekeeper=self.users["storekeeper"],
            approver=self.users["supervisor"],
            today=DEMO_TODAY,
            time_zone=DEMO_TIME_ZONE,
        )
        self.tally[Outcome.UNCHANGED] += before
        self.tally[Outcome.CREATED] += store_demo.store_rows() - before
        self.put(
            Budget,
            {"site": riverside, "year": DEMO_TODAY.year, "currency": DEMO_CURRENCY},
            {"amount": Decimal("4500000.00"), "note": "Maintenance: parts, labour and contractors"},
        )
        contracts = [
            ("W-LPE-2024-118", ContractKind.WARRANTY, "Extended pump warranty", "V-LPE", "RIV-RWP-03",
             datetime.date(2024, 12, 15), DEMO_TODAY + datetime.timedelta(days=20), "0.00"),
            ("S-NPS-2026-07", ContractKind.SERVICE, "Generator service agreement", "V-NPS", "RIV-GEN-01",
             datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), "240000.00"),
        ]  # fmt: skip
        for number, kind, title, vendor, tag, starts_on, ends_on, value in contracts:
            contract, outcome = self.put(
                Contract,
                {"number": number},
                {
                    "kind": kind,
                    "title": title,
                    "vendor": Vendor.objects.get(code=vendor),
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "notice_days": 30,
                    "value": Decimal(value),
                    "currency": DEMO_CURRENCY,
                },
            )
            self.link(contract, outcome, "resources", [self.resources[tag]])

    # --- plans -----------------------------------------------------------------------------------
    def load_plans(self) -> None:
        """The maintenance plans, made once through the services as a planner and a supervisor would.

        A plan whose code exists is left as it is: plans change by new versions, which a loader must not
        invent, so a later run adds nothing (and counts the demo plans' rows as unchanged).
        """
        specs = demo_plans()
        codes = [spec.code for spec in specs]
        before = plan_rows(codes)
        existing = set(MaintenancePlan.objects.filter(code__in=codes).values_list("code", flat=True))
        missing = [spec for spec in specs if spec.code not in existing]
        if missing:
            self.create_plans(missing)
        self.tally[Outcome.UNCHANGED] += before
        self.tally[Outcome.CREATED] += plan_rows(codes) - before

    def create_plans(self, specs: list[DemoPlan]) -> None:
        planner, supervisor = self.users["planner"], self.users["supervisor"]
        owner_role = Group.objects.get(name=roles.SUPERVISOR)
        versions: dict[str, PlanVersion] = {}
        with pinned_clock(DEMO_PLANS_DRAFTED):
            change_set = plan_services.changeset_create(
                user=planner,
                name="Preventive maintenance programme",
                description="First plans for the treatment plant, the booster station and the clinic.",
            )
            for spec in specs:
                version = plan_services.plan_create(
                    user=planner, code=spec.code, name=spec.name, description=spec.description, change_set=change_set
                )
                for position, activity in enumerate(spec.activities, start=1):
                    self.add_activity(version, activity, position, planner)
                versions[spec.code] = version
        with pinned_clock(DEMO_PLANS_SUBMITTED):
            plan_services.changeset_submit(change_set=change_set, user=planner)
        with pinned_clock(DEMO_PLANS_APPROVED):
            plan_services.changeset_approve(
                change_set=change_set, user=supervisor, comment="Agreed with operations; start in October."
            )
        with pinned_clock(DEMO_PLANS_EFFECTIVE):
            for spec in specs:
                version = plan_services.version_make_effective(version=versions[spec.code], user=planner)
                plan_services.plan_apply(
                    plan=version.plan,
                    entities=[self.entity(kind, key) for kind, key in spec.entities],
                    owner_role=owner_role,
                    start_date=spec.start_date,
                    user=planner,
                )
        if PUMP_INSPECTION in versions:
            self.draft_pump_inspection_v2(versions[PUMP_INSPECTION].plan, planner)
        if CHLORINATOR_CHECK in versions:
            self.submit_chlorinator_v2(versions[CHLORINATOR_CHECK].plan, planner)

    def entity(self, kind: str, key: str) -> Area | Resource | Container:
        if kind == "area":
            return self.areas[key]
        return self.resources[key] if kind == "resource" else self.containers[key]

    def add_activity(self, version: PlanVersion, spec: DemoActivity, position: int, user: User) -> Activity:
        technician = Group.objects.get(name=roles.TECHNICIAN)
        activity = Activity(
            version=version, code=spec.code, name=spec.name, position=position, executing_role=technician, **spec.fields
        )
        plan_services.draft_content_save(obj=activity, user=user)
        rows: list[Any] = [
            ChecklistItem(activity=activity, position=n, **item) for n, item in enumerate(spec.checklist, 1)
        ]
        rows += [
            BillOfPartsLine(activity=activity, part=Part.objects.get(part_number=number), quantity=Decimal(quantity))
            for number, quantity in spec.parts
        ]
        rows += [DataParameter(activity=activity, position=n, **values) for n, values in enumerate(spec.data, 1)]
        rows += [
            PersonnelRequirement(
                activity=activity,
                count=count,
                certification=self.certifications[certification] if certification else None,
                trade=trade,
                estimated_hours=Decimal(hours),
            )
            for count, certification, trade, hours in spec.personnel
        ]
        rows += [
            ActivityAction(activity=activity, on_transition=transition, kind=kind, settings=settings)
            for transition, kind, settings in spec.actions
        ]
        for row in rows:
            plan_services.draft_content_save(obj=row, user=user)
        return activity

    def draft_pump_inspection_v2(self, plan: MaintenancePlan, planner: User) -> None:
        """A second version still being edited: the version diff has something to show."""
        with pinned_clock(DEMO_PUMP_V2_DRAFTED):
            change_set = plan_services.changeset_create(
                user=planner,
                name="Pump inspection: motor cooling",
                description="Two motors ran hot in October with fan covers clogged by lake flies.",
            )
            draft = plan_services.version_create_draft(
                plan=plan, user=planner, change_set=change_set, notes="Adds a check of the motor fan cover."
            )
            activity = draft.activities.get(code="monthly-inspection")
            plan_services.draft_content_save(
                obj=ChecklistItem(
                    activity=activity,
                    position=activity.checklist_items.count() + 1,
                    text="Motor fan cover clean: no insects or debris blocking the air flow",
                    kind=ChecklistItemKind.PASS_FAIL,
                ),
                user=planner,
            )

    def submit_chlorinator_v2(self, plan: MaintenancePlan, planner: User) -> None:
        """A change waiting for the supervisor's approval."""
        with pinned_clock(DEMO_CHLORINE_V2_DRAFTED):
            change_set = plan_services.changeset_create(
                user=planner,
                name="Chlorinator check: residual limits",
                description="The county health office asks for at least 0.5 mg/L free chlorine at the tank outlet.",
            )
            draft = plan_services.version_create_draft(
                plan=plan, user=planner, change_set=change_set, notes="Residual: action below 0.5, warning below 0.8."
            )
            residual = DataParameter.objects.get(activity__version=draft, name="Free chlorine residual")
            residual.lower_action_limit, residual.lower_warning_limit = Decimal("0.5"), Decimal("0.8")
            plan_services.draft_content_save(obj=residual, user=planner)
        with pinned_clock(DEMO_CHLORINE_V2_SUBMITTED):
            plan_services.changeset_submit(change_set=change_set, user=planner)


def plan_rows(codes: Sequence[str]) -> int:
    """How many rows the plans with these codes have: the plans, their versions, activities and what
    those carry, their instances, and the change sets of their versions."""
    plans = MaintenancePlan.objects.filter(code__in=codes)
    versions = PlanVersion.objects.filter(plan__in=plans)
    activities = Activity.objects.filter(version__in=versions)
    total = plans.count() + versions.count() + activities.count()
    for model, _name in ACTIVITY_CHILDREN:
        rows: Any = model._default_manager  # every child has an ``activity``; the base class does not say so
        total += rows.filter(activity__in=activities).count()
    total += PlanInstance.objects.filter(plan__in=plans).count()
    total += ChangeSet.objects.filter(versions__in=versions).distinct().count()
    return total


@contextmanager
def pinned_clock(when: datetime.datetime) -> Iterator[None]:
    """Move every time the plan services stamp inside the block (with now()) to the demo time ``when``.

    The services record when things were created, submitted, approved and made effective, and history
    rows record when they were written; the demo must read the same whichever day it is loaded. Rows
    are found by their stamps falling between entering and leaving the block, and changed with
    ``update()``, which writes no further history.
    """
    start = timezone.now()
    yield
    end = timezone.now()
    for model in apps.get_app_config("plans").get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.DateTimeField):
                name = model_field.attname
                model._base_manager.filter(**{f"{name}__range": (start, end)}).update(**{name: when})


def load_demo() -> dict[str, int]:
    """Load (or bring back) the demo data; return how many rows were created, updated and left unchanged."""
    with transaction.atomic():
        counts = DemoLoader().load()
        # Readings were written directly: give counters their latest value, as the reading service does.
        Counter.objects.refresh_latest()
        return counts
