"""Plan versions: immutability once frozen, drafts copied from the effective version, one effective version."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.test import override_settings
from django.utils import timezone

from assets.factories import CounterFactory, ResourceFactory
from core.errors import ActionForbidden, ActionNotAllowed
from core.roles import SUPERVISOR, TECHNICIAN
from people.factories import make_role_user
from plans.factories import (
    OPERATING_HOURS,
    ActivityActionFactory,
    ActivityFactory,
    BillOfPartsLineFactory,
    ChecklistItemFactory,
    DataParameterFactory,
    PersonnelRequirementFactory,
    apply_plan,
    approve_version,
    effective_plan,
)
from plans.models import (
    Activity,
    ChangeSet,
    ChangeSetState,
    ChecklistItem,
    MaintenancePlan,
    PlanVersion,
    PlanVersionState,
    VersionedContent,
    VersionLocked,
)
from plans.services import (
    ACTIVITY_CHILDREN,
    changeset_reject,
    changeset_submit,
    draft_content_delete,
    draft_content_save,
    plan_create,
    planinstance_deactivate,
    version_create_draft,
    version_delete_draft,
    version_make_effective,
)

pytestmark = pytest.mark.django_db

CHILD_FACTORIES: list[type[factory.django.DjangoModelFactory]] = [
    ChecklistItemFactory,
    BillOfPartsLineFactory,
    DataParameterFactory,
    PersonnelRequirementFactory,
    ActivityActionFactory,
]


def fill(activity: Activity) -> Activity:
    """Give an activity one row of every kind it can carry (and a number item with limits)."""
    ChecklistItemFactory(activity=activity)
    ChecklistItemFactory(activity=activity, number=True)
    BillOfPartsLineFactory(activity=activity, quantity=Decimal(2))
    DataParameterFactory(activity=activity)
    PersonnelRequirementFactory(activity=activity)
    ActivityActionFactory(activity=activity)
    ActivityActionFactory(activity=activity, webhook=True)
    return activity


def content(version: PlanVersion) -> dict[str, Any]:
    """Everything a version holds, keyed by activity code, without ids or the version link."""
    result = {}
    for activity in version.activities.all():
        fields = model_to_dict(activity, exclude=["id", "version"])
        children = {
            name: sorted(
                (
                    repr(sorted(model_to_dict(row, exclude=["id", "activity"]).items()))
                    for row in getattr(activity, name).all()
                ),
            )
            for _model, name in ACTIVITY_CHILDREN
        }
        result[activity.code] = (fields, children)
    return result


def version_in_state(state: str, planner: User, supervisor: User) -> PlanVersion:
    """A version with one filled activity, brought to ``state`` through the services.

    ``submitted`` is a draft whose change set is in approval.
    """
    if state in ("effective", "superseded"):
        plan = effective_plan(planner=planner, supervisor=supervisor)
        version = plan.effective_version
        assert version is not None
        version.change_set.refresh_from_db()
        if state == "superseded":
            newer = version_create_draft(plan=plan, user=planner)
            version_make_effective(version=approve_version(newer, planner=planner, supervisor=supervisor), user=planner)
        version.refresh_from_db()
        assert version.state == state
        return version
    version = plan_create(user=planner, code=f"LOCK-{state}", name="Locked plan")
    fill(ActivityFactory(version=version))
    if state == "submitted":
        changeset_submit(change_set=version.change_set, user=planner)
    elif state == "approved":
        approve_version(version, planner=planner, supervisor=supervisor)
    version.refresh_from_db()
    return version


def filled_version(state: str, planner: User, supervisor: User) -> PlanVersion:
    """Like ``version_in_state``, but the content is filled before the version is frozen."""
    if state in ("effective", "superseded"):
        plan_version = plan_create(user=planner, code=f"LOCK-{state}", name="Locked plan")
        fill(ActivityFactory(version=plan_version))
        approve_version(plan_version, planner=planner, supervisor=supervisor)
        version_make_effective(version=plan_version, user=planner)
        if state == "superseded":
            newer = version_create_draft(plan=plan_version.plan, user=planner)
            approve_version(newer, planner=planner, supervisor=supervisor)
            version_make_effective(version=newer, user=planner)
        plan_version.refresh_from_db()
        assert plan_version.state == state
        return plan_version
    return version_in_state(state, planner, supervisor)


LOCKED_STATES = ["submitted", "approved", "effective", "superseded"]


def rows_of(version: PlanVersion) -> list[VersionedContent]:
    activity = version.activities.get()
    rows: list[VersionedContent] = [activity]
    for _model, name in ACTIVITY_CHILDREN:
        rows.extend(getattr(activity, name).all())
    return rows


# --- Immutability ----------------------------------------------------------------------------------
class TestFrozenVersions:
    @pytest.mark.parametrize("state", LOCKED_STATES)
    def test_saving_any_row_is_refused(self, state: str, planner: User, supervisor: User) -> None:
        version = filled_version(state, planner, supervisor)
        rows = rows_of(version)
        assert {type(row) for row in rows} == {Activity, *(model for model, _name in ACTIVITY_CHILDREN)}
        for row in rows:
            with pytest.raises(VersionLocked):
                row.save()
            with pytest.raises(VersionLocked):
                draft_content_save(obj=row, user=planner)

    @pytest.mark.parametrize("state", LOCKED_STATES)
    def test_deleting_any_row_is_refused(self, state: str, planner: User, supervisor: User) -> None:
        version = filled_version(state, planner, supervisor)
        before = content(version)
        for row in rows_of(version):
            with pytest.raises(VersionLocked):
                row.delete()
            with pytest.raises(VersionLocked):
                draft_content_delete(obj=row, user=planner)
        assert content(version) == before

    @pytest.mark.parametrize("state", LOCKED_STATES)
    def test_bulk_delete_and_update_are_refused(self, state: str, planner: User, supervisor: User) -> None:
        """QuerySet.delete() and update() keep the lock too, even when a draft's rows are in the same set."""
        version = filled_version(state, planner, supervisor)
        draft = filled_version(PlanVersionState.DRAFT, planner, supervisor)
        before = content(version)
        for model in {type(row) for row in rows_of(version)}:
            rows = model.objects.all()
            assert {version, draft} <= {row.owning_version() for row in rows}
            with pytest.raises(VersionLocked):
                rows.delete()
            with pytest.raises(VersionLocked):
                rows.update(updated_at=timezone.now())
        assert content(version) == before
        # A draft's own rows still go in bulk (children first, then the activity).
        for model in [model for model, _name in ACTIVITY_CHILDREN] + [Activity]:
            mine = model.objects.filter(pk__in=[row.pk for row in rows_of(draft) if isinstance(row, model)])
            assert mine.update(updated_at=timezone.now()) == mine.count() > 0
            mine.delete()
        assert not draft.activities.exists()
        assert content(version) == before

    @pytest.mark.parametrize("state", LOCKED_STATES)
    def test_adding_rows_is_refused(self, state: str, planner: User, supervisor: User) -> None:
        version = filled_version(state, planner, supervisor)
        activity = version.activities.get()
        with pytest.raises(VersionLocked):
            ActivityFactory(version=version)
        with pytest.raises(VersionLocked):
            draft_content_save(obj=ActivityFactory.build(version=version), user=planner)
        for child_factory in CHILD_FACTORIES:
            with pytest.raises(VersionLocked):
                child_factory(activity=activity)
            with pytest.raises(VersionLocked):
                draft_content_save(obj=child_factory.build(activity=activity), user=planner)
        assert version.activities.count() == 1

    def test_the_message_says_what_to_do(self, planner: User, supervisor: User) -> None:
        version = version_in_state("approved", planner, supervisor)
        with pytest.raises(VersionLocked, match="is approved and cannot be changed; create a new draft version"):
            version.activities.get().save()

    def test_a_draft_in_an_open_change_set_is_editable(self, planner: User) -> None:
        version = plan_create(user=planner, code="OPEN", name="Open plan")
        activity = draft_content_save(obj=ActivityFactory.build(version=version), user=planner)
        assert isinstance(activity, Activity)
        activity.name = "Renamed"
        draft_content_save(obj=activity, user=planner)
        item = draft_content_save(obj=ChecklistItemFactory.build(activity=activity), user=planner)
        draft_content_delete(obj=item, user=planner)
        assert not ChecklistItem.objects.filter(activity=activity).exists()
        draft_content_delete(obj=activity, user=planner)
        assert not version.activities.exists()

    def test_a_draft_of_a_rejected_change_set_stays_locked(self, planner: User, supervisor: User) -> None:
        version = version_in_state("submitted", planner, supervisor)
        changeset_reject(change_set=version.change_set, user=supervisor, reason="Wrong interval.")
        activity = Activity.objects.get(version=version)
        with pytest.raises(VersionLocked, match="rejected"):
            activity.save()

    @pytest.mark.parametrize("role", [TECHNICIAN, SUPERVISOR])
    def test_only_planners_edit_draft_content(self, role: str, planner: User) -> None:
        version = plan_create(user=planner, code="OPEN", name="Open plan")
        activity = ActivityFactory(version=version)
        user = make_role_user(role)
        with pytest.raises(ActionForbidden):
            draft_content_save(obj=ActivityFactory.build(version=version), user=user)
        with pytest.raises(ActionForbidden):
            draft_content_save(obj=activity, user=user)
        with pytest.raises(ActionForbidden):
            draft_content_delete(obj=activity, user=user)
        assert version.activities.count() == 1


# --- Drafts ----------------------------------------------------------------------------------------
class TestCreateDraft:
    def test_copies_every_activity_with_every_row_and_keeps_codes(self, planner: User, supervisor: User) -> None:
        plan_version = plan_create(user=planner, code="FULL", name="Full plan")
        for kwargs in ({}, {"usage": True}, {"time_and_usage": True}, {"ad_hoc": True}):
            fill(ActivityFactory(version=plan_version, **kwargs))
        approve_version(plan_version, planner=planner, supervisor=supervisor)
        version_make_effective(version=plan_version, user=planner)

        draft = version_create_draft(plan=plan_version.plan, user=planner, notes="Shorter interval")

        assert draft.number == 2
        assert draft.state == PlanVersionState.DRAFT
        assert draft.based_on == plan_version
        assert draft.created_by == planner
        assert draft.notes == "Shorter interval"
        assert draft.change_set != plan_version.change_set
        assert draft.change_set.state == ChangeSetState.CREATED
        assert content(draft) == content(plan_version)
        assert len(content(draft)) == 4
        assert all(len(rows) for _fields, children in content(draft).values() for rows in children.values())
        # New rows, not moved ones: the source keeps its own.
        old_ids = set(Activity.objects.filter(version=plan_version).values_list("id", flat=True))
        assert old_ids.isdisjoint(draft.activities.values_list("id", flat=True))
        for _model, name in ACTIVITY_CHILDREN:
            assert all(
                row.activity.version_id == draft.pk for a in draft.activities.all() for row in getattr(a, name).all()
            )

    def test_copies_from_a_chosen_version(self, plan: MaintenancePlan, planner: User, supervisor: User) -> None:
        v1 = plan.effective_version
        assert v1 is not None
        v2 = version_create_draft(plan=plan, user=planner)
        ActivityFactory(version=v2, code="extra")
        approve_version(v2, planner=planner, supervisor=supervisor)
        v3 = version_create_draft(plan=plan, user=planner, source=v1)
        assert v3.number == 3
        assert v3.based_on == v1
        assert set(v3.activities.values_list("code", flat=True)) == set(v1.activities.values_list("code", flat=True))

    def test_a_source_of_another_plan_is_refused(self, plan: MaintenancePlan, planner: User) -> None:
        other = effective_plan(code="OTHER", planner=planner)
        with pytest.raises(ActionNotAllowed, match="same plan"):
            version_create_draft(plan=plan, user=planner, source=other.effective_version)

    def test_a_second_open_draft_is_refused(self, plan: MaintenancePlan, planner: User) -> None:
        first = version_create_draft(plan=plan, user=planner)
        with pytest.raises(ActionNotAllowed, match=f"{plan.code} v2 is already a draft being edited"):
            version_create_draft(plan=plan, user=planner)
        assert plan.versions.count() == 2
        assert first.number == 2

    def test_versions_are_numbered_one_after_the_other(
        self, plan: MaintenancePlan, planner: User, supervisor: User
    ) -> None:
        v2 = version_create_draft(plan=plan, user=planner)
        changeset_submit(change_set=v2.change_set, user=planner)
        changeset_reject(change_set=v2.change_set, user=supervisor, reason="Not now.")
        v3 = version_create_draft(plan=plan, user=planner)
        assert [v.number for v in plan.versions.order_by("number")] == [1, 2, 3]
        assert v3.based_on == plan.effective_version  # the effective one, not the rejected draft

    def test_into_an_existing_open_change_set(self, plan: MaintenancePlan, planner: User) -> None:
        change_set = ChangeSet.objects.create(name="Bundle")
        draft = version_create_draft(plan=plan, user=planner, change_set=change_set)
        assert draft.change_set == change_set

    def test_not_into_a_submitted_change_set(self, plan: MaintenancePlan, planner: User) -> None:
        other = version_in_state("submitted", planner, make_role_user(SUPERVISOR))
        with pytest.raises(ActionNotAllowed, match="new versions go into an open change set"):
            version_create_draft(plan=plan, user=planner, change_set=other.change_set)

    @pytest.mark.parametrize("role", [TECHNICIAN, SUPERVISOR])
    def test_only_planners_create_drafts(self, plan: MaintenancePlan, role: str) -> None:
        with pytest.raises(ActionForbidden):
            version_create_draft(plan=plan, user=make_role_user(role))
        assert plan.versions.count() == 1


class TestDeleteDraft:
    def test_the_only_version_takes_plan_and_change_set_with_it(self, planner: User) -> None:
        version = plan_create(user=planner, code="GONE", name="Short-lived")
        ActivityFactory(version=version)
        change_set_id, plan_id = version.change_set_id, version.plan_id
        version_delete_draft(version=version, user=planner)
        assert not PlanVersion.objects.filter(pk=version.pk).exists()
        assert not ChangeSet.objects.filter(pk=change_set_id).exists()
        assert not MaintenancePlan.objects.filter(pk=plan_id).exists()
        assert not Activity.objects.exists()

    def test_a_later_draft_leaves_the_plan(self, plan: MaintenancePlan, planner: User) -> None:
        draft = version_create_draft(plan=plan, user=planner)
        version_delete_draft(version=draft, user=planner)
        plan.refresh_from_db()
        assert list(plan.versions.all()) == [plan.effective_version]
        # And a new draft may be started (numbered 2 again: nothing refers to the deleted one).
        assert version_create_draft(plan=plan, user=planner).number == 2

    def test_a_change_set_with_other_versions_stays(self, plan: MaintenancePlan, planner: User) -> None:
        change_set = ChangeSet.objects.create(name="Two plans")
        other = effective_plan(code="OTHER", planner=planner)
        draft = version_create_draft(plan=plan, user=planner, change_set=change_set)
        version_create_draft(plan=other, user=planner, change_set=change_set)
        version_delete_draft(version=draft, user=planner)
        assert change_set.versions.count() == 1

    @pytest.mark.parametrize("state", LOCKED_STATES)
    def test_a_frozen_version_cannot_be_deleted(self, state: str, planner: User, supervisor: User) -> None:
        version = version_in_state(state, planner, supervisor)
        with pytest.raises(ActionNotAllowed, match="cannot be changed"):
            version_delete_draft(version=version, user=planner)
        assert PlanVersion.objects.filter(pk=version.pk).exists()

    def test_a_technician_cannot_delete(self, planner: User) -> None:
        version = plan_create(user=planner, code="KEEP", name="Keep")
        with pytest.raises(ActionForbidden):
            version_delete_draft(version=version, user=make_role_user(TECHNICIAN))
        assert PlanVersion.objects.filter(pk=version.pk).exists()


# --- One effective version -------------------------------------------------------------------------
class TestMakeEffective:
    def test_supersedes_the_previous_one(self, plan: MaintenancePlan, planner: User, supervisor: User) -> None:
        v1 = plan.effective_version
        assert v1 is not None
        v2 = approve_version(version_create_draft(plan=plan, user=planner), planner=planner, supervisor=supervisor)
        version_make_effective(version=v2, user=planner)
        plan.refresh_from_db()
        v1.refresh_from_db()
        v2.refresh_from_db()
        assert plan.effective_version == v2
        assert v2.state == PlanVersionState.EFFECTIVE
        assert v2.effective_by == planner
        assert v2.effective_from is not None
        assert v1.state == PlanVersionState.SUPERSEDED
        assert v1.superseded_at is not None
        assert plan.versions.filter(state=PlanVersionState.EFFECTIVE).count() == 1

    def test_the_database_refuses_two_effective_versions(
        self, plan: MaintenancePlan, planner: User, supervisor: User
    ) -> None:
        v2 = approve_version(version_create_draft(plan=plan, user=planner), planner=planner, supervisor=supervisor)
        with pytest.raises(IntegrityError), transaction.atomic():
            PlanVersion.objects.filter(pk=v2.pk).update(state=PlanVersionState.EFFECTIVE)
        assert plan.versions.filter(state=PlanVersionState.EFFECTIVE).count() == 1

    def test_a_superseded_version_can_be_made_effective_again(
        self, plan: MaintenancePlan, planner: User, supervisor: User
    ) -> None:
        v1 = plan.effective_version
        assert v1 is not None
        v2 = approve_version(version_create_draft(plan=plan, user=planner), planner=planner, supervisor=supervisor)
        version_make_effective(version=v2, user=planner)
        v1.refresh_from_db()
        version_make_effective(version=v1, user=planner)  # roll back
        plan.refresh_from_db()
        v1.refresh_from_db()
        v2.refresh_from_db()
        assert plan.effective_version == v1
        assert (v1.state, v2.state) == (PlanVersionState.EFFECTIVE, PlanVersionState.SUPERSEDED)

    def test_the_effective_version_again_is_refused(self, plan: MaintenancePlan, planner: User) -> None:
        with pytest.raises(ActionNotAllowed, match="it is effective"):
            version_make_effective(version=plan.effective_version, user=planner)  # type: ignore[arg-type]

    @pytest.mark.parametrize("change_set_state", ["created", "in_approval", "rejected"])
    def test_only_from_an_approved_change_set(
        self, plan: MaintenancePlan, planner: User, supervisor: User, change_set_state: str
    ) -> None:
        draft = version_create_draft(plan=plan, user=planner)
        if change_set_state != "created":
            changeset_submit(change_set=draft.change_set, user=planner)
        if change_set_state == "rejected":
            changeset_reject(change_set=draft.change_set, user=supervisor, reason="No.")
        with pytest.raises(ActionNotAllowed, match=r"is a draft: its change set .* must be approved first"):
            version_make_effective(version=draft, user=planner)
        plan.refresh_from_db()
        assert plan.effective_version is not None
        assert plan.effective_version.number == 1

    @pytest.mark.parametrize("role", [TECHNICIAN, SUPERVISOR])
    def test_forbidden_for_roles_without_the_right(
        self, plan: MaintenancePlan, planner: User, supervisor: User, role: str
    ) -> None:
        v1 = plan.effective_version
        v2 = approve_version(version_create_draft(plan=plan, user=planner), planner=planner, supervisor=supervisor)
        with pytest.raises(ActionForbidden):
            version_make_effective(version=v2, user=make_role_user(role))
        plan.refresh_from_db()
        v2.refresh_from_db()
        assert plan.effective_version == v1
        assert v2.state == PlanVersionState.APPROVED
        assert plan.versions.get(number=1).state == PlanVersionState.EFFECTIVE

    def test_refused_when_an_active_instance_lacks_a_watched_counter(
        self, plan: MaintenancePlan, planner: User, supervisor: User
    ) -> None:
        pump = ResourceFactory(name="Raw water pump 1")
        metered = ResourceFactory(name="Raw water pump 2")
        CounterFactory(resource=metered, name=OPERATING_HOURS, unit="h")
        apply_plan(plan, pump, metered, user=planner)
        draft = version_create_draft(plan=plan, user=planner)
        ActivityFactory(version=draft, usage=True, name="250-hour service")
        approve_version(draft, planner=planner, supervisor=supervisor)

        with pytest.raises(ActionNotAllowed) as excinfo:
            version_make_effective(version=draft, user=planner)
        assert str(pump) in excinfo.value.message
        assert "Raw water pump 2" not in excinfo.value.message
        assert OPERATING_HOURS in excinfo.value.message
        assert "250-hour service" in excinfo.value.message
        plan.refresh_from_db()
        assert plan.effective_version is not None
        assert plan.effective_version.number == 1

        # An inactive instance does not count.
        planinstance_deactivate(instance=plan.instances.get(resource=pump), user=planner, reason="Scrapped")
        version_make_effective(version=draft, user=planner)
        plan.refresh_from_db()
        assert plan.effective_version == draft


class TestImplicitChangeSets:
    @override_settings(IMPLICIT_CHANGE_SETS=True)
    def test_a_planner_alone_creates_edits_and_makes_effective(self, planner: User) -> None:
        version = plan_create(user=planner, code="SOLO", name="Chlorinator weekly check")
        assert version.change_set.implicit
        activity = draft_content_save(
            obj=ActivityFactory.build(version=version, time_interval=1, time_unit="weeks"), user=planner
        )
        draft_content_save(obj=ChecklistItemFactory.build(activity=activity), user=planner)

        version_make_effective(version=version, user=planner)

        version.refresh_from_db()
        change_set = version.change_set
        assert version.state == PlanVersionState.EFFECTIVE
        assert change_set.state == ChangeSetState.APPROVED
        assert (change_set.submitted_by, change_set.decided_by) == (planner, planner)

        draft = version_create_draft(plan=version.plan, user=planner)
        assert draft.change_set.implicit
        copied = draft.activities.get()
        copied.time_interval = 2
        draft_content_save(obj=copied, user=planner)
        version_make_effective(version=draft, user=planner)
        version.refresh_from_db()
        draft.refresh_from_db()
        assert (version.state, draft.state) == (PlanVersionState.SUPERSEDED, PlanVersionState.EFFECTIVE)

    @override_settings(IMPLICIT_CHANGE_SETS=True)
    def test_an_incomplete_version_is_still_refused(self, planner: User) -> None:
        version = plan_create(user=planner, code="EMPTY", name="Nothing yet")
        with pytest.raises(ActionNotAllowed, match="has no activities"):
            version_make_effective(version=version, user=planner)
        version.refresh_from_db()
        assert version.state == PlanVersionState.DRAFT
        assert version.change_set.state == ChangeSetState.CREATED

    @override_settings(IMPLICIT_CHANGE_SETS=True)
    def test_a_supervisor_cannot_use_the_shortcut(self, planner: User, supervisor: User) -> None:
        version = plan_create(user=planner, code="SHORT", name="Shortcut")
        ActivityFactory(version=version)
        with pytest.raises(ActionForbidden):
            version_make_effective(version=version, user=supervisor)
        assert ChangeSet.objects.get(pk=version.change_set_id).state == ChangeSetState.CREATED

    def test_without_the_setting_the_ceremony_is_needed(self, planner: User) -> None:
        version = plan_create(user=planner, code="CEREMONY", name="Needs approval")
        ActivityFactory(version=version)
        assert not version.change_set.implicit
        with pytest.raises(ActionNotAllowed, match="must be approved first"):
            version_make_effective(version=version, user=planner)
