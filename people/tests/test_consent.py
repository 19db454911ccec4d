"""Consent records, and the places that keep a person's location or photo only with their consent."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assets.models import Attachment
from core.errors import ActionNotAllowed
from orders import records
from people.models import ConsentPurpose, ConsentRecord, LocationTrace, PersonInPhoto
from people.privacy import Position, current_consent, has_consent, photo_mark_person, record_consent

pytestmark = pytest.mark.django_db

# A 1x1 PNG: a real image for the upload paths.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
POSITION = Position(Decimal("-0.137512"), Decimal("34.739840"), 12)


def give(employee, purpose, *, given=True, at=None, user=None):
    return record_consent(employee=employee, purpose=purpose, given=given, notice_version="2026-03", user=user, at=at)


class TestConsentRecords:
    def test_the_latest_statement_is_in_force_and_the_history_is_kept(self, employee, sup) -> None:
        assert has_consent(employee, ConsentPurpose.LOCATION) is False  # never asked: no consent
        first = give(employee, ConsentPurpose.LOCATION, at=timezone.now() - datetime.timedelta(days=3), user=sup)
        assert has_consent(employee, ConsentPurpose.LOCATION) is True
        assert has_consent(employee, ConsentPurpose.PHOTOS) is False  # one purpose says nothing of another
        give(employee, ConsentPurpose.LOCATION, given=False)
        assert has_consent(employee, ConsentPurpose.LOCATION) is False
        # A statement entered late but made before the withdrawal does not override it.
        give(employee, ConsentPurpose.LOCATION, at=timezone.now() - datetime.timedelta(days=1))
        assert has_consent(employee, ConsentPurpose.LOCATION) is False
        assert ConsentRecord.objects.filter(employee=employee).count() == 3
        assert first.recorded_by == sup
        assert first.notice_version == "2026-03"
        current = ConsentRecord.objects.current()
        assert list(current.values_list("given", flat=True)) == [False]

    def test_records_are_append_only(self, employee) -> None:
        record = give(employee, ConsentPurpose.PHOTOS)
        record.given = False
        with pytest.raises(ValueError, match="append-only"):
            record.save()
        with pytest.raises(ValueError, match="append-only"):
            record.delete()
        assert ConsentRecord.objects.get(pk=record.pk).given is True

    def test_bad_input_names_the_field(self, employee) -> None:
        with pytest.raises(ValidationError) as excinfo:
            record_consent(
                employee=employee,
                purpose="dreams",
                given=True,
                notice_version=" ",
                at=timezone.now() + datetime.timedelta(days=1),
            )
        assert set(excinfo.value.message_dict) == {"purpose", "notice_version", "at"}
        assert not ConsentRecord.objects.exists()


class TestLocation:
    def test_no_consent_no_trace_but_the_clock_starts(self, order, tech, employee) -> None:
        entry = records.labour_start(order=order, user=tech, position=POSITION)
        assert entry.pk is not None
        assert not LocationTrace.objects.exists()

    def test_with_consent_the_position_is_kept(self, order, tech, employee) -> None:
        give(employee, ConsentPurpose.LOCATION)
        entry = records.labour_start(order=order, user=tech, position=POSITION)
        trace = LocationTrace.objects.get()
        assert (trace.employee, trace.latitude, trace.longitude, trace.accuracy_m) == (
            employee,
            Decimal("-0.137512"),
            Decimal("34.739840"),
            12,
        )
        assert (trace.source, trace.reference, trace.at) == ("clock_start", order.number, entry.started_at)

    def test_after_withdrawal_nothing_more_is_kept(self, order, tech, employee) -> None:
        give(employee, ConsentPurpose.LOCATION)
        give(employee, ConsentPurpose.LOCATION, given=False)
        records.labour_start(order=order, user=tech, position=POSITION)
        assert not LocationTrace.objects.exists()

    def test_the_api_takes_the_position_and_refuses_half_of_one(self, order, tech, employee) -> None:
        give(employee, ConsentPurpose.LOCATION)
        client = APIClient()
        client.force_authenticate(tech)
        url = reverse("api:workorder-clock-start", args=[order.pk])
        response = client.post(url, {"latitude": "-0.1375"}, format="json")
        assert response.status_code == 400
        response = client.post(url, {"latitude": "91", "longitude": "34.7"}, format="json")
        assert response.status_code == 400
        assert "latitude" in response.json()
        assert not LocationTrace.objects.exists()
        response = client.post(url, {"latitude": "-0.1375", "longitude": "34.7398", "accuracy_m": 8}, format="json")
        assert response.status_code == 201, response.content
        assert "latitude" not in response.json()  # the labour entry does not carry where they were
        assert LocationTrace.objects.get().latitude == Decimal("-0.137500")

    def test_position_parse_checks_ranges(self) -> None:
        assert Position.parse("-1.5", "36.8", "5") == Position(Decimal("-1.500000"), Decimal("36.800000"), 5)
        with pytest.raises(ValidationError) as excinfo:
            Position.parse("x", "181", "-3")
        assert set(excinfo.value.message_dict) == {"latitude", "longitude", "accuracy_m"}


def photo(name: str = "pump.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


class TestPhotos:
    def test_a_photo_of_someone_without_consent_is_not_stored(self, order, tech, employee) -> None:
        with pytest.raises(ValidationError) as excinfo:
            records.attachment_add(order=order, user=tech, file=photo(), people_shown=[employee])
        assert "Amina Otieno" in " ".join(excinfo.value.message_dict["people_shown"])
        assert not Attachment.objects.exists()
        assert not PersonInPhoto.objects.exists()

    def test_with_consent_the_photo_is_marked(self, order, tech, employee) -> None:
        consent = give(employee, ConsentPurpose.PHOTOS)
        attachment = records.attachment_add(order=order, user=tech, file=photo(), people_shown=[employee])
        mark = PersonInPhoto.objects.get()
        assert (mark.attachment, mark.employee, mark.consent, mark.marked_by) == (attachment, employee, consent, tech)
        assert not PersonInPhoto.objects.without_consent().exists()
        # Withdrawn later: the photo is flagged for review, and no new mark can be made.
        give(employee, ConsentPurpose.PHOTOS, given=False)
        assert list(PersonInPhoto.objects.without_consent()) == [mark]
        other = records.attachment_add(order=order, user=tech, file=photo("valve.png"))
        with pytest.raises(ActionNotAllowed, match="not consented"):
            photo_mark_person(attachment=other, employee=employee, user=tech)

    def test_a_document_cannot_show_a_person(self, order, tech, employee) -> None:
        give(employee, ConsentPurpose.PHOTOS)
        upload = SimpleUploadedFile("report.pdf", b"%PDF-1.4 test", content_type="application/pdf")
        with pytest.raises(ValidationError) as excinfo:
            records.attachment_add(order=order, user=tech, file=upload, people_shown=[employee])
        assert "people_shown" in excinfo.value.message_dict
        assert not Attachment.objects.exists()

    def test_the_api_upload_refuses_without_consent(self, order, tech, employee) -> None:
        client = APIClient()
        client.force_authenticate(tech)
        url = reverse("api:attachment-list", kwargs={"order_pk": order.pk})
        response = client.post(url, {"file": photo(), "people_shown": [employee.pk]}, format="multipart")
        assert response.status_code == 400
        assert "people_shown" in response.json()
        give(employee, ConsentPurpose.PHOTOS)
        response = client.post(url, {"file": photo(), "people_shown": [employee.pk]}, format="multipart")
        assert response.status_code == 201, response.content
        assert PersonInPhoto.objects.get().attachment_id == response.json()["id"]
        assert current_consent(employee, ConsentPurpose.PHOTOS) is not None
