"""Electronic signatures: re-authentication by password or TOTP, the lock after three failed attempts, the
content hash and its check, append-only rows (model, QuerySet, admin)."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.roles import ADMINISTRATOR, SUPERVISOR
from core.testing import TEST_PASSWORD, UserFactory
from people.factories import make_role_user
from people.signature_models import Signature, SignatureImmutable, SigningAttempts
from people.signatures import (
    LOCK_DURATION,
    SignatureRefused,
    SigningLocked,
    check,
    counting_failed_signatures,
    sign,
    verify,
)
from plans.models import ChangeSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def signer() -> User:
    user = make_role_user(SUPERVISOR, username="sam")
    user.employee.name = "Samantha Okafor"
    user.employee.save()
    return user


@pytest.fixture
def record(signer: User) -> ChangeSet:
    return ChangeSet.objects.create(name="Chlorinator checks", description="Weekly instead of monthly.")


def token_of(device: TOTPDevice) -> str:
    """The device's current code, as an authenticator app computes it."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def freeze(monkeypatch: pytest.MonkeyPatch, moment: datetime.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_sign_with_the_password_keeps_who_when_meaning_and_the_hash(signer, record):
    before = timezone.now()
    signature = sign(record, signer, password=TEST_PASSWORD, meaning="approved", statement=" Looks right ", action="x")
    signature.refresh_from_db()
    assert (signature.signer, signature.signer_name, signature.meaning) == (signer, "Samantha Okafor", "approved")
    assert (signature.method, signature.statement, signature.action) == ("password", "Looks right", "x")
    assert before <= signature.signed_at <= timezone.now()
    assert signature.signed_at.utcoffset() == datetime.timedelta(0)  # stored and read as UTC
    content = json.loads(signature.content)
    assert (content["model"], content["id"]) == ("plans.changeset", record.pk)
    assert content["fields"]["description"] == "Weekly instead of monthly."
    assert set(content["fields"]) == {
        "name",
        "description",
        "state",
        "implicit",
        "submitted_by_id",
        "submitted_at",
        "decided_by_id",
        "decided_at",
        "decision_note",
    }  # the declared fields; not updated_at
    assert signature.content_hash == hashlib.sha256(signature.content.encode()).hexdigest()
    assert verify(signature) is True
    assert str(signature) == f"Samantha Okafor: Approved ({signature.signed_at:%Y-%m-%d %H:%M} UTC)"


def test_the_printed_name_is_the_name_at_signing_time(signer, record):
    signature = sign(record, signer, password=TEST_PASSWORD, meaning="reviewed")
    signer.employee.name = "Samantha Okafor-Ude"
    signer.employee.save()
    signature.refresh_from_db()
    assert signature.signer_name == "Samantha Okafor"
    no_employee = UserFactory(first_name="Ann", last_name="Lee")
    assert sign(record, no_employee, password=TEST_PASSWORD, meaning="reviewed").signer_name == "Ann Lee"


def test_sign_with_a_totp_code_of_a_confirmed_device(signer, record):
    device = TOTPDevice.objects.create(user=signer, name="phone", confirmed=True)
    signature = sign(record, signer, otp_token=token_of(device), meaning="approved")
    assert (signature.method, verify(signature)) == ("totp", True)
    with pytest.raises(SignatureRefused, match="wrong or has expired") as refused:
        sign(record, signer, otp_token=f"{(int(token_of(device)) + 500_000) % 1_000_000:06d}", meaning="approved")
    assert refused.value.field_name == "otp_token"
    assert SigningAttempts.objects.get(user=signer).failures == 1  # a wrong code counts like a wrong password


def test_a_code_without_a_confirmed_device_is_refused_and_not_counted(signer, record):
    unconfirmed = TOTPDevice.objects.create(user=signer, name="lost phone", confirmed=False)
    with pytest.raises(SignatureRefused, match="no authenticator app"):
        sign(record, signer, otp_token=token_of(unconfirmed), meaning="approved")
    assert not SigningAttempts.objects.filter(user=signer, failures__gt=0).exists()


def test_missing_password_and_wrong_meaning_are_refused_before_counting(signer, record):
    with pytest.raises(SignatureRefused, match="enter it again"):
        sign(record, signer, meaning="approved")
    with pytest.raises(SignatureRefused, match="Choose what your signature means"):
        sign(record, signer, password=TEST_PASSWORD, meaning="ok")
    assert not Signature.objects.exists()
    assert not SigningAttempts.objects.filter(user=signer, failures__gt=0).exists()


def test_three_failures_lock_signing_for_fifteen_minutes(monkeypatch, signer, record):
    start = datetime.datetime(2026, 12, 4, 21, 0, tzinfo=datetime.UTC)
    freeze(monkeypatch, start)
    for attempt in (1, 2):
        with pytest.raises(SignatureRefused, match=r"\['The password is wrong\.'\]"):
            sign(record, signer, password="guess", meaning="approved")
        assert SigningAttempts.objects.get(user=signer).failures == attempt
    with pytest.raises(SignatureRefused, match="locked until 2026-12-04 21:15 UTC"):
        sign(record, signer, password="guess", meaning="approved")
    assert SigningAttempts.objects.get(user=signer).locked_until == start + LOCK_DURATION

    freeze(monkeypatch, start + LOCK_DURATION - datetime.timedelta(seconds=1))
    with pytest.raises(SigningLocked, match="locked until 2026-12-04 21:15 UTC") as locked:
        sign(record, signer, password=TEST_PASSWORD, meaning="approved")  # the right password, still refused
    assert locked.value.http_status == 423
    assert not Signature.objects.exists()

    freeze(monkeypatch, start + LOCK_DURATION + datetime.timedelta(seconds=1))
    assert sign(record, signer, password=TEST_PASSWORD, meaning="approved").signed_at == start + LOCK_DURATION + (
        datetime.timedelta(seconds=1)
    )


def test_success_resets_the_count_and_old_failures_lapse(monkeypatch, signer, record):
    start = datetime.datetime(2026, 12, 4, 8, 0, tzinfo=datetime.UTC)
    freeze(monkeypatch, start)
    for _attempt in range(2):
        with pytest.raises(SignatureRefused):
            sign(record, signer, password="guess", meaning="approved")
    sign(record, signer, password=TEST_PASSWORD, meaning="approved")
    assert SigningAttempts.objects.get(user=signer).failures == 0
    for _attempt in range(2):
        with pytest.raises(SignatureRefused):
            sign(record, signer, password="guess", meaning="approved")
    freeze(monkeypatch, start + LOCK_DURATION + datetime.timedelta(minutes=1))
    with pytest.raises(SignatureRefused, match=r"\['The password is wrong\.'\]"):  # the third, but long after: no lock
        sign(record, signer, password="guess", meaning="approved")
    assert SigningAttempts.objects.get(user=signer).failures == 1


def test_a_failure_is_counted_once_even_when_the_action_rolls_back(signer, record):
    @counting_failed_signatures
    @transaction.atomic
    def signed_action() -> None:
        ChangeSet.objects.filter(pk=record.pk).update(description="changed by the action")
        sign(record, signer, password="guess", meaning="approved")

    with pytest.raises(SignatureRefused):
        signed_action()
    record.refresh_from_db()
    assert record.description == "Weekly instead of monthly."  # the action rolled back...
    assert SigningAttempts.objects.get(user=signer).failures == 1  # ...its failure is counted, once


def test_a_change_after_signing_is_visible(signer, record):
    signature = sign(record, signer, password=TEST_PASSWORD, meaning="approved")
    ChangeSet.objects.filter(pk=record.pk).update(updated_at=timezone.now())
    assert verify(signature)  # volatile fields are not signed
    ChangeSet.objects.filter(pk=record.pk).update(description="Monthly after all.")
    result = check(signature)
    assert (result.valid, result.changed) == (False, ["description"])
    ChangeSet.objects.filter(pk=record.pk).update(description="Weekly instead of monthly.")
    assert verify(signature)  # back to what was signed


def test_signatures_are_append_only(signer, record):
    signature = sign(record, signer, password=TEST_PASSWORD, meaning="approved")
    signature.statement = "edited"
    with pytest.raises(SignatureImmutable):
        signature.save()
    with pytest.raises(SignatureImmutable):
        signature.delete()
    with pytest.raises(SignatureImmutable):
        Signature.objects.filter(pk=signature.pk).update(statement="edited")
    with pytest.raises(SignatureImmutable):
        Signature.objects.all().delete()
    signature.refresh_from_db()
    assert signature.statement == ""


def test_the_admin_shows_signatures_but_cannot_add_change_or_delete_them(signer, record):
    signature = sign(record, signer, password=TEST_PASSWORD, meaning="approved")
    admin = make_role_user(ADMINISTRATOR, is_superuser=True)
    client = Client()
    client.force_login(admin)
    change_url = reverse("admin:people_signature_change", args=[signature.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert "Samantha Okafor" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"statement": "edited", "meaning": "reviewed"}).status_code == 403
    assert client.get(reverse("admin:people_signature_add")).status_code == 403
    assert (
        client.post(reverse("admin:people_signature_delete", args=[signature.pk]), {"post": "yes"}).status_code == 403
    )
    listing = client.post(
        reverse("admin:people_signature_changelist"), {"action": "delete_selected", "_selected_action": [signature.pk]}
    )
    assert listing.status_code in (200, 302)
    signature.refresh_from_db()
    assert (signature.statement, Signature.objects.count()) == ("", 1)
