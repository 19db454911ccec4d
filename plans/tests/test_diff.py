"""``version_diff``: what changed between two versions, activity by activity and row by row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from inventory.factories import PartFactory
from plans.factories import (
    ActivityActionFactory,
    ActivityFactory,
    BillOfPartsLineFactory,
    ChecklistItemFactory,
    DataParameterFactory,
    approve_version,
)
from plans.models import Activity, PlanVersion
from plans.services import (
    ActivityDiff,
    FieldChange,
    draft_content_delete,
    draft_content_save,
    plan_create,
    version_create_draft,
    version_diff,
    version_make_effective,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(planner: User, supervisor: User) -> tuple[PlanVersion, PlanVersion]:
    """v1 (effective) and v2 (a draft copied from it, then edited the way a planner would)."""
    v1 = plan_create(user=planner, code="PUMP-M", name="Pump monthly inspection")
    inspection = ActivityFactory(version=v1, code="inspection", name="Monthly inspection")
    ChecklistItemFactory(activity=inspection, position=1, text="Check the seal for leaks")
    ChecklistItemFactory(activity=inspection, position=2, text="Listen for bearing noise")
    BillOfPartsLineFactory(activity=inspection, part=PartFactory(part_number="PN-SEAL"), quantity=Decimal(1))
    DataParameterFactory(activity=inspection, name="Bearing temperature", upper_action_limit=Decimal(80))
    ActivityActionFactory(activity=inspection)
    ActivityFactory(version=v1, code="overhaul", name="Annual overhaul", time_interval=12)
    breakdown = ActivityFactory(version=v1, code="breakdown", name="Breakdown repair", ad_hoc=True)
    ChecklistItemFactory(activity=breakdown, position=1, text="Lock out the motor")
    version_make_effective(version=approve_version(v1, planner=planner, supervisor=supervisor), user=planner)

    v2 = version_create_draft(plan=v1.plan, user=planner)
    inspection = v2.activities.get(code="inspection")
    inspection.name = "Monthly inspection and greasing"
    inspection.time_interval = 2
    inspection.auto_approve = True
    draft_content_save(obj=inspection, user=planner)
    draft_content_delete(obj=inspection.checklist_items.get(text="Listen for bearing noise"), user=planner)
    draft_content_save(
        obj=ChecklistItemFactory.build(activity=inspection, position=3, text="Grease the bearings"), user=planner
    )
    seal = inspection.parts.get()
    seal.quantity = Decimal(2)
    draft_content_save(obj=seal, user=planner)
    temperature = inspection.data_parameters.get()
    temperature.upper_action_limit = Decimal(90)
    draft_content_save(obj=temperature, user=planner)
    draft_content_save(
        obj=ActivityActionFactory.build(activity=inspection, webhook=True, on_transition="due"), user=planner
    )
    draft_content_delete(obj=v2.activities.get(code="overhaul"), user=planner)
    added = draft_content_save(
        obj=ActivityFactory.build(version=v2, code="vibration", name="Vibration survey", usage=True), user=planner
    )
    assert isinstance(added, Activity)
    ChecklistItemFactory(activity=added, position=1, text="Measure at the drive end")
    return v1, v2


def by_code(diffs: list[ActivityDiff]) -> dict[str, ActivityDiff]:
    return {diff.code: diff for diff in diffs}


class TestVersionDiff:
    def test_activities_in_the_new_order_then_the_removed(self, versions: tuple[PlanVersion, PlanVersion]) -> None:
        diffs = version_diff(*versions)
        assert [(d.code, d.status) for d in diffs] == [
            ("inspection", "changed"),
            ("breakdown", "same"),
            ("vibration", "added"),
            ("overhaul", "removed"),
        ]
        assert [d.changed for d in diffs] == [True, False, True, True]

    def test_changed_fields_with_old_and_new(self, versions: tuple[PlanVersion, PlanVersion]) -> None:
        inspection = by_code(version_diff(*versions))["inspection"]
        assert inspection.name == "Monthly inspection and greasing"
        assert inspection.fields == [
            FieldChange("name", "Monthly inspection", "Monthly inspection and greasing"),
            FieldChange("time interval", "1", "2"),
            FieldChange("auto-approve", "no", "yes"),
        ]

    def test_changed_rows(self, versions: tuple[PlanVersion, PlanVersion]) -> None:
        rows = by_code(version_diff(*versions))["inspection"].rows
        removed, added = rows["checklist items"]
        assert [r.split(" (")[0] for r in removed] == ["2. Listen for bearing noise"]
        assert [r.split(" (")[0] for r in added] == ["3. Grease the bearings"]

        removed, added = rows["bill of parts"]
        assert len(removed) == len(added) == 1
        assert removed[0].startswith("1.000 × PN-SEAL")
        assert added[0].startswith("2.000 × PN-SEAL")

        removed, added = rows["data collection"]
        assert removed == ["Bearing temperature (°C) 5.0000 / 10.0000 / 60.0000 / 80.0000"]
        assert added == ["Bearing temperature (°C) 5.0000 / 10.0000 / 60.0000 / 90.0000"]

        removed, added = rows["activity actions"]
        assert removed == []
        assert len(added) == 1
        assert added[0].startswith("Webhook — Reaches due")
        assert "https://scada.example.org/hook" in added[0]

        # Unchanged sections are left out.
        assert "personnel requirements" not in rows

    def test_added_and_removed_activities_list_their_rows(self, versions: tuple[PlanVersion, PlanVersion]) -> None:
        diffs = by_code(version_diff(*versions))
        vibration = diffs["vibration"]
        assert vibration.name == "Vibration survey"
        assert vibration.fields == []
        removed, added = vibration.rows["checklist items"]
        assert removed == []
        assert added[0].startswith("1. Measure at the drive end")
        overhaul = diffs["overhaul"]
        assert overhaul.name == "Annual overhaul"
        assert overhaul.rows == {}  # it carried nothing

    def test_an_unchanged_activity_reports_nothing(self, versions: tuple[PlanVersion, PlanVersion]) -> None:
        breakdown = by_code(version_diff(*versions))["breakdown"]
        assert (breakdown.status, breakdown.fields, breakdown.rows) == ("same", [], {})

    def test_a_version_against_itself_or_its_copy_is_all_same(
        self, versions: tuple[PlanVersion, PlanVersion], planner: User
    ) -> None:
        v1, _v2 = versions
        assert {d.status for d in version_diff(v1, v1)} == {"same"}

    def test_reversed_swaps_added_and_removed(self, versions: tuple[PlanVersion, PlanVersion]) -> None:
        v1, v2 = versions
        forward, backward = by_code(version_diff(v1, v2)), by_code(version_diff(v2, v1))
        assert backward["vibration"].status == "removed"
        assert backward["overhaul"].status == "added"
        assert backward["inspection"].fields[0] == FieldChange(
            "name", "Monthly inspection and greasing", "Monthly inspection"
        )
        for section, (removed, added) in forward["inspection"].rows.items():
            assert backward["inspection"].rows[section] == (added, removed)

    def test_a_trigger_change_is_shown_with_its_label(self, planner: User, supervisor: User) -> None:
        v1 = plan_create(user=planner, code="COMP", name="Compressor service")
        ActivityFactory(version=v1, code="service")
        version_make_effective(version=approve_version(v1, planner=planner, supervisor=supervisor), user=planner)
        v2 = version_create_draft(plan=v1.plan, user=planner)
        service = v2.activities.get()
        service.trigger = "time_and_usage"
        service.time_interval = 12
        service.counter_name, service.counter_unit, service.usage_interval = "Operating hours", "h", Decimal(2000)
        draft_content_save(obj=service, user=planner)
        changes = {c.label: (c.old, c.new) for c in version_diff(v1, v2)[0].fields}
        assert changes["trigger"] == ("Time", "Time and usage (whichever first)")
        assert changes["counter watched"] == ("—", "Operating hours")
        assert changes["time interval"] == ("1", "12")
