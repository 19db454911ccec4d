"""The consent flag that employees had becomes their first consent record (the flag goes next)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

LEGACY_NOTICE = "before-consent-records"


def flags_to_records(apps: Any, schema_editor: Any) -> None:
    Employee = apps.get_model("people", "Employee")
    ConsentRecord = apps.get_model("people", "ConsentRecord")
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            employee_id=employee_id,
            purpose="location",
            given=True,
            at=at,
            notice_version=LEGACY_NOTICE,
            notice_text="Consent recorded as a flag on the employee before consent records were kept.",
        )
        for employee_id, at in Employee.objects.filter(location_tracking_consent=True).values_list(
            "id", "location_tracking_consent_at"
        )
    )


def records_to_flags(apps: Any, schema_editor: Any) -> None:
    Employee = apps.get_model("people", "Employee")
    ConsentRecord = apps.get_model("people", "ConsentRecord")
    seen: set[int] = set()
    for record in ConsentRecord.objects.filter(purpose="location").order_by("employee_id", "-at", "-id"):
        if record.employee_id in seen:
            continue  # only the latest record of each employee is the state in force
        seen.add(record.employee_id)
        if record.given:
            Employee.objects.filter(pk=record.employee_id).update(
                location_tracking_consent=True, location_tracking_consent_at=record.at
            )
    # What the forward step made goes back into the flag alone, so migrating forward again adds it once.
    ConsentRecord.objects.filter(notice_version=LEGACY_NOTICE).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0006_privacy")]

    operations = [migrations.RunPython(flags_to_records, records_to_flags)]
