"""Plan instances: a plan applied to areas, resources, containers and materials, once per entity."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from assets.factories import (
    AreaFactory,
    ContainerFactory,
    CounterFactory,
    MaterialFactory,
    ResourceFactory,
    SiteFactory,
)
from assets.models import CounterKind
from core.errors import ActionForbidden, ActionNotAllowed
from core.roles import PLANNER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from core.testing import assert_database_refuses
from people.factories import make_role_user
from plans.factories import (
    OPERATING_HOURS,
    ActivityActionFactory,
    ActivityFactory,
    MaintenancePlanFactory,
    PlanInstanceFactory,
    apply_plan,
    effective_plan,
    role_group,
)
from plans.models import MaintenancePlan, PlanInstance
from plans.services import plan_apply, plan_create, planinstance_deactivate

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 2, 1)


def usage_plan(planner: User, supervisor: User, **extra: Any) -> MaintenancePlan:
    return effective_plan(
        code="GEN-250H",
        name="Generator 250-hour service",
        activities=[{"usage": True, **extra}],
        planner=planner,
        supervisor=supervisor,
    )


# --- Applying --------------------------------------------------------------------------------------
class TestApply:
    def test_to_many_entities_of_every_kind_at_once(self, plan: MaintenancePlan, planner: User) -> None:
        pumps = [ResourceFactory(), ResourceFactory()]
        tank, building, lot = ContainerFactory(), AreaFactory(), MaterialFactory()
        owner = role_group(SUPERVISOR)

        created = plan_apply(
            plan=plan, entities=[*pumps, tank, building, lot], owner_role=owner, start_date=START, user=planner
        )

        assert len(created) == 5
        assert [instance.entity for instance in created] == [*pumps, tank, building, lot]
        for instance in PlanInstance.objects.filter(plan=plan):
            assert instance.active
            assert instance.owner_role == owner
            assert instance.start_date == START
            assert instance.created_by == planner
            assert (
                sum(
                    getattr(instance, f"{name}_id") is not None
                    for name in ("area", "resource", "container", "material")
                )
                == 1
            )

    def test_the_same_entity_can_carry_many_plans(self, plan: MaintenancePlan, planner: User) -> None:
        other = effective_plan(code="OTHER", planner=planner)
        pump = ResourceFactory()
        apply_plan(plan, pump, user=planner)
        apply_plan(other, pump, user=planner)
        assert PlanInstance.objects.filter(resource=pump).count() == 2

    def test_duplicates_are_refused_by_name_and_nothing_is_written(self, plan: MaintenancePlan, planner: User) -> None:
        pump = ResourceFactory(name="Raw water pump 1")
        tank = ContainerFactory(name="Clear water tank")
        new_pump = ResourceFactory(name="Raw water pump 2")
        apply_plan(plan, pump, tank, user=planner)

        with pytest.raises(ActionNotAllowed) as excinfo:
            apply_plan(plan, new_pump, tank, pump, user=planner)

        message = excinfo.value.message
        assert message.startswith(f"{plan.code} is already applied to: ")
        assert str(pump) in message
        assert str(tank) in message
        assert str(new_pump) not in message
        assert not PlanInstance.objects.filter(resource=new_pump).exists()  # all or nothing
        assert PlanInstance.objects.count() == 2

    def test_an_inactive_instance_still_counts_as_applied(self, plan: MaintenancePlan, planner: User) -> None:
        pump = ResourceFactory()
        (instance,) = apply_plan(plan, pump, user=planner)
        planinstance_deactivate(instance=instance, user=planner, reason="Pump removed")
        with pytest.raises(ActionNotAllowed, match="already applied"):
            apply_plan(plan, pump, user=planner)

    def test_an_entity_chosen_twice_is_refused(self, plan: MaintenancePlan, planner: User) -> None:
        pump = ResourceFactory()
        with pytest.raises(ActionNotAllowed, match="chosen twice"):
            apply_plan(plan, pump, pump, user=planner)
        assert not PlanInstance.objects.exists()

    def test_no_entity_is_refused(self, plan: MaintenancePlan, planner: User) -> None:
        with pytest.raises(ActionNotAllowed, match="at least one entity"):
            apply_plan(plan, user=planner)

    def test_something_else_than_an_entity_is_refused(self, plan: MaintenancePlan, planner: User) -> None:
        with pytest.raises(ActionNotAllowed, match="areas, resources, containers and materials only"):
            plan_apply(plan=plan, entities=[planner], owner_role=role_group(SUPERVISOR), start_date=START, user=planner)  # type: ignore[list-item]

    def test_refused_without_an_effective_version(self, planner: User) -> None:
        version = plan_create(user=planner, code="NEW", name="Not yet approved")
        ActivityFactory(version=version)
        with pytest.raises(ActionNotAllowed, match=r"NEW .* has no effective version yet"):
            apply_plan(version.plan, ResourceFactory(), user=planner)
        assert not PlanInstance.objects.exists()

    def test_before_effective_applies_a_plan_awaiting_approval(self, planner: User) -> None:
        version = plan_create(user=planner, code="NEW", name="Not yet approved")
        ActivityFactory(version=version)
        pump = ResourceFactory()

        created = plan_apply(
            plan=version.plan,
            entities=[pump],
            owner_role=role_group(SUPERVISOR),
            start_date=START,
            user=planner,
            before_effective=True,
        )

        assert [instance.resource for instance in created] == [pump]
        version.plan.refresh_from_db()
        assert version.plan.effective_version is None

    def test_before_effective_still_needs_a_version(self, planner: User) -> None:
        plan = MaintenancePlanFactory(code="EMPTY")
        with pytest.raises(ActionNotAllowed, match="has no effective version yet"):
            plan_apply(
                plan=plan,
                entities=[ResourceFactory()],
                owner_role=role_group(SUPERVISOR),
                start_date=START,
                user=planner,
                before_effective=True,
            )


class TestCounters:
    def test_a_usage_activity_needs_the_counter_on_the_entity(self, planner: User, supervisor: User) -> None:
        plan = usage_plan(planner, supervisor)
        generator = ResourceFactory(name="Standby generator")
        with pytest.raises(ActionNotAllowed) as excinfo:
            apply_plan(plan, generator, user=planner)
        message = excinfo.value.message
        assert str(generator) in message
        assert f"“{OPERATING_HOURS}” (h)" in message
        assert not PlanInstance.objects.exists()

        CounterFactory(resource=generator, name=OPERATING_HOURS, unit="h")
        (instance,) = apply_plan(plan, generator, user=planner)
        assert instance.resource == generator

    def test_only_the_entities_without_it_are_named(self, planner: User, supervisor: User) -> None:
        plan = usage_plan(planner, supervisor, time_and_usage=True, usage=False)
        metered, bare = ResourceFactory(name="Compressor A"), ContainerFactory(name="Truck B")
        CounterFactory(resource=metered, name=OPERATING_HOURS, unit="h")
        with pytest.raises(ActionNotAllowed) as excinfo:
            apply_plan(plan, metered, bare, user=planner)
        assert str(bare) in excinfo.value.message
        assert str(metered) not in excinfo.value.message
        assert not PlanInstance.objects.exists()

    def test_a_counter_on_a_container(self, planner: User, supervisor: User) -> None:
        plan = usage_plan(planner, supervisor)
        truck = ContainerFactory(name="Water truck")
        CounterFactory(resource=None, container=truck, name=OPERATING_HOURS, unit="h")
        apply_plan(plan, truck, user=planner)

    def test_the_counter_unit_must_match(self, planner: User, supervisor: User) -> None:
        plan = usage_plan(planner, supervisor)
        generator = ResourceFactory()
        CounterFactory(resource=generator, name=OPERATING_HOURS, unit="min")
        with pytest.raises(ActionNotAllowed, match=r"no cumulative counter “Operating hours” \(h\)"):
            apply_plan(plan, generator, user=planner)

    def test_no_unit_on_the_activity_accepts_any(self, planner: User, supervisor: User) -> None:
        plan = usage_plan(planner, supervisor, counter_unit="")
        generator = ResourceFactory()
        CounterFactory(resource=generator, name=OPERATING_HOURS, unit="min")
        apply_plan(plan, generator, user=planner)

    def test_a_gauge_is_not_a_usage_counter(self, planner: User, supervisor: User) -> None:
        plan = usage_plan(planner, supervisor)
        generator = ResourceFactory()
        CounterFactory(resource=generator, name=OPERATING_HOURS, unit="h", kind=CounterKind.GAUGE)
        with pytest.raises(ActionNotAllowed, match="no cumulative counter"):
            apply_plan(plan, generator, user=planner)

    def test_a_counter_of_another_entity_does_not_count(self, planner: User, supervisor: User) -> None:
        plan = usage_plan(planner, supervisor)
        generator, neighbour = ResourceFactory(), ResourceFactory()
        CounterFactory(resource=neighbour, name=OPERATING_HOURS, unit="h")
        with pytest.raises(ActionNotAllowed, match="no cumulative counter"):
            apply_plan(plan, generator, user=planner)


class TestHoldEntity:
    @pytest.fixture
    def hold_plan(self, planner: User, supervisor: User) -> MaintenancePlan:
        version = plan_create(user=planner, code="HOLD", name="Autoclave validation")
        ActivityActionFactory(activity=ActivityFactory(version=version), hold_entity=True)
        from plans.factories import approve_version
        from plans.services import version_make_effective

        version_make_effective(version=approve_version(version, planner=planner, supervisor=supervisor), user=planner)
        return version.plan

    @pytest.mark.parametrize("make", [AreaFactory, MaterialFactory], ids=["area", "material"])
    def test_refused_on_what_cannot_be_put_on_hold(self, hold_plan: MaintenancePlan, planner: User, make: Any) -> None:
        entity = make()
        with pytest.raises(ActionNotAllowed, match="only resources and containers") as excinfo:
            apply_plan(hold_plan, ResourceFactory(), entity, user=planner)
        assert str(entity) in excinfo.value.message
        assert not PlanInstance.objects.exists()

    def test_accepted_on_resources_and_containers(self, hold_plan: MaintenancePlan, planner: User) -> None:
        assert len(apply_plan(hold_plan, ResourceFactory(), ContainerFactory(), user=planner)) == 2


class TestPermissions:
    def test_a_planner_applies(self, plan: MaintenancePlan) -> None:
        assert len(apply_plan(plan, ResourceFactory(), user=make_role_user(PLANNER))) == 1

    @pytest.mark.parametrize("role", [TECHNICIAN, SUPERVISOR, STOREKEEPER])
    def test_other_roles_do_not(self, plan: MaintenancePlan, role: str) -> None:
        with pytest.raises(ActionForbidden):
            apply_plan(plan, ResourceFactory(), user=make_role_user(role))
        assert not PlanInstance.objects.exists()


# --- The database ----------------------------------------------------------------------------------
ENTITY_TRAITS = [{}, {"on_area": True}, {"on_container": True}, {"on_material": True}]
ENTITY_IDS = ["resource", "area", "container", "material"]


class TestDatabase:
    @pytest.mark.parametrize("trait", ENTITY_TRAITS, ids=ENTITY_IDS)
    def test_a_plan_once_per_entity(self, trait: dict[str, Any]) -> None:
        first = PlanInstanceFactory(**trait)
        twin = PlanInstanceFactory.build(
            plan=first.plan,
            owner_role=first.owner_role,
            start_date=START,
            resource=first.resource,
            area=first.area,
            container=first.container,
            material=first.material,
        )
        with pytest.raises(ValidationError, match="already applied to that entity"):
            twin.full_clean()
        assert_database_refuses(twin)
        # Another plan on the same entity is fine.
        twin.plan = MaintenancePlanFactory()
        twin.full_clean()
        twin.save()

    def test_exactly_one_entity_not_two(self) -> None:
        instance = PlanInstanceFactory.build(
            plan=MaintenancePlanFactory(), resource=ResourceFactory(), area=AreaFactory()
        )
        with pytest.raises(ValidationError, match="exactly one of area, resource, container or material") as error:
            instance.full_clean()
        assert error.value.messages == ["Choose exactly one of area, resource, container or material."]
        assert_database_refuses(instance)

    def test_exactly_one_entity_not_none(self) -> None:
        instance = PlanInstanceFactory.build(plan=MaintenancePlanFactory(), resource=None)
        with pytest.raises(ValidationError, match="exactly one"):
            instance.full_clean()
        assert_database_refuses(instance)

    def test_an_inactive_instance_has_a_time(self) -> None:
        instance = PlanInstanceFactory.build(plan=MaintenancePlanFactory(), resource=ResourceFactory(), active=False)
        assert_database_refuses(instance)


# --- Deactivating ----------------------------------------------------------------------------------
class TestDeactivate:
    def test_records_who_when_and_why(self, plan: MaintenancePlan, planner: User) -> None:
        (instance,) = apply_plan(plan, ResourceFactory(), user=planner)
        planinstance_deactivate(instance=instance, user=planner, reason="Pump replaced by a new model")
        instance.refresh_from_db()
        assert not instance.active
        assert instance.deactivated_by == planner
        assert instance.deactivated_at is not None
        assert instance.deactivation_reason == "Pump replaced by a new model"
        assert not PlanInstance.objects.active().exists()
        assert instance.history.order_by("history_id").last().history_user == planner  # type: ignore[union-attr]

    def test_twice_is_refused(self, plan: MaintenancePlan, planner: User) -> None:
        (instance,) = apply_plan(plan, ResourceFactory(), user=planner)
        planinstance_deactivate(instance=instance, user=planner)
        with pytest.raises(ActionNotAllowed, match="already inactive"):
            planinstance_deactivate(instance=instance, user=planner)

    def test_a_technician_cannot(self, plan: MaintenancePlan, planner: User) -> None:
        (instance,) = apply_plan(plan, ResourceFactory(), user=planner)
        with pytest.raises(ActionForbidden):
            planinstance_deactivate(instance=instance, user=make_role_user(TECHNICIAN))
        instance.refresh_from_db()
        assert instance.active


# --- Reads -----------------------------------------------------------------------------------------
class TestInSites:
    def test_scoped_to_the_sites_of_their_entities(self, plan: MaintenancePlan, planner: User) -> None:
        north, south = SiteFactory(code="NORTH"), SiteFactory(code="SOUTH")
        north_building = AreaFactory(parent=north)
        south_building = AreaFactory(parent=south)
        in_north = apply_plan(
            plan,
            north,  # the site itself
            north_building,
            ResourceFactory(area=north_building),
            ContainerFactory(area=north_building),
            MaterialFactory(area=north_building),
            user=planner,
        )
        in_south = apply_plan(
            plan,
            south_building,
            ResourceFactory(area=south_building),
            MaterialFactory(area=south_building),
            user=planner,
        )

        def ids(site_ids: list[int] | None) -> set[int]:
            return set(PlanInstance.objects.in_sites(site_ids).values_list("id", flat=True))

        assert ids([north.pk]) == {i.pk for i in in_north}
        assert ids([south.pk]) == {i.pk for i in in_south}
        assert ids([north.pk, south.pk]) == {i.pk for i in in_north + in_south}
        assert ids([]) == set()
        assert ids(None) == {i.pk for i in in_north + in_south}

    def test_with_entity_and_active(self, plan: MaintenancePlan, planner: User) -> None:
        instances = apply_plan(plan, ResourceFactory(), AreaFactory(), user=planner)
        planinstance_deactivate(instance=instances[0], user=planner)
        (active,) = PlanInstance.objects.active().with_entity()
        assert active.entity == instances[1].entity
