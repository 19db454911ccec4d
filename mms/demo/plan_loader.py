"""Makes the demo's maintenance plans (``mms.demo.plans``) through the plan services, once, as a planner
and a supervisor would, at the demo times of the programme's story."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User

from core import roles
from inventory.models import Part
from mms.demo.base import LoaderBase
from mms.demo.clock import pinned_clock
from mms.demo.constants import (
    DEMO_CHLORINE_V2_DRAFTED,
    DEMO_CHLORINE_V2_SUBMITTED,
    DEMO_PASSWORD,
    DEMO_PLANS_APPROVED,
    DEMO_PLANS_DRAFTED,
    DEMO_PLANS_EFFECTIVE,
    DEMO_PLANS_SUBMITTED,
    DEMO_PUMP_V2_DRAFTED,
)
from mms.demo.plans import CHLORINATOR_CHECK, PUMP_INSPECTION, DemoActivity, DemoPlan, demo_plans
from mms.demo.upsert import Outcome
from plans import services as plan_services
from plans.models import (
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
)
from plans.services import ACTIVITY_CHILDREN


class PlansLoader(LoaderBase):
    """Loads the plan programme: a change set approved and its plans applied, and two later changes in progress."""

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
        """Make the plans ``specs`` in one change set, approve it, make them effective and apply them."""
        planner, supervisor = self.users["planner"], self.users["supervisor"]
        owner_role = Group.objects.get(name=roles.SUPERVISOR)
        versions: dict[str, PlanVersion] = {}
        with pinned_clock(DEMO_PLANS_DRAFTED, app_label="plans"):
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
        with pinned_clock(DEMO_PLANS_SUBMITTED, app_label="plans"):
            plan_services.changeset_submit(change_set=change_set, user=planner)
        with pinned_clock(DEMO_PLANS_APPROVED, app_label="plans"):
            plan_services.changeset_approve(
                change_set=change_set,
                user=supervisor,
                comment="Agreed with operations; start in October.",
                password=DEMO_PASSWORD,  # the supervisor signs the approval, as on the screen
            )
        with pinned_clock(DEMO_PLANS_EFFECTIVE, app_label="plans"):
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

    def add_activity(self, version: PlanVersion, spec: DemoActivity, position: int, user: User) -> Activity:
        """Add an activity and what it carries to a draft version, through the plan services."""
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
        with pinned_clock(DEMO_PUMP_V2_DRAFTED, app_label="plans"):
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
        with pinned_clock(DEMO_CHLORINE_V2_DRAFTED, app_label="plans"):
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
        with pinned_clock(DEMO_CHLORINE_V2_SUBMITTED, app_label="plans"):
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
