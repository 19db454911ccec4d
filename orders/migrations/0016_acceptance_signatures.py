"""Acceptance signatures kept on the order (``signed_by``, ``signed_at``, ``signature_meaning``) become
``people.Signature`` rows, the one record of every electronic signature; the next migration drops the
order's columns.

The content they cover is the order as it is now (what it was at signing is not known any more); the
order's old free-text meaning is kept as the signature's statement, with a note that it was carried over.
The fields and the canonical JSON are those of ``people.signatures`` at the time of writing, frozen here.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal

from django.db import migrations

SIGNED_FIELDS = (
    "number",
    "kind",
    "site_id",
    "area_id",
    "resource_id",
    "container_id",
    "material_id",
    "plan_instance_id",
    "activity_id",
    "activity_code",
    "sequence",
    "title",
    "description",
    "priority",
    "execution_state",
    "started_at",
    "completed_at",
    "accepted_at",
    "closed_at",
    "state_reason",
    "failure_problem_id",
    "failure_cause_id",
    "failure_remedy_id",
)


def plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def forwards(apps, schema_editor):
    WorkOrder = apps.get_model("orders", "WorkOrder")
    Signature = apps.get_model("people", "Signature")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Employee = apps.get_model("people", "Employee")
    User = apps.get_model("auth", "User")
    signed = WorkOrder.objects.filter(signed_by__isnull=False)
    if not signed.exists():
        return
    content_type, _created = ContentType.objects.get_or_create(app_label="orders", model="workorder")
    names = dict(Employee.objects.filter(user__isnull=False).values_list("user_id", "name"))
    users = {user.pk: user for user in User.objects.filter(pk__in=signed.values("signed_by_id"))}
    rows = []
    for values in signed.values("pk", "signed_by_id", "signed_at", "signature_meaning", *SIGNED_FIELDS).iterator():
        user = users[values["signed_by_id"]]
        content = {
            "model": "orders.workorder",
            "id": values["pk"],
            "fields": {name: plain(values[name]) for name in SIGNED_FIELDS},
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        full_name = f"{user.first_name} {user.last_name}".strip()
        statement = f"{values['signature_meaning']} (carried over from the order's acceptance fields)"
        rows.append(
            Signature(
                content_type=content_type,
                object_id=values["pk"],
                action="acceptance",
                signer_id=user.pk,
                signer_name=(names.get(user.pk) or full_name or user.username)[:200],
                signed_at=values["signed_at"] or values["accepted_at"] or values["closed_at"],
                meaning="accepted",
                statement=statement.strip()[:300],
                method="password",
                content=text,
                content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            )
        )
    Signature.objects.bulk_create(rows, batch_size=500)


def backwards(apps, schema_editor):
    WorkOrder = apps.get_model("orders", "WorkOrder")
    Signature = apps.get_model("people", "Signature")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="orders", model="workorder").first()
    if content_type is None:
        return
    for signature in Signature.objects.filter(content_type=content_type, action="acceptance").order_by("signed_at"):
        WorkOrder.objects.filter(pk=signature.object_id).update(
            signed_by_id=signature.signer_id,
            signed_at=signature.signed_at,
            signature_meaning=signature.statement[:200],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("orders", "0015_kpi_indexes"),
        ("people", "0006_signatures"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
