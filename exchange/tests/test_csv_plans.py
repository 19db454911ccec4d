"""The plan register in CSV: one row per activity, plans written as drafts in one change set for
review through the plan services (never effective without approval), unchanged on a re-import, a new
draft version when the file changes, a whole plan skipped when one of its rows is wrong."""

from __future__ import annotations

import pytest

from core.roles import PLANNER
from exchange.tests.csv_support import VALID, counts, export, problems, rows_of, run_import
from people.factories import make_role_user
from plans.factories import effective_plan
from plans.models import (
    Activity,
    ChangeSet,
    ChangeSetState,
    MaintenancePlan,
    PlanVersionState,
    ScheduleNextMode,
    TimeUnit,
    TriggerKind,
)

pytestmark = pytest.mark.django_db

PLANS = (
    "Plan code;Plan name;Activity code;Activity;Trigger;Interval;Interval unit;Counter;Usage interval;"
    "Executing role;Estimated minutes\n"
    "PUMP-PM;Pump maintenance;monthly;Monthly inspection;time;1;months;;;Technician;45\n"
    "PUMP-PM;Pump maintenance;service-250;250-hour service;usage;;;Operating hours;250;Technician;120\n"
    "GEN-PM;Generator upkeep;weekly;Weekly run test;;1;weeks;;;Technician;\n"
)


@pytest.fixture
def planner(db):
    return make_role_user(PLANNER, username="csv-planner")


def test_plans_are_drafts_in_one_change_set_for_review(tmp_path, planner) -> None:
    report = run_import(tmp_path, planner, PLANS, "plans")
    assert not report.problems, report.problems
    assert counts(report, "plans", "plan")["created"] == 2
    assert counts(report, "plans", "activity")["created"] == 3
    change_set = ChangeSet.objects.get()
    assert change_set.state == ChangeSetState.CREATED
    assert not change_set.implicit
    assert change_set.name == "CSV import of register.csv"
    plan = MaintenancePlan.objects.get(code="PUMP-PM")
    assert plan.effective_version is None  # nothing is effective before approval
    version = plan.versions.get()
    assert version.state == PlanVersionState.DRAFT
    assert version.change_set == change_set
    monthly, service = version.activities.order_by("position")
    assert (monthly.trigger, monthly.time_interval, monthly.time_unit) == (TriggerKind.TIME, 1, TimeUnit.MONTHS)
    assert monthly.schedule_next_mode == ScheduleNextMode.FLOATING
    assert monthly.estimated_minutes == 45
    assert (service.trigger, service.counter_name, service.usage_interval) == (
        TriggerKind.USAGE,
        "Operating hours",
        250,
    )
    assert any("change set" in note for note in report.notes)

    again = run_import(tmp_path, planner, PLANS, "plans")
    assert counts(again, "plans", "plan") == {"created": 0, "updated": 0, "unchanged": 2}
    assert ChangeSet.objects.count() == 1
    assert Activity.objects.count() == 3


def test_export_then_import_is_unchanged(tmp_path, planner) -> None:
    run_import(tmp_path, planner, PLANS, "plans")
    text = export(planner, "plans")
    assert [row["Activity code"] for row in rows_of(text)] == ["weekly", "monthly", "service-250"]
    report = run_import(tmp_path, planner, text, "plans")
    assert not report.problems
    assert counts(report, "plans", "plan")["unchanged"] == 2


def test_a_changed_file_makes_a_new_draft_of_an_effective_plan(tmp_path, planner) -> None:
    plan = effective_plan(code="PUMP-PM", name="Pump maintenance")
    first = plan.effective_version
    report = run_import(tmp_path, planner, PLANS, "plans")
    assert counts(report, "plans", "plan") == {"created": 1, "updated": 1, "unchanged": 0}
    plan.refresh_from_db()
    assert plan.effective_version == first  # still the approved content until the draft is approved
    draft = plan.versions.get(state=PlanVersionState.DRAFT)
    assert draft.number == 2
    assert draft.based_on == first
    assert sorted(draft.activities.values_list("code", flat=True)) == ["monthly", "service-250"]  # the file's
    # The open draft is brought in line by the next import, not copied again.
    changed = PLANS.replace("Monthly inspection", "Monthly check")
    run_import(tmp_path, planner, changed, "plans")
    assert plan.versions.count() == 2
    assert draft.activities.get(code="monthly").name == "Monthly check"


def test_a_problem_on_one_activity_skips_its_whole_plan(tmp_path, planner) -> None:
    text = PLANS.replace("weekly;Weekly run test;;1;weeks", "weekly;Weekly run test;;0;weeks").replace(
        "service-250;250-hour service;usage;;;Operating hours;250;Technician",
        "service-250;250-hour service;usage;;;Operating hours;250;Welder",
    )
    report = run_import(tmp_path, planner, text, "plans", mode=VALID)
    found = problems(report)
    assert (3, "Executing role", "No role is named “Welder”.") in found
    assert any(row == 2 and "Skipped with its plan" in message for row, _c, message in found)
    assert any(row == 4 and column == "Interval" for row, column, _m in found)
    assert not MaintenancePlan.objects.exists()
    assert not ChangeSet.objects.exists()


def test_a_rule_of_the_activity_is_reported_on_its_column(tmp_path, planner) -> None:
    text = "Plan code,Plan name,Activity code,Activity,Trigger,Executing role\nP1,Plan,a,Thing,time,Technician\n"
    report = run_import(tmp_path, planner, text, "plans")
    assert {column for _row, column, _m in problems(report)} >= {"Interval", "Interval unit"}
    assert not MaintenancePlan.objects.exists()
