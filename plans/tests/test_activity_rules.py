"""Single-row rules of activities and what they carry: ``full_clean()`` names the field, the database refuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.testing import assert_clean_refuses, assert_database_refuses
from inventory.factories import PartFactory
from plans.factories import (
    ActivityActionFactory,
    ActivityFactory,
    BillOfPartsLineFactory,
    ChecklistItemFactory,
    DataParameterFactory,
    PersonnelRequirementFactory,
    PlanVersionFactory,
)
from plans.models import (
    LIMIT_ORDER,
    ActionKind,
    ChecklistItemKind,
    DataParameter,
    PlanVersion,
    ScheduleNextMode,
    ScheduleTransition,
    TimeUnit,
    TriggerKind,
    action_settings_error,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def version() -> PlanVersion:
    return PlanVersionFactory()


# --- Activities ----------------------------------------------------------------------------------
class TestValidActivities:
    @pytest.mark.parametrize(
        "traits",
        [
            {},
            {"usage": True},
            {"time_and_usage": True},
            {"ad_hoc": True},
            {"schedule_next_mode": ScheduleNextMode.FLOATING},
            {"schedule_next_mode": ScheduleNextMode.FIXED, "instances_to_schedule": 12, "time_unit": TimeUnit.YEARS},
            {"time_interval": 250, "time_unit": TimeUnit.HOURS, "time_early_window": 249},
            {"usage": True, "usage_early_window": D("249.999")},
            {"usage": True, "counter_unit": ""},  # any unit the entity's counter has
            {"auto_accept": True},
            {"requires_signature": True},
        ],
    )
    def test_accepted_and_saved(self, version: PlanVersion, traits: dict[str, Any]) -> None:
        activity = ActivityFactory.build(version=version, **traits)
        activity.full_clean()
        activity.save()


# (overrides of a valid activity, field full_clean names, whether a database constraint also refuses it)
ACTIVITY_RULES: list[tuple[str, dict[str, Any], str, bool]] = [
    # Every trigger needs its parameters.
    ("time without interval", {"time_interval": None}, "time_interval", True),
    ("time with interval 0", {"time_interval": 0}, "time_interval", True),
    ("time without unit", {"time_unit": ""}, "time_unit", True),
    ("usage without interval", {"usage": True, "usage_interval": None}, "usage_interval", True),
    ("usage with interval 0", {"usage": True, "usage_interval": D(0)}, "usage_interval", True),
    ("usage without counter", {"usage": True, "counter_name": ""}, "counter_name", True),
    ("time and usage without time interval", {"time_and_usage": True, "time_interval": None}, "time_interval", True),
    ("time and usage without unit", {"time_and_usage": True, "time_unit": ""}, "time_unit", True),
    ("time and usage without usage interval", {"time_and_usage": True, "usage_interval": None}, "usage_interval", True),
    ("time and usage without counter", {"time_and_usage": True, "counter_name": ""}, "counter_name", True),
    # Time fields only for time triggers.
    ("usage with a time interval", {"usage": True, "time_interval": 1}, "time_interval", True),
    ("usage with a time unit", {"usage": True, "time_unit": TimeUnit.DAYS}, "time_interval", True),
    ("usage with a time early window", {"usage": True, "time_early_window": 2}, "time_early_window", False),
    ("usage with a time late tolerance", {"usage": True, "time_late_tolerance": 2}, "time_early_window", False),
    ("ad hoc with a time interval", {"ad_hoc": True, "time_interval": 1, "time_unit": "days"}, "time_interval", True),
    # Usage fields only for usage triggers.
    ("time watching a counter", {"counter_name": "Operating hours"}, "usage_interval", True),
    ("time with a usage interval", {"usage_interval": D(100)}, "usage_interval", True),
    ("time with a counter unit", {"counter_unit": "h"}, "usage_interval", False),
    ("time with a usage early window", {"usage_early_window": D(5)}, "usage_early_window", False),
    ("time with a usage late tolerance", {"usage_late_tolerance": D(5)}, "usage_early_window", False),
    ("ad hoc watching a counter", {"ad_hoc": True, "counter_name": "Operating hours"}, "usage_interval", True),
    # Ad hoc has no schedule mode; the others need one.
    ("ad hoc fixed", {"ad_hoc": True, "schedule_next_mode": ScheduleNextMode.FIXED}, "schedule_next_mode", True),
    ("ad hoc floating", {"ad_hoc": True, "schedule_next_mode": ScheduleNextMode.FLOATING}, "schedule_next_mode", True),
    ("time without schedule mode", {"schedule_next_mode": ""}, "schedule_next_mode", True),
    ("usage without schedule mode", {"usage": True, "schedule_next_mode": ""}, "schedule_next_mode", True),
    ("unknown schedule mode", {"schedule_next_mode": "random"}, "schedule_next_mode", True),
    # Several instances ahead only for fixed time triggers.
    (
        "instances with floating time",
        {"schedule_next_mode": ScheduleNextMode.FLOATING, "instances_to_schedule": 3},
        "instances_to_schedule",
        True,
    ),
    (
        "instances with fixed usage",
        {"usage": True, "schedule_next_mode": ScheduleNextMode.FIXED, "instances_to_schedule": 3},
        "instances_to_schedule",
        True,
    ),
    (
        "instances with fixed time and usage",
        {"time_and_usage": True, "schedule_next_mode": ScheduleNextMode.FIXED, "instances_to_schedule": 3},
        "instances_to_schedule",
        True,
    ),
    ("instances with ad hoc", {"ad_hoc": True, "instances_to_schedule": 2}, "instances_to_schedule", True),
    ("no instances at all", {"instances_to_schedule": 0}, "instances_to_schedule", True),
    # The early window is shorter than the interval.
    (
        "time early window equal",
        {"time_interval": 7, "time_unit": "days", "time_early_window": 7},
        "time_early_window",
        True,
    ),
    (
        "time early window longer",
        {"time_interval": 7, "time_unit": "days", "time_early_window": 9},
        "time_early_window",
        True,
    ),
    ("usage early window equal", {"usage": True, "usage_early_window": D(250)}, "usage_early_window", True),
    ("usage early window longer", {"usage": True, "usage_early_window": D(300)}, "usage_early_window", True),
    (
        "time and usage: time early window",
        {"time_and_usage": True, "time_early_window": 12},
        "time_early_window",
        True,
    ),
    (
        "time and usage: usage early window",
        {"time_and_usage": True, "usage_early_window": D(2000)},
        "usage_early_window",
        True,
    ),
    ("negative usage window", {"usage": True, "usage_early_window": D(-1)}, "usage_early_window", False),
    ("negative usage tolerance", {"usage": True, "usage_late_tolerance": D(-1)}, "usage_late_tolerance", False),
    # Acceptance.
    ("auto-accept with e-signature", {"auto_accept": True, "requires_signature": True}, "auto_accept", False),
    # Choices the database checks too.
    ("unknown trigger", {"trigger": "weekly"}, "trigger", True),
    ("unknown priority", {"priority": 9}, "priority", True),
]


class TestActivityRules:
    @pytest.mark.parametrize(
        ("overrides", "field", "in_database"),
        [pytest.param(o, f, d, id=name) for name, o, f, d in ACTIVITY_RULES],
    )
    def test_refused(self, version: PlanVersion, overrides: dict[str, Any], field: str, in_database: bool) -> None:
        activity = ActivityFactory.build(version=version, **overrides)
        assert_clean_refuses(activity, field)
        if in_database:
            assert_database_refuses(activity)
        else:
            activity.save()  # only clean() guards this rule

    def test_messages_are_human(self, version: PlanVersion) -> None:
        activity = ActivityFactory.build(version=version, time_interval=None, schedule_next_mode="")
        with pytest.raises(ValidationError) as excinfo:
            activity.full_clean()
        errors = excinfo.value.message_dict
        assert errors["time_interval"] == ["A time trigger needs an interval."]
        assert errors["schedule_next_mode"] == ["Choose fixed or floating scheduling."]

    def test_the_code_is_unique_within_a_version(self, version: PlanVersion) -> None:
        ActivityFactory(version=version, code="monthly")
        twin = ActivityFactory.build(version=version, code="monthly")
        with pytest.raises(ValidationError):
            twin.full_clean()
        assert_database_refuses(twin)
        # ...but the same code lives on in the plan's other versions.
        ActivityFactory(version=PlanVersionFactory(plan=version.plan), code="monthly")


# --- Checklist items -----------------------------------------------------------------------------
class TestChecklistItems:
    @pytest.mark.parametrize("kind", ChecklistItemKind.values)
    def test_every_kind_without_limits_is_accepted(self, kind: str) -> None:
        ChecklistItemFactory.build(activity=ActivityFactory(), kind=kind).full_clean()

    @pytest.mark.parametrize(
        "limits",
        [
            {"unit": "bar", "lower_limit": D(1), "upper_limit": D(5)},
            {"unit": "bar", "lower_limit": D(1)},
            {"unit": "bar", "upper_limit": D(5)},
            {"unit": "bar", "lower_limit": D(3), "upper_limit": D(3)},
            {},
        ],
    )
    def test_numbers_may_have_a_unit_and_limits(self, limits: dict[str, Any]) -> None:
        item = ChecklistItemFactory.build(activity=ActivityFactory(), kind=ChecklistItemKind.NUMBER, **limits)
        item.full_clean()
        item.save()

    @pytest.mark.parametrize("kind", [k for k in ChecklistItemKind.values if k != ChecklistItemKind.NUMBER])
    @pytest.mark.parametrize(
        "limits", [{"unit": "bar"}, {"lower_limit": D(1)}, {"upper_limit": D(5)}], ids=["unit", "lower", "upper"]
    )
    def test_limits_only_for_numbers(self, kind: str, limits: dict[str, Any]) -> None:
        item = ChecklistItemFactory.build(activity=ActivityFactory(), kind=kind, **limits)
        assert_clean_refuses(item, "unit")
        assert_database_refuses(item)

    def test_limits_are_ordered(self) -> None:
        item = ChecklistItemFactory.build(activity=ActivityFactory(), number=True, lower_limit=D(6), upper_limit=D(2))
        assert_clean_refuses(item, "upper_limit")
        assert_database_refuses(item)

    def test_unknown_kind(self) -> None:
        item = ChecklistItemFactory.build(activity=ActivityFactory(), kind="signature")
        assert_clean_refuses(item, "kind")
        assert_database_refuses(item)


# --- Data parameters -----------------------------------------------------------------------------
LIMIT_PAIRS = [(low, high) for i, low in enumerate(LIMIT_ORDER) for high in LIMIT_ORDER[i + 1 :]]
NO_LIMITS = dict.fromkeys(LIMIT_ORDER)


class TestDataParameters:
    def test_the_factory_limit_set_is_valid(self) -> None:
        DataParameterFactory.build(activity=ActivityFactory()).full_clean()

    @pytest.mark.parametrize(("low", "high"), LIMIT_PAIRS)
    def test_every_pair_of_limits_is_ordered(self, low: str, high: str) -> None:
        values = {**NO_LIMITS, low: D(50), high: D(10)}
        parameter = DataParameterFactory.build(activity=ActivityFactory(), **values)
        assert_clean_refuses(parameter, high)
        assert_database_refuses(parameter)

    @pytest.mark.parametrize(("low", "high"), LIMIT_PAIRS)
    def test_equal_limits_are_allowed(self, low: str, high: str) -> None:
        parameter = DataParameterFactory.build(activity=ActivityFactory(), **{**NO_LIMITS, low: D(10), high: D(10)})
        parameter.full_clean()
        parameter.save()

    def test_a_limit_out_of_order_among_four(self) -> None:
        parameter = DataParameterFactory.build(
            activity=ActivityFactory(),
            lower_action_limit=D(5),
            lower_warning_limit=D(10),
            upper_warning_limit=D(90),
            upper_action_limit=D(80),
        )
        with pytest.raises(ValidationError) as excinfo:
            parameter.full_clean()
        assert excinfo.value.message_dict["upper_action_limit"] == [
            "upper action limit must not be below upper warning limit."
        ]
        assert_database_refuses(parameter)

    def test_a_unit_is_required(self) -> None:
        parameter = DataParameterFactory.build(activity=ActivityFactory(), unit="")
        assert_clean_refuses(parameter, "unit")
        assert_database_refuses(parameter)

    def test_a_name_once_per_activity(self) -> None:
        first = DataParameterFactory(name="Vibration")
        twin = DataParameterFactory.build(activity=first.activity, name="Vibration")
        with pytest.raises(ValidationError):
            twin.full_clean()
        assert_database_refuses(twin)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (D(4), "action"),
            (D(5), "warning"),  # on the action limit: not beyond it
            (D(9), "warning"),
            (D(10), "in"),
            (D(35), "in"),
            (D(60), "in"),
            (D("60.01"), "warning"),
            (D(80), "warning"),
            (D(81), "action"),
        ],
    )
    def test_evaluate(self, value: Decimal, expected: str) -> None:
        parameter = DataParameter(
            name="Bearing temperature",
            unit="°C",
            lower_action_limit=D(5),
            lower_warning_limit=D(10),
            upper_warning_limit=D(60),
            upper_action_limit=D(80),
        )
        assert parameter.evaluate(value) == expected

    @pytest.mark.parametrize(
        ("limits", "value", "expected"),
        [
            ({}, D(-1000), "in"),
            ({"upper_action_limit": D("7.1")}, D("7.2"), "action"),
            ({"upper_action_limit": D("7.1")}, D("7.1"), "in"),
            ({"upper_warning_limit": D("4.5")}, D(5), "warning"),
            ({"upper_warning_limit": D("4.5"), "upper_action_limit": D("7.1")}, D(8), "action"),
            ({"lower_warning_limit": D(2)}, D(1), "warning"),
            ({"lower_action_limit": D(1)}, D(0), "action"),
        ],
    )
    def test_evaluate_with_some_limits(self, limits: dict[str, Decimal], value: Decimal, expected: str) -> None:
        assert DataParameter(name="Vibration", unit="mm/s", **limits).evaluate(value) == expected


# --- Bill of parts and personnel -----------------------------------------------------------------
class TestBillOfParts:
    @pytest.mark.parametrize("quantity", [D(0), D(-1)])
    def test_quantity_is_positive(self, quantity: Decimal) -> None:
        line = BillOfPartsLineFactory.build(activity=ActivityFactory(), part=PartFactory(), quantity=quantity)
        assert_clean_refuses(line, "quantity")
        assert_database_refuses(line)

    def test_a_fraction_is_fine(self) -> None:
        BillOfPartsLineFactory.build(activity=ActivityFactory(), part=PartFactory(), quantity=D("0.25")).full_clean()

    def test_a_part_once_per_activity(self) -> None:
        line = BillOfPartsLineFactory()
        twin = BillOfPartsLineFactory.build(activity=line.activity, part=line.part, quantity=D(3))
        with pytest.raises(ValidationError, match="already on the bill"):
            twin.full_clean()
        assert_database_refuses(twin)
        # The same part on another activity is fine.
        BillOfPartsLineFactory(part=line.part)


class TestPersonnelRequirements:
    def test_nobody_is_refused(self) -> None:
        requirement = PersonnelRequirementFactory.build(activity=ActivityFactory(), count=0)
        assert_clean_refuses(requirement, "count")
        assert_database_refuses(requirement)

    @pytest.mark.parametrize("hours", [D(0), D(-1)])
    def test_hours_are_positive(self, hours: Decimal) -> None:
        requirement = PersonnelRequirementFactory.build(activity=ActivityFactory(), estimated_hours=hours)
        assert_clean_refuses(requirement, "estimated_hours")
        assert_database_refuses(requirement)

    def test_hours_may_be_left_open(self) -> None:
        PersonnelRequirementFactory.build(activity=ActivityFactory(), estimated_hours=None).full_clean()


# --- Actions -------------------------------------------------------------------------------------
VALID_SETTINGS = [
    (ActionKind.NOTIFY, {"recipients": ["owner_role", "executing_role", "assignees"]}),
    (ActionKind.NOTIFY, {"emails": ["ops@water.example.org"]}),
    (ActionKind.NOTIFY, {"recipients": ["assignees"], "emails": ["ops@water.example.org"]}),
    (ActionKind.WEBHOOK, {"url": "https://scada.example.org/hook"}),
    (ActionKind.WEBHOOK, {"url": "http://10.0.0.5:8080/mms", "secret": "s3cret"}),
    (ActionKind.RAISE_PRIORITY, {"priority": 4}),
    (ActionKind.RAISE_PRIORITY, {"priority": 1}),
    (ActionKind.HOLD_ENTITY, {}),
    (ActionKind.PURCHASE_REQUEST, {}),
]

# (kind, settings, words the message contains)
INVALID_SETTINGS = [
    (ActionKind.NOTIFY, [], "JSON object"),
    (ActionKind.WEBHOOK, "https://x.example.org", "JSON object"),
    (ActionKind.NOTIFY, {}, "Say whom to notify"),
    (ActionKind.NOTIFY, {"recipients": [], "emails": []}, "Say whom to notify"),
    (ActionKind.NOTIFY, {"recipients": ["everyone"]}, "Recipients are a list of"),
    (ActionKind.NOTIFY, {"recipients": "owner_role"}, "Recipients are a list of"),
    (ActionKind.NOTIFY, {"emails": ["not-an-address"]}, "E-mails are a list of addresses"),
    (ActionKind.NOTIFY, {"emails": "ops@water.example.org"}, "E-mails are a list of addresses"),
    (ActionKind.NOTIFY, {"emails": [42]}, "E-mails are a list of addresses"),
    (ActionKind.NOTIFY, {"recipients": ["owner_role"], "sms": ["+254700000000"]}, "Unknown settings: sms"),
    (ActionKind.WEBHOOK, {}, "http(s) URL"),
    (ActionKind.WEBHOOK, {"url": "ftp://files.example.org/x"}, "http(s) URL"),
    (ActionKind.WEBHOOK, {"url": "javascript:alert(1)"}, "http(s) URL"),
    (ActionKind.WEBHOOK, {"url": "https://"}, "http(s) URL"),
    (ActionKind.WEBHOOK, {"url": "scada.example.org/hook"}, "http(s) URL"),
    (ActionKind.WEBHOOK, {"url": 42}, "http(s) URL"),
    (ActionKind.WEBHOOK, {"url": "https://x.example.org", "secret": 1234}, "secret is a string"),
    (ActionKind.WEBHOOK, {"url": "https://x.example.org", "method": "GET", "a": 1}, "Unknown settings: a, method"),
    (ActionKind.RAISE_PRIORITY, {}, "priority to raise to: 1, 2, 3, 4"),
    (ActionKind.RAISE_PRIORITY, {"priority": 9}, "priority to raise to"),
    (ActionKind.RAISE_PRIORITY, {"priority": 0}, "priority to raise to"),
    (ActionKind.RAISE_PRIORITY, {"priority": "4"}, "priority to raise to"),
    (ActionKind.RAISE_PRIORITY, {"priority": "urgent"}, "priority to raise to"),
    (ActionKind.RAISE_PRIORITY, {"priority": 4, "notify": True}, "Unknown settings: notify"),
    (ActionKind.HOLD_ENTITY, {"until": "2026-12-31"}, "Unknown settings: until"),
    (ActionKind.PURCHASE_REQUEST, {"vendor": "V001"}, "Unknown settings: vendor"),
]


class TestActions:
    @pytest.mark.parametrize(("kind", "settings"), VALID_SETTINGS)
    def test_valid_settings(self, kind: str, settings: Any) -> None:
        assert action_settings_error(kind, settings) is None
        ActivityActionFactory.build(activity=ActivityFactory(), kind=kind, settings=settings).full_clean()

    @pytest.mark.parametrize(("kind", "settings", "words"), INVALID_SETTINGS)
    def test_invalid_settings(self, kind: str, settings: Any, words: str) -> None:
        error = action_settings_error(kind, settings)
        assert error is not None
        assert words in error
        action = ActivityActionFactory.build(activity=ActivityFactory(), kind=kind, settings=settings)
        with pytest.raises(ValidationError) as excinfo:
            action.full_clean()
        assert excinfo.value.message_dict["settings"] == [error]

    def test_once_per_transition_and_kind(self) -> None:
        action = ActivityActionFactory()
        twin = ActivityActionFactory.build(activity=action.activity, settings={"emails": ["a@example.org"]})
        with pytest.raises(ValidationError, match="already set for that transition"):
            twin.full_clean()
        assert_database_refuses(twin)
        # Another transition or another kind is fine.
        ActivityActionFactory(activity=action.activity, on_transition=ScheduleTransition.TO_DUE)
        ActivityActionFactory(activity=action.activity, raise_priority=True)

    def test_unknown_kind(self) -> None:
        action = ActivityActionFactory.build(activity=ActivityFactory(), kind="sms", settings={})
        assert_clean_refuses(action, "kind")
        assert_database_refuses(action)

    def test_unknown_transition(self) -> None:
        action = ActivityActionFactory.build(activity=ActivityFactory(), on_transition="closed")
        assert_clean_refuses(action, "on_transition")
        assert_database_refuses(action)


def test_every_trigger_kind_is_covered() -> None:
    """Guard for this module: a new trigger kind needs rules above."""
    assert set(TriggerKind.values) == {"time", "usage", "time_and_usage", "ad_hoc"}
