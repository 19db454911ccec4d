"""The demo loader: what it creates, that a second run changes nothing, and that its rows obey the rules."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction

from assets.models import Area, Container, Counter, CounterKind, EntityStatus, Material, Reading, Resource
from inventory.models import Part, Vendor
from mms import roles
from mms.demo import DEMO_PASSWORD, DEMO_TODAY, DEMO_USERS, Outcome, load_demo, upsert
from people.models import Certification, Employee, EmployeeCertification

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
