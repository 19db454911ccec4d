"""Change sets: every transition allowed and forbidden, by role and by state; four eyes; history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from core.errors import ActionForbidden, ActionNotAllowed
from core.roles import ADMINISTRATOR, PLANNER, REQUESTER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from core.testing import TEST_PASSWORD
from people.factories import make_role_user
from plans.factories import ActivityFactory, ChangeSetFactory, PlanVersionFactory
from plans.models import ChangeSet, ChangeSetState, PlanVersion, PlanVersionState, VersionLocked
from plans.services import changeset_approve, changeset_create, changeset_reject, changeset_submit

pytestmark = pytest.mark.django_db


def complete_change_set() -> ChangeSet:
    """An open change set with one draft version holding one valid activity."""
    version = PlanVersionFactory()
    ActivityFactory(version=version)
    return version.change_set


def submitted_change_set(submitter: User | None = None) -> ChangeSet:
    change_set = complete_change_set()
    return changeset_submit(change_set=change_set, user=submitter or make_role_user(PLANNER))


def fresh(change_set: ChangeSet) -> ChangeSet:
    return ChangeSet.objects.get(pk=change_set.pk)


NO_PLAN_ROLES = [TECHNICIAN, REQUESTER, STOREKEEPER]


# --- Allowed, by role ----------------------------------------------------------------------------
class TestAllowed:
    def test_a_planner_opens_a_change_set(self, planner: User) -> None:
        change_set = changeset_create(user=planner, name="Q3 pump plans")
        assert change_set.state == ChangeSetState.CREATED
        assert change_set.created_by == planner

    @pytest.mark.parametrize("role", [PLANNER, ADMINISTRATOR])
    def test_submit(self, role: str) -> None:
        user = make_role_user(role)
        change_set = changeset_submit(change_set=complete_change_set(), user=user)
        stored = fresh(change_set)
        assert stored.state == ChangeSetState.IN_APPROVAL
        assert stored.submitted_by == user
        assert stored.submitted_at is not None

    @pytest.mark.parametrize("role", [SUPERVISOR, ADMINISTRATOR])
    def test_approve(self, role: str) -> None:
        change_set = submitted_change_set()
        user = make_role_user(role)
        changeset_approve(change_set=change_set, user=user, comment="Looks right.", password=TEST_PASSWORD)
        stored = fresh(change_set)
        assert stored.state == ChangeSetState.APPROVED
        assert stored.decided_by == user
        assert stored.decided_at is not None
        assert stored.decision_note == "Looks right."

    @pytest.mark.parametrize("role", [SUPERVISOR, ADMINISTRATOR])
    def test_reject_with_a_reason(self, role: str) -> None:
        change_set = submitted_change_set()
        user = make_role_user(role)
        changeset_reject(change_set=change_set, user=user, reason="  Interval too long for this pump.  ")
        stored = fresh(change_set)
        assert stored.state == ChangeSetState.REJECTED
        assert stored.decided_by == user
        assert stored.decision_note == "Interval too long for this pump."
        # Its drafts stay as a record, locked.
        version = stored.versions.get()
        assert version.state == PlanVersionState.DRAFT
        assert not version.is_editable

    def test_an_administrator_may_do_everything_from_open_to_approved(self, administrator: User) -> None:
        other_admin = make_role_user(ADMINISTRATOR)
        change_set = changeset_create(user=administrator, name="Admin change")
        PlanVersionFactory(change_set=change_set)
        ActivityFactory(version=change_set.versions.get())
        changeset_submit(change_set=change_set, user=administrator)
        changeset_approve(change_set=change_set, user=other_admin, password=TEST_PASSWORD)
        assert fresh(change_set).state == ChangeSetState.APPROVED


# --- Forbidden, by role --------------------------------------------------------------------------
class TestForbiddenByRole:
    @pytest.mark.parametrize("role", NO_PLAN_ROLES)
    def test_roles_without_plan_rights_cannot_open_a_change_set(self, role: str) -> None:
        with pytest.raises(ActionForbidden):
            changeset_create(user=make_role_user(role), name="Nope")
        assert not ChangeSet.objects.exists()

    @pytest.mark.parametrize("role", [*NO_PLAN_ROLES, SUPERVISOR])
    def test_submit(self, role: str) -> None:
        change_set = complete_change_set()
        with pytest.raises(ActionForbidden):
            changeset_submit(change_set=change_set, user=make_role_user(role))
        assert fresh(change_set).state == ChangeSetState.CREATED

    @pytest.mark.parametrize("role", [*NO_PLAN_ROLES, PLANNER])
    def test_approve(self, role: str) -> None:
        change_set = submitted_change_set()
        with pytest.raises(ActionForbidden):
            changeset_approve(change_set=change_set, user=make_role_user(role), password=TEST_PASSWORD)
        stored = fresh(change_set)
        assert stored.state == ChangeSetState.IN_APPROVAL
        assert stored.decided_by is None

    @pytest.mark.parametrize("role", [*NO_PLAN_ROLES, PLANNER])
    def test_reject(self, role: str) -> None:
        change_set = submitted_change_set()
        with pytest.raises(ActionForbidden):
            changeset_reject(change_set=change_set, user=make_role_user(role), reason="No.")
        assert fresh(change_set).state == ChangeSetState.IN_APPROVAL


# --- Not allowed, by state -----------------------------------------------------------------------
class TestNotAllowedByState:
    def test_submit_twice(self, planner: User) -> None:
        change_set = submitted_change_set(planner)
        with pytest.raises(ActionNotAllowed, match=r"still open can be submitted.*in approval"):
            changeset_submit(change_set=change_set, user=planner)

    @pytest.mark.parametrize("decision", ["approve", "reject"])
    def test_submit_after_a_decision(self, planner: User, supervisor: User, decision: str) -> None:
        change_set = submitted_change_set(planner)
        if decision == "approve":
            changeset_approve(change_set=change_set, user=supervisor, password=TEST_PASSWORD)
        else:
            changeset_reject(change_set=change_set, user=supervisor, reason="Wrong pump.")
        with pytest.raises(ActionNotAllowed, match="still open"):
            changeset_submit(change_set=change_set, user=planner)

    def test_approve_a_created_one(self, supervisor: User) -> None:
        change_set = complete_change_set()
        with pytest.raises(ActionNotAllowed, match=r"in approval can be approved.*created"):
            changeset_approve(change_set=change_set, user=supervisor, password=TEST_PASSWORD)
        assert fresh(change_set).state == ChangeSetState.CREATED

    def test_reject_a_created_one(self, supervisor: User) -> None:
        change_set = complete_change_set()
        with pytest.raises(ActionNotAllowed, match=r"in approval can be rejected.*created"):
            changeset_reject(change_set=change_set, user=supervisor, reason="Not ready.")

    def test_approve_twice(self, supervisor: User) -> None:
        change_set = submitted_change_set()
        changeset_approve(change_set=change_set, user=supervisor, password=TEST_PASSWORD)
        with pytest.raises(ActionNotAllowed, match="approved"):
            changeset_approve(change_set=change_set, user=supervisor, password=TEST_PASSWORD)

    def test_reject_an_approved_one(self, supervisor: User) -> None:
        change_set = submitted_change_set()
        changeset_approve(change_set=change_set, user=supervisor, password=TEST_PASSWORD)
        with pytest.raises(ActionNotAllowed, match="approved"):
            changeset_reject(change_set=change_set, user=supervisor, reason="Changed my mind.")
        assert fresh(change_set).state == ChangeSetState.APPROVED

    def test_approve_a_rejected_one(self, supervisor: User) -> None:
        change_set = submitted_change_set()
        changeset_reject(change_set=change_set, user=supervisor, reason="Wrong part numbers.")
        with pytest.raises(ActionNotAllowed, match="rejected"):
            changeset_approve(change_set=change_set, user=make_role_user(SUPERVISOR), password=TEST_PASSWORD)

    @pytest.mark.parametrize("reason", ["", "   \n"])
    def test_reject_without_a_reason(self, supervisor: User, reason: str) -> None:
        change_set = submitted_change_set()
        with pytest.raises(ActionNotAllowed, match="Say why"):
            changeset_reject(change_set=change_set, user=supervisor, reason=reason)
        assert fresh(change_set).state == ChangeSetState.IN_APPROVAL

    def test_submit_an_empty_change_set(self, planner: User) -> None:
        change_set = ChangeSetFactory()
        with pytest.raises(ActionNotAllowed, match="at least one plan version"):
            changeset_submit(change_set=change_set, user=planner)
        assert fresh(change_set).state == ChangeSetState.CREATED

    def test_submit_a_version_without_activities(self, planner: User) -> None:
        version = PlanVersionFactory()
        with pytest.raises(ActionNotAllowed, match="has no activities"):
            changeset_submit(change_set=version.change_set, user=planner)

    def test_submit_with_an_invalid_activity(self, planner: User) -> None:
        version = PlanVersionFactory()
        ActivityFactory(version=version)
        # Written around the rules (as an import or an old row could be): the submit check finds it.
        ActivityFactory(version=version, name="Broken", auto_accept=True, requires_signature=True)
        with pytest.raises(ActionNotAllowed, match=r"activity Broken: auto_accept: .*e-signature"):
            changeset_submit(change_set=version.change_set, user=planner)
        assert fresh(version.change_set).state == ChangeSetState.CREATED

    def test_submit_with_an_invalid_child_row(self, planner: User) -> None:
        from plans.factories import ActivityActionFactory

        activity = ActivityFactory()
        ActivityActionFactory(activity=activity, settings={"recipients": ["everyone"]})
        with pytest.raises(ActionNotAllowed, match="settings: Recipients"):
            changeset_submit(change_set=activity.version.change_set, user=planner)


# --- Four eyes -----------------------------------------------------------------------------------
class TestFourEyes:
    def test_the_submitter_cannot_approve(self, administrator: User) -> None:
        change_set = submitted_change_set(administrator)
        with pytest.raises(ActionForbidden, match="Someone other than the person who submitted"):
            changeset_approve(change_set=change_set, user=administrator, password=TEST_PASSWORD)
        assert fresh(change_set).state == ChangeSetState.IN_APPROVAL

    def test_the_submitter_may_still_reject_their_own(self, administrator: User) -> None:
        change_set = submitted_change_set(administrator)
        changeset_reject(change_set=change_set, user=administrator, reason="Found a mistake.")
        assert fresh(change_set).state == ChangeSetState.REJECTED

    def test_someone_else_may_approve(self, administrator: User, supervisor: User) -> None:
        change_set = submitted_change_set(administrator)
        changeset_approve(change_set=change_set, user=supervisor, password=TEST_PASSWORD)
        assert fresh(change_set).state == ChangeSetState.APPROVED

    @override_settings(CHANGE_SET_FOUR_EYES=False)
    def test_switched_off_the_submitter_may_approve(self, administrator: User) -> None:
        change_set = submitted_change_set(administrator)
        changeset_approve(change_set=change_set, user=administrator, password=TEST_PASSWORD)
        assert fresh(change_set).state == ChangeSetState.APPROVED


# --- What approval does --------------------------------------------------------------------------
class TestApprovalFreezesVersions:
    def test_every_version_becomes_approved_and_locked(self, planner: User, supervisor: User) -> None:
        change_set = ChangeSetFactory()
        versions = [PlanVersionFactory(change_set=change_set) for _ in range(2)]
        activities = [ActivityFactory(version=version) for version in versions]
        changeset_submit(change_set=change_set, user=planner)
        changeset_approve(change_set=change_set, user=supervisor, password=TEST_PASSWORD)
        assert set(PlanVersion.objects.filter(change_set=change_set).values_list("state", flat=True)) == {
            PlanVersionState.APPROVED
        }
        activity = activities[0]
        activity.refresh_from_db()
        activity.name = "Changed after approval"
        with pytest.raises(VersionLocked, match="approved and cannot be changed"):
            activity.save()

    def test_submitting_locks_the_drafts(self, planner: User) -> None:
        activity = ActivityFactory()
        changeset_submit(change_set=activity.version.change_set, user=planner)
        activity.refresh_from_db()
        activity.name = "Sneaky edit while in approval"
        with pytest.raises(VersionLocked, match="while its change set is in approval"):
            activity.save()


# --- History -------------------------------------------------------------------------------------
class TestHistory:
    def test_each_transition_writes_a_history_row_naming_who(
        self, planner: User, supervisor: User, administrator: User
    ) -> None:
        change_set = changeset_create(user=planner, name="History")
        ActivityFactory(version=PlanVersionFactory(change_set=change_set))
        changeset_submit(change_set=change_set, user=planner)
        changeset_approve(change_set=change_set, user=supervisor, comment="Fine.", password=TEST_PASSWORD)
        rows = list(change_set.history.order_by("history_id"))
        assert [row.state for row in rows] == [
            ChangeSetState.CREATED,
            ChangeSetState.IN_APPROVAL,
            ChangeSetState.APPROVED,
        ]
        assert [row.history_user for row in rows] == [planner, planner, supervisor]
        assert rows[1].submitted_by == planner
        assert rows[2].decided_by == supervisor
        assert rows[2].decision_note == "Fine."

        rejected = submitted_change_set(planner)
        changeset_reject(change_set=rejected, user=administrator, reason="Duplicate of another change.")
        last = rejected.history.order_by("history_id").last()
        assert last is not None
        assert last.state == ChangeSetState.REJECTED
        assert last.history_user == administrator
        assert last.decision_note == "Duplicate of another change."

    def test_approving_records_who_froze_each_version(self, planner: User, supervisor: User) -> None:
        activity = ActivityFactory()
        version = activity.version
        changeset_submit(change_set=version.change_set, user=planner)
        changeset_approve(change_set=version.change_set, user=supervisor, password=TEST_PASSWORD)
        last = version.history.order_by("history_id").last()
        assert last is not None
        assert last.state == PlanVersionState.APPROVED
        assert last.history_user == supervisor
