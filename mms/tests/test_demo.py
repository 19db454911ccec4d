"""The demo loader: what it creates, that a second run changes nothing, and that its rows obey the rules."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction

from assets.models import Area, Container, Counter, CounterKind, EntityStatus, Material, Reading, Resource
from core import roles
from inventory.models import Part, Vendor
from mms.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from mms.demo.constants import (
    DEMO_CHLORINE_V2_DRAFTED,
    DEMO_CHLORINE_V2_SUBMITTED,
    DEMO_PLANS_APPROVED,
    DEMO_PLANS_DRAFTED,
    DEMO_PLANS_EFFECTIVE,
    DEMO_PLANS_SUBMITTED,
    DEMO_PUMP_V2_DRAFTED,
    DEMO_TODAY,
)
from mms.demo.plans import (
    AUTOCLAVE_VALIDATION,
    CHLORINATOR_CHECK,
    EXTINGUISHER_INSPECTION,
    GENERATOR_SERVICE,
    PUMP_INSPECTION,
    VEHICLE_SERVICE,
)
from mms.demo.upsert import Outcome, upsert
from people.models import Certification, Employee, EmployeeCertification
from plans.models import (
    ActionKind,
    Activity,
    ChangeSet,
    ChangeSetState,
    ChecklistItemKind,
    MaintenancePlan,
    PlanInstance,
    PlanVersion,
    PlanVersionState,
    TriggerKind,
)
from plans.services import ACTIVITY_CHILDREN, version_check_complete, version_diff

pytestmark = pytest.mark.django_db

DEMO_APPS = ("assets", "people", "inventory")
USERNAMES = [username for username, _role in DEMO_USERS]


@pytest.fixture(scope="module", autouse=True)
def first_load(django_db_setup, django_db_blocker) -> dict[str, int]:
    """Load the demo once for the module (it takes seconds), in a transaction rolled back at the end.

    Each test runs in its own savepoint inside it, so what one test changes the next does not see.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        counts = load_demo()
        yield counts
        transaction.set_rollback(True)


def snapshot() -> dict[str, Any]:
    """Every row of every model (history and many-to-many tables included), by model label."""
    rows: dict[str, Any] = {}
    for model in apps.get_models(include_auto_created=True):
        rows[model._meta.label] = list(model._default_manager.order_by("pk").values_list())
    return rows


def password_fingerprint() -> str:
    hashes = User.objects.order_by("username").values_list("username", "password")
    return hashlib.sha256(repr(list(hashes)).encode()).hexdigest()


def test_load_demo_creates_users_with_roles():
    expected_usernames = {"technician", "supervisor", "planner", "storekeeper", "requester", "admin", "integrator"}
    assert expected_usernames <= set(USERNAMES)
    assert {role for _username, role in DEMO_USERS} == set(roles.ROLES)
    for username, role in DEMO_USERS:
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_active
        assert not user.is_superuser
        assert user.is_staff is (username == "admin")
        has_employee = Employee.objects.filter(user=user).exists()
        assert has_employee is (username not in {"admin", "integrator"}), username


def test_load_demo_sites_memberships_and_equipment():
    sites = Area.objects.sites()
    assert sites.count() == 3
    assert all(site.time_zone == "Africa/Nairobi" and site.latitude is not None for site in sites)
    riverside = sites.get(name="Riverside Water Treatment Plant")
    clinic = sites.get(name="Kisumu District Clinic")
    assert Area.objects.within(riverside).filter(kind="building").count() >= 4
    assert riverside in User.objects.get(username="technician").employee.sites.all()
    assert riverside in User.objects.get(username="supervisor").employee.sites.all()
    assert clinic in User.objects.get(username="requester").employee.sites.all()
    assert Resource.objects.in_site(riverside).filter(manufacturer="Grundfos", parent=None).count() == 3
    assert Resource.objects.in_site(clinic).filter(model_number="3870EA").exists()
    assert set(Resource.objects.values_list("status", flat=True)) >= {
        EntityStatus.IN_SERVICE,
        EntityStatus.DOWN,
        EntityStatus.ON_HOLD,
    }
    assert Container.objects.filter(container_type="vehicle").exists()
    assert Material.objects.filter(expiry_date__isnull=False).exists()
    assert 8 <= Part.objects.count() <= 15
    assert 3 <= Vendor.objects.count() <= 4


def test_load_demo_counters_have_readings_in_order():
    counters = Counter.objects.all()
    assert {"h", "cycles", "m³"} <= set(counters.values_list("unit", flat=True))
    assert counters.filter(kind=CounterKind.GAUGE).exists()
    for counter in counters:
        values = list(counter.readings.order_by("taken_at").values_list("value", flat=True))
        assert len(values) >= 4, counter
        if counter.kind == CounterKind.CUMULATIVE:
            assert values == sorted(values), counter
    latest = Reading.objects.order_by("-taken_at").first()
    assert latest.taken_at.date() < DEMO_TODAY


def test_load_demo_certifications_valid_expiring_and_expired():
    held = EmployeeCertification.objects.all()
    assert Certification.objects.count() >= 5
    assert held.valid_on(DEMO_TODAY).exists()
    assert held.expiring_within(30, today=DEMO_TODAY).exists()
    assert held.filter(valid_to__lt=DEMO_TODAY).exists()


def test_load_demo_twice_changes_nothing(first_load):
    assert first_load["created"] > 0
    assert first_load["updated"] == first_load["unchanged"] == 0
    rows_before, passwords_before = snapshot(), password_fingerprint()

    second = load_demo()

    assert second == {"created": 0, "updated": 0, "unchanged": first_load["created"]}
    rows_after = snapshot()
    counts_before = {label: len(rows) for label, rows in rows_before.items()}
    counts_after = {label: len(rows) for label, rows in rows_after.items()}
    assert counts_after == counts_before
    assert rows_after == rows_before
    assert password_fingerprint() == passwords_before


def test_load_demo_repairs_a_changed_value_and_keeps_the_password():
    pump = Resource.objects.get(tag="RIV-RWP-01")
    pump.serial_number = "edited"
    pump.save()
    supervisor = User.objects.get(username="supervisor")
    supervisor.is_staff = True
    supervisor.save()
    supervisor.employee.sites.clear()
    password_before = supervisor.password

    counts = load_demo()

    assert counts["created"] == 0
    assert counts["updated"] == 3
    pump.refresh_from_db()
    assert pump.serial_number != "edited"
    supervisor.refresh_from_db()
    assert supervisor.is_staff is False
    assert supervisor.employee.sites.exists()
    assert supervisor.password == password_before


@pytest.mark.parametrize("username", USERNAMES)
def test_demo_user_can_log_in(client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)


def test_demo_rows_pass_full_clean():
    checked = 0
    for app_label in DEMO_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for row in model._default_manager.all():
                row.full_clean()
                checked += 1
    for user in User.objects.filter(username__in=USERNAMES):
        user.full_clean()
        checked += 1
    assert checked > 100


def test_upsert_saves_only_when_a_value_differs():
    lookup = {"code": "DEMO-TEST"}
    values: dict[str, Any] = {"name": "Test certification", "validity_months": 12}
    certification, outcome = upsert(Certification, lookup, values)
    assert outcome is Outcome.CREATED
    assert certification.history.count() == 1

    assert upsert(Certification, lookup, values)[1] is Outcome.UNCHANGED
    assert certification.history.count() == 1

    assert upsert(Certification, lookup, {**values, "validity_months": 24})[1] is Outcome.UPDATED
    assert certification.history.count() == 2
    certification.refresh_from_db()
    assert certification.validity_months == 24


def test_upsert_compares_foreign_keys_by_id():
    pump = Resource.objects.get(tag="RIV-RWP-01")
    fresh_area = Area.objects.get(pk=pump.area_id)  # another instance of the same row
    assert upsert(Resource, {"tag": pump.tag}, {"area": fresh_area})[1] is Outcome.UNCHANGED


def test_load_demo_command_prints_summary_and_logins():
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO())
    output = out.getvalue()
    assert "0 created, 0 updated" in output  # the module's fixture loaded it already
    assert "3 sites" in output
    for username, role in DEMO_USERS:
        assert any(line.split() == [username, role, DEMO_PASSWORD] for line in output.splitlines()), username


def test_demo_dates_do_not_depend_on_the_clock(monkeypatch):
    """A later run (another day) must still change nothing: no value may come from now()."""
    before = snapshot()
    later = datetime.datetime(2027, 6, 1, 12, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert load_demo()["created"] == 0
    assert snapshot() == before


# --- Plans -------------------------------------------------------------------------------------
PLAN_ENTITIES = {
    PUMP_INSPECTION: {"RIV-RWP-01", "RIV-RWP-02", "RIV-RWP-03", "HIL-BPS-01"},
    GENERATOR_SERVICE: {"RIV-GEN-01", "KDC-GEN-01"},
    CHLORINATOR_CHECK: {"RIV-CHL-01", "RIV-CHL-02"},
    AUTOCLAVE_VALIDATION: {"KDC-AC-01"},
    VEHICLE_SERVICE: {"RIV-VEH-01"},
}


def entity_keys(plan: MaintenancePlan) -> set[str]:
    keys = set()
    for instance in PlanInstance.objects.filter(plan=plan).with_entity():
        entity = instance.entity
        keys.add(getattr(entity, "tag", None) or entity.code)
    return keys


def test_load_demo_plans_are_effective_and_applied():
    planner, supervisor = User.objects.get(username="planner"), User.objects.get(username="supervisor")
    plans = MaintenancePlan.objects.with_effective()
    assert set(plans.values_list("code", flat=True)) == {*PLAN_ENTITIES, EXTINGUISHER_INSPECTION}
    for plan in plans:
        version = plan.effective_version
        assert version is not None, plan
        assert (version.number, version.state, version.effective_by) == (1, PlanVersionState.EFFECTIVE, planner)
        change_set = version.change_set
        assert (change_set.state, change_set.submitted_by, change_set.decided_by) == (
            ChangeSetState.APPROVED,
            planner,
            supervisor,
        )
        assert set(version.activities.values_list("executing_role__name", flat=True)) == {roles.TECHNICIAN}
        instances = PlanInstance.objects.filter(plan=plan)
        assert set(instances.values_list("owner_role__name", flat=True)) == {roles.SUPERVISOR}, plan
        assert all(instance.active and instance.created_by == planner for instance in instances)
        if plan.code in PLAN_ENTITIES:
            assert entity_keys(plan) == PLAN_ENTITIES[plan.code], plan
    extinguishers = PlanInstance.objects.filter(plan__code=EXTINGUISHER_INSPECTION).select_related("area__site")
    assert {instance.area.site.code for instance in extinguishers} == {"WTP-RIV", "RES-HIL", "CLN-KDC"}


def test_load_demo_plans_use_every_trigger_and_what_activities_carry():
    activities = {activity.version.plan.code: activity for activity in Activity.objects.select_related("version__plan")}
    assert {activity.trigger for activity in activities.values()} >= {
        TriggerKind.TIME,
        TriggerKind.USAGE,
        TriggerKind.TIME_AND_USAGE,
    }
    pump = Activity.objects.get(version__plan__code=PUMP_INSPECTION, version__number=1)
    temperature = pump.checklist_items.get(kind=ChecklistItemKind.NUMBER)
    assert (temperature.unit, temperature.lower_limit, temperature.upper_limit) == ("°C", 10, 80)
    assert pump.checklist_items.get(kind=ChecklistItemKind.PHOTO).required is False
    vibration = pump.data_parameters.get()
    assert (vibration.unit, vibration.upper_warning_limit, vibration.upper_action_limit) == (
        "mm/s",
        Decimal("4.5"),
        Decimal("7.1"),
    )
    assert pump.actions.get().kind == ActionKind.NOTIFY
    generator = Activity.objects.get(version__plan__code=GENERATOR_SERVICE)
    assert (generator.counter_name, generator.usage_interval) == ("Operating hours", 250)
    assert set(generator.parts.values_list("part__part_number", flat=True)) == {
        "FLT-OIL-LF3000",
        "FLT-AIR-AF25139",
        "OIL-15W40",
    }
    assert set(generator.actions.values_list("kind", flat=True)) == {
        ActionKind.HOLD_ENTITY,
        ActionKind.PURCHASE_REQUEST,
    }
    autoclave = Activity.objects.get(version__plan__code=AUTOCLAVE_VALIDATION)
    assert autoclave.requires_signature
    assert autoclave.personnel.get().certification.code == "AUTOCLAVE"
    assert Activity.objects.get(version__plan__code=EXTINGUISHER_INSPECTION).instances_to_schedule == 12
    vehicle = Activity.objects.get(version__plan__code=VEHICLE_SERVICE)
    assert (vehicle.trigger, vehicle.counter_name, vehicle.usage_interval) == (
        TriggerKind.TIME_AND_USAGE,
        "Odometer",
        10000,
    )


def test_load_demo_has_a_draft_to_compare_and_a_change_in_approval():
    pump = MaintenancePlan.objects.get(code=PUMP_INSPECTION)
    draft = pump.versions.get(number=2)
    assert (draft.state, draft.change_set.state, draft.based_on) == (
        PlanVersionState.DRAFT,
        ChangeSetState.CREATED,
        pump.effective_version,
    )
    (diff,) = version_diff(pump.effective_version, draft)
    assert diff.status == "changed"
    assert any("fan cover" in row for _removed, added in diff.rows.values() for row in added)

    chlorinator = MaintenancePlan.objects.get(code=CHLORINATOR_CHECK)
    waiting = chlorinator.versions.get(number=2)
    assert (waiting.state, waiting.change_set.state) == (PlanVersionState.DRAFT, ChangeSetState.IN_APPROVAL)
    assert chlorinator.effective_version.number == 1
    assert ChangeSet.objects.filter(state=ChangeSetState.IN_APPROVAL).count() == 1


def test_load_demo_plan_versions_are_complete():
    for version in PlanVersion.objects.select_related("plan"):
        version_check_complete(version)  # every activity and row passes full_clean
    for model, _name in ACTIVITY_CHILDREN:
        assert model._default_manager.exists(), model


def test_load_demo_plan_times_are_the_demo_story_not_the_clock():
    """The services stamp times with now(); the loader moves them to fixed demo times, history included."""
    story = {
        DEMO_PLANS_DRAFTED,
        DEMO_PLANS_SUBMITTED,
        DEMO_PLANS_APPROVED,
        DEMO_PLANS_EFFECTIVE,
        DEMO_PUMP_V2_DRAFTED,
        DEMO_CHLORINE_V2_DRAFTED,
        DEMO_CHLORINE_V2_SUBMITTED,
    }
    assert max(story).date() < DEMO_TODAY
    seen = set()
    for model in apps.get_app_config("plans").get_models():
        for field in model._meta.concrete_fields:
            if field.get_internal_type() == "DateTimeField":
                seen.update(model._base_manager.exclude(**{field.attname: None}).values_list(field.attname, flat=True))
    assert seen == story


def test_load_demo_plan_history_names_who_did_it():
    planner, supervisor = User.objects.get(username="planner"), User.objects.get(username="supervisor")
    for model in (ChangeSet, MaintenancePlan, PlanVersion, Activity, PlanInstance):
        authors = set(model.history.values_list("history_user", flat=True))
        assert authors <= {planner.pk, supervisor.pk}, model


# --- Stores --------------------------------------------------------------------------------------
def test_load_demo_gives_the_storekeeper_a_store_to_run():
    """Stock at Riverside's main store, parts at their reorder point already requested, a purchase order
    placed and waiting to be received, a budget, and contracts; the ledger adds up to the balances."""
    from django.db.models import Sum

    from core.scoping import visible_site_ids
    from inventory.models import (
        Budget,
        Contract,
        PurchaseOrder,
        PurchaseOrderState,
        PurchaseRequest,
        StockBalance,
        StockLocation,
        StockMovement,
    )
    from inventory.services import warranty_status
    from mms.demo.inventory import DEMO_STOCK, DEMO_STORE_CODE

    store = StockLocation.objects.get(code=DEMO_STORE_CODE)
    storekeeper = User.objects.get(username="storekeeper")
    assert store.site_id in visible_site_ids(storekeeper)
    balances = {
        b.part.part_number: b.on_hand for b in StockBalance.objects.filter(location=store).select_related("part")
    }
    assert balances == {number: Decimal(quantity) for number, quantity in DEMO_STOCK}
    for balance in StockBalance.objects.all():
        ledger = StockMovement.objects.filter(part=balance.part, location=balance.location).aggregate(s=Sum("quantity"))
        assert ledger["s"] == balance.on_hand
    assert set(PurchaseRequest.objects.open().values_list("part__part_number", flat=True)) == {"FLT-OIL-LF3000"}
    order = PurchaseOrder.objects.get(deliver_to=store)
    assert order.state == PurchaseOrderState.ORDERED
    assert sorted(order.lines.values_list("part__part_number", "quantity")) == [
        ("BRG-6309-2Z", Decimal(6)),
        ("VB-XPA-1250", Decimal(4)),
    ]
    assert order.approved_by == User.objects.get(username="supervisor")
    assert max(StockMovement.objects.values_list("occurred_at", flat=True)).date() < DEMO_TODAY
    assert order.ordered_at.date() < DEMO_TODAY
    assert Budget.objects.filter(site=store.site, year=DEMO_TODAY.year).exists()
    # The two contracts running today (the demo history adds the ones that ran before them).
    assert Contract.objects.filter(number__in=["W-LPE-2024-118", "S-NPS-2026-07"]).count() == 2
    pump = Resource.objects.get(tag="RIV-RWP-03")
    assert warranty_status(pump, today=DEMO_TODAY).state == "expiring"


def test_load_demo_gives_types_spare_parts_and_downtime():
    """Pumps, motors and concentrators have their type's spare-parts list; the generator and the autoclave
    lists of their own; everything down or on hold has an open downtime period, and a pump a past one."""
    from inventory.models import SparePart
    from orders.models import DowntimeKind, DowntimePeriod

    pump = Resource.objects.select_related("resource_type").get(tag="RIV-RWP-01")
    assert pump.resource_type is not None
    assert set(
        SparePart.objects.filter(resource_type=pump.resource_type).values_list("part__part_number", flat=True)
    ) == {
        "MS-NK150-48",
        "BRG-6309-2Z",
    }
    assert SparePart.objects.filter(resource__tag="RIV-GEN-01").count() == 5
    for resource in Resource.objects.filter(status__in=[EntityStatus.DOWN, EntityStatus.ON_HOLD]):
        period = DowntimePeriod.objects.get(resource=resource, ended_at__isnull=True)
        kind = DowntimeKind.DOWN if resource.status == EntityStatus.DOWN else DowntimeKind.ON_HOLD
        assert (period.kind, period.reason) == (kind, resource.description)
    # The pump's past breakdown (the demo history adds earlier ones, each with its order).
    past = DowntimePeriod.objects.get(resource__tag="RIV-RWP-02", close_note__startswith="Seal replaced")
    assert past.ended_at is not None
    assert past.ended_at > past.started_at
    assert not DowntimePeriod.objects.filter(ended_at__isnull=True, resource__status=EntityStatus.IN_SERVICE).exists()


def test_load_demo_records_the_on_call_technicians_location_consent():
    from people.models import ConsentPurpose, ConsentRecord
    from people.privacy import has_consent

    technician = Employee.objects.get(user__username="technician")
    assert has_consent(technician, ConsentPurpose.LOCATION)
    assert not has_consent(technician, ConsentPurpose.PHOTOS)
    assert list(ConsentRecord.objects.values_list("employee__user__username", flat=True)) == ["technician"]
    load_demo()
    assert ConsentRecord.objects.count() == 1  # append-only records: a rerun finds it, adds none
