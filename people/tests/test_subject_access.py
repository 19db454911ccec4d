"""Data-subject access: the ZIP holds every kind of data about the person, and no secrets."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from core.notifications import notify
from orders import records, services
from orders.factories import in_progress_order, planned_order
from orders.models import WorkOrder
from people.factories import CertificationFactory, EmployeeCertificationFactory, EmployeeFactory, make_role_user
from people.models import ConsentPurpose, PrivacyAction, PrivacyLog
from people.privacy import Position, record_consent
from people.subject_access import export_person_data
from people.tests.test_consent import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(order, tech, sup, employee, resource):
    """Amina: a certificate, consents, a trace, labour on one order, assigned to another, a request of
    her own, a notification, a photo of her, history as subject and actor; and a colleague's data."""
    EmployeeCertificationFactory(employee=employee, certification=CertificationFactory(), certificate_number="CSE-77")
    record_consent(employee=employee, purpose=ConsentPurpose.LOCATION, given=True, notice_version="1")
    record_consent(employee=employee, purpose=ConsentPurpose.PHOTOS, given=True, notice_version="1")
    records.labour_start(order=order, user=tech, position=Position(Decimal("-0.1"), Decimal("34.7")))
    records.labour_stop(order=order, user=tech)
    assigned = planned_order(resource)
    services.order_approve(order=assigned, user=sup)
    records.order_assign(order=assigned, employees=[employee], user=sup)
    requested = WorkOrder.objects.create(
        title="Door sticks", resource=resource, site=resource.area.site, number="WO-REQ-1", requester=tech
    )
    notify([tech], "Your order", "Please check")
    notify([sup], "Not for Amina")
    records.attachment_add(order=order, user=sup, file=photo(), people_shown=[employee])
    Token.objects.create(user=tech)
    TOTPDevice.objects.create(user=tech, name="phone")
    colleague = in_progress_order(resource, sup, make_role_user("Technician", site=resource.area.site))
    EmployeeFactory(name="Someone Else")
    return {"worked": order, "assigned": assigned, "requested": requested, "colleague": colleague}


def read(data: bytes) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def pks(files, name):
    return {row["pk"] for row in files[f"{name}.json"]}


def test_the_export_covers_every_kind_of_data(person, employee, tech, sup) -> None:
    out = io.BytesIO()
    counts = export_person_data(employee=employee, out=out, user=sup)
    files = read(out.getvalue())
    manifest = files.pop("manifest.json")
    assert manifest["subject"] == {"employee": employee.pk, "user": tech.pk}
    assert manifest["files"] == {f"{name}.json": count for name, count in counts.items()}
    assert {name: len(rows) for name, rows in files.items()} == manifest["files"]

    assert pks(files, "people.employee") == {employee.pk}
    assert files["people.employee.json"][0]["fields"]["name"] == "Amina Otieno"
    user = files["auth.user.json"][0]["fields"]
    assert user["username"] == "amina"
    assert "password" not in user
    assert files["people.employeecertification.json"][0]["fields"]["certificate_number"] == "CSE-77"
    assert {row["fields"]["purpose"] for row in files["people.consentrecord.json"]} == {"location", "photos"}
    assert len(files["people.locationtrace.json"]) == 1
    assert len(files["orders.labourentry.json"]) == 1
    # Beginning the work assigned her to it; the other order was assigned to her.
    assert {row["fields"]["order"] for row in files["orders.assignment.json"]} == {
        person["worked"].pk,
        person["assigned"].pk,
    }
    # Orders worked on, assigned to and requested; not the colleague's.
    assert pks(files, "orders.workorder") == {person["worked"].pk, person["assigned"].pk, person["requested"].pk}
    assert [row["fields"]["title"] for row in files["core.notification.json"]] == ["Your order"]
    assert len(files["people.personinphoto.json"]) == 1
    assert len(files["assets.attachment.json"]) == 1  # the photo of her (uploaded by the supervisor)
    # History: of her employee record (subject), of rows about her, and of what she did (actor).
    assert employee.pk in {row["fields"]["id"] for row in files["history/people.employee.json"]}
    assert files["history/orders.labourentry.json"]
    acted = [row for row in files["history/orders.workorder.json"] if row["fields"]["history_user"] == tech.pk]
    assert acted  # she began the order
    # Secrets are no data about her: no token keys, no TOTP seed.
    assert "authtoken.token.json" not in files
    assert all("key" not in row["fields"] for row in files["otp_totp.totpdevice.json"])
    text = json.dumps(files)
    assert "Someone Else" not in text
    assert "Not for Amina" not in text
    assert PrivacyLog.objects.get().action == PrivacyAction.EXPORTED


def test_the_command_writes_the_zip(person, employee, tmp_path) -> None:
    target = tmp_path / "amina.zip"
    out = io.StringIO()
    call_command("export_person_data", employee.code, "--output", str(target), stdout=out)
    files = read(target.read_bytes())
    assert "orders.labourentry.json" in files
    assert str(target) in out.getvalue()
    with pytest.raises(CommandError, match="exists"):
        call_command("export_person_data", employee.code, "--output", str(target))


def test_the_admin_action_answers_the_zip_for_one_employee(person, employee, client) -> None:
    client.force_login(make_role_user("Administrator"))
    url = reverse("admin:people_employee_changelist")
    response = client.post(url, {"action": "export_personal_data", "_selected_action": [employee.pk]})
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="person-data-{employee.pk}-')
    assert "people.consentrecord.json" in read(response.content)
    other = EmployeeFactory()
    response = client.post(
        url, {"action": "export_personal_data", "_selected_action": [employee.pk, other.pk]}, follow=True
    )
    assert b"exactly one employee" in response.content
