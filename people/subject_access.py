"""Data-subject access: everything the system holds about one person, as a ZIP of JSON files.

Which rows are about the person is found from the models themselves, so a model added later is in the
export without anyone remembering to add it: every row with a foreign key to the employee or to their
user (certifications, consents, location traces, labour, assignments, notifications, records they
made...), every history row whose subject is them (their employee's history, history of rows pointing
at them) or whose actor they were (``history_user``), and the rows apps register as about them without
such a key (``PersonalData.related``: the work orders they worked on). Secrets are left out: the
password hash, API token keys, TOTP seeds.

The archive holds ``manifest.json`` (who, when, the files and their row counts) and one
``<app>.<model>.json`` per kind (``history/<app>.<model>.json`` for history), each a list of rows in
Django's serialisation format (``{"model", "pk", "fields"}``).
"""

from __future__ import annotations

import json
import zipfile
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from people.models import Employee, PrivacyAction, PrivacyLog
from people.privacy import history_model, registered_personal_data

# Rows or fields that are secrets of the person, not data about them: never exported.
SECRET_MODELS = {"authtoken.token", "authtoken.tokenproxy", "sessions.session"}
SECRET_FIELDS = {"password", "key", "secret", "token", "key_hash", "otp_secret"}


def _exported_fields(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in (*model._meta.concrete_fields, *model._meta.many_to_many)
        if not field.primary_key and field.name not in SECRET_FIELDS
    ]


def _keys_to(model: type[models.Model], targets: tuple[type[models.Model], ...], *, skip: set[str]) -> list[str]:
    """Names of ``model``'s foreign keys to any of ``targets``."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in targets and field.name not in skip
    ]


def _about(
    model: type[models.Model],
    employee: Employee,
    user: Any,
    *,
    skip: set[str] = frozenset(),  # type: ignore[assignment]
) -> Q | None:
    """The condition for ``model``'s rows that point at the person (None: none can)."""
    user_model = get_user_model()
    query = Q()
    found = False
    for name in _keys_to(model, (Employee,), skip=skip):
        query |= Q(**{f"{name}_id": employee.pk})
        found = True
    if user is not None:
        for name in _keys_to(model, (user_model,), skip=skip):
            query |= Q(**{f"{name}_id": user.pk})
            found = True
    return query if found else None


def person_data(employee: Employee) -> dict[str, list[dict[str, Any]]]:
    """Every row about ``employee`` (and their user), per file name of the export."""
    user_model = get_user_model()
    user = employee.user
    related: dict[type[models.Model], Q] = {}
    for entry in registered_personal_data():
        if entry.related is not None:
            for model, extra in entry.related(employee, user).items():
                related[model] = related.get(model, Q()) | extra
    histories = {history_model(model): model for model in apps.get_models() if history_model(model) is not None}

    sections: dict[str, models.QuerySet[Any]] = {"people.employee": Employee.objects.filter(pk=employee.pk)}
    if user is not None:
        sections["auth.user"] = user_model._default_manager.filter(pk=user.pk)
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.proxy or label in SECRET_MODELS or model in (Employee, user_model):
            continue
        condition: Q | None
        if model in histories:
            subject = _about(model, employee, user, skip={"history_user"})
            if histories[model] is Employee:
                subject = (subject or Q()) | Q(id=employee.pk)
            condition = subject
            if user is not None:
                condition = (condition or Q()) | Q(history_user_id=user.pk)
            name = f"history/{histories[model]._meta.label_lower}"
        else:
            condition = _about(model, employee, user)
            if model in related:
                condition = (condition or Q()) | related[model]
            name = label
        if condition is not None:
            sections[name] = model._default_manager.filter(condition).distinct().order_by("pk")
    return {
        name: serializers.serialize("python", rows, fields=_exported_fields(rows.model))
        for name, rows in sections.items()
        if rows.exists()
    }


@transaction.atomic
def export_person_data(*, employee: Employee, out: IO[bytes], user: Any = None) -> dict[str, int]:
    """Write the ZIP of everything about ``employee`` to ``out``; log who exported it. Answers the rows
    per file."""
    employee = Employee.objects.select_related("user").get(pk=employee.pk)
    data = person_data(employee)
    counts = {name: len(rows) for name, rows in data.items()}
    manifest = {
        "subject": {"employee": employee.pk, "user": employee.user_id},
        "generated_at": timezone.now(),
        "system": "MMS",
        "time_zone": settings.TIME_ZONE,
        "format": "Each file is a list of rows: {model, pk, fields} (Django serialisation).",
        "files": {f"{name}.json": count for name, count in counts.items()},
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, indent=2))
        for name, rows in data.items():
            archive.writestr(f"{name}.json", json.dumps(rows, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
    PrivacyLog.objects.create(
        action=PrivacyAction.EXPORTED,
        employee=employee,
        performed_by=user if getattr(user, "is_authenticated", False) else None,
        counts=counts,
    )
    return counts
