"""Anonymising an employee: identity gone everywhere (history included), work records and KPIs intact."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.urls import reverse

from assets.models import Attachment
from core.errors import ActionNotAllowed
from core.models import Notification
from core.notifications import notify
from orders import records
from orders.models import Comment, LabourEntry, WorkOrder
from people.anonymisation import anonymise_employee
from people.factories import CertificationFactory, EmployeeCertificationFactory, make_role_user
from people.models import ConsentPurpose, ConsentRecord, Employee, LocationTrace, PrivacyAction, PrivacyLog
from people.privacy import Position, record_consent
from people.tests.test_consent import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(order, tech, sup, employee):
    """Amina's traces: labour, a comment and notes naming her, a certificate, a notification, a photo."""
    records.labour_add(order=order, user=tech, hours="2", note="Amina Otieno and Juma replaced the seal")
    records.labour_add(order=order, user=sup, hours="1.5", employee=employee)
    records.comment_add(order=order, user=sup, text="Ask amina otieno about the valve; Amina Otienoson knows too.")
    WorkOrder.objects.filter(pk=order.pk).update(description="Reported by Amina Otieno")
    services_order = WorkOrder.objects.get(pk=order.pk)
    services_order.title = "Seal leak (Amina Otieno)"
    services_order.save()  # a history row carrying the name
    EmployeeCertificationFactory(employee=employee, certification=CertificationFactory(), certificate_number="CSE-77")
    notify([tech], "Your order", "Please check")
    notify([sup], "Amina Otieno stopped her clock", "Amina Otieno recorded 2 h")
    record_consent(employee=employee, purpose=ConsentPurpose.LOCATION, given=True, notice_version="1")
    record_consent(employee=employee, purpose=ConsentPurpose.PHOTOS, given=True, notice_version="1")
    records.labour_start(order=order, user=tech, position=Position(Decimal(1), Decimal(2)))
    records.labour_stop(order=order, user=tech)
    records.attachment_add(order=order, user=tech, file=photo(), people_shown=[employee])
    records.attachment_add(order=order, user=tech, file=photo("gauge.png"))
    employee.phone = "+254 711 111 111"
    employee.save()  # another history row with the old identity
    LogEntry.objects.create(
        user=sup,
        content_type=ContentType.objects.get_for_model(Employee),
        object_id=str(employee.pk),
        object_repr=str(employee),
        action_flag=CHANGE,
    )
    return order


def kpis():
    return (
        LabourEntry.objects.aggregate(hours=Sum("hours"), cost=Sum("cost"), entries=Count("id")),
        WorkOrder.objects.aggregate(orders=Count("id"), states=Count("execution_state", distinct=True)),
        Comment.objects.count(),
    )


def test_identity_goes_everywhere_and_the_work_stays(worked, employee, tech, sup) -> None:
    before = kpis()
    labour_ids = set(LabourEntry.objects.filter(employee=employee).values_list("id", flat=True))
    assert len(labour_ids) == 3

    log = anonymise_employee(employee=employee, user=sup)

    employee.refresh_from_db()
    label = f"Anonymised employee {employee.pk}"
    assert (employee.name, employee.code, employee.email, employee.phone, employee.active) == (
        label,
        f"ANON-{employee.pk}",
        "",
        "",
        False,
    )
    assert employee.hourly_rate == Decimal("40.00")  # not identifying; past costs are on the entries anyway
    user = User.objects.get(pk=tech.pk)
    assert (user.username, user.first_name, user.last_name, user.email) == (f"anon-{user.pk}", "", "", "")
    assert not user.has_usable_password()
    assert not user.is_active
    assert not user.groups.exists()

    # History: every copy of the employee is overwritten; the actor stays the (anonymised) user.
    history = Employee.history.filter(id=employee.pk)
    assert history.count() >= 3
    assert set(history.values_list("name", "email", "phone")) == {(label, "", "")}
    assert not Employee.history.filter(name__icontains="Otieno").exists()
    assert WorkOrder.history.filter(history_user=tech).exists()

    # Free text: whole-name matches replaced, other words left alone, history rows too.
    note = LabourEntry.objects.filter(note__contains="replaced the seal").get().note
    assert note == f"{label} and Juma replaced the seal"
    assert Comment.objects.get().text == f"Ask {label} about the valve; Amina Otienoson knows too."
    order = WorkOrder.objects.get(pk=worked.pk)
    assert (order.title, order.description) == (f"Seal leak ({label})", f"Reported by {label}")
    assert not WorkOrder.history.filter(title__icontains="Amina Otieno").exists()
    assert not LabourEntry.history.filter(note__icontains="Amina Otieno").exists()
    assert Notification.objects.get(recipient=sup).title == f"{label} stopped her clock"
    assert not Notification.objects.filter(recipient=tech).exists()

    # Certificate numbers, traces and photos of the person go; other photos stay; consents are evidence.
    assert not employee.certifications.exclude(certificate_number="").exists()
    assert not LocationTrace.objects.exists()
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["gauge.png"]
    assert ConsentRecord.objects.filter(employee=employee).count() == 2
    assert LogEntry.objects.get(object_id=str(employee.pk)).object_repr == str(employee)

    # The work and its numbers are untouched.
    assert kpis() == before
    assert set(LabourEntry.objects.filter(employee=employee).values_list("id", flat=True)) == labour_ids

    # The log says who and when, not who it was.
    assert (log.action, log.employee, log.performed_by) == (PrivacyAction.ANONYMISED, employee, sup)
    assert log.counts["people.historicalemployee"] == history.count()
    assert "Otieno" not in str(log.counts)


def test_it_cannot_be_done_twice(worked, employee, sup) -> None:
    anonymise_employee(employee=employee, user=sup)
    with pytest.raises(ActionNotAllowed, match="already"):
        anonymise_employee(employee=employee, user=sup)
    assert PrivacyLog.objects.filter(action=PrivacyAction.ANONYMISED).count() == 1


def test_the_command_asks_and_finds_by_username(worked, employee, monkeypatch) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: "wrong")
    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("anonymise_employee", "amina")
    assert Employee.objects.get(pk=employee.pk).name == "Amina Otieno"
    code = employee.code
    monkeypatch.setattr("builtins.input", lambda prompt: code)
    out = io.StringIO()
    call_command("anonymise_employee", "amina", stdout=out)
    assert f"Employee {employee.pk} anonymised" in out.getvalue()
    assert Employee.objects.get(pk=employee.pk).code == f"ANON-{employee.pk}"
    with pytest.raises(CommandError, match="No single employee"):
        call_command("anonymise_employee", "nobody", "--yes")


def test_the_admin_action_asks_for_confirmation(worked, employee, client) -> None:
    administrator = make_role_user("Administrator")
    client.force_login(administrator)
    url = reverse("admin:people_employee_changelist")
    data = {"action": "anonymise", "_selected_action": [employee.pk]}
    page = client.post(url, data)
    assert page.status_code == 200
    assert b"cannot be undone" in page.content
    assert Employee.objects.get(pk=employee.pk).name == "Amina Otieno"
    unticked = client.post(url, {**data, "apply": "1"})
    assert b"Tick the box" in unticked.content
    assert Employee.objects.get(pk=employee.pk).name == "Amina Otieno"
    done = client.post(url, {**data, "apply": "1", "confirm": "on"}, follow=True)
    assert b"1 employee anonymised" in done.content
    assert PrivacyLog.objects.get().performed_by == administrator


def test_a_supervisor_has_no_privacy_actions(worked, site, client) -> None:
    supervisor = make_role_user("Supervisor", site=site)
    supervisor.is_staff = True
    supervisor.save()
    client.force_login(supervisor)
    page = client.get(reverse("admin:people_employee_changelist"))
    assert page.status_code == 200
    request = page.wsgi_request
    actions = admin.site._registry[Employee].get_actions(request)
    assert "anonymise" not in actions
    assert "export_personal_data" not in actions


def test_tokens_devices_and_login_traces_go_with_the_identity(worked, employee, sup) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    user = employee.user
    old = user.username
    Token.objects.create(user=user)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    AccessLog.objects.create(username=old, ip_address="10.0.0.7", user_agent="Firefox on Amina's phone")
    AccessFailureLog.objects.create(username=old, ip_address="10.0.0.7", user_agent="Firefox", locked_out=False)
    AccessAttempt.objects.create(username=old, ip_address="10.0.0.7", user_agent="Firefox", failures_since_start=2)
    AccessLog.objects.create(username="someone-else", ip_address="10.0.0.8", user_agent="Chrome")

    log = anonymise_employee(employee=employee, user=sup)

    assert not Token.objects.filter(user=user).exists()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not AccessAttempt.objects.filter(username=old).exists()
    for model in (AccessLog, AccessFailureLog):
        assert not model.objects.filter(username=old).exists()
        row = model.objects.get(username=f"anon-{user.pk}")
        assert (row.ip_address, row.user_agent) == (None, "")
    # Someone else's login trace is left as it was.
    assert AccessLog.objects.get(username="someone-else").ip_address == "10.0.0.8"
    assert log.counts["authtoken.token"] == 1
    assert log.counts["axes.accesslog"] == 1
