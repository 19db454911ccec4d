"""Anonymising an employee: their identity goes, everywhere, for good; the work they did stays.

What changes: the employee (name, code, e-mail, phone; deactivated), their user (username ``anon-<id>``,
no name or e-mail, unusable password, deactivated, no roles), every history row of the employee, their
certificate numbers, the admin log's labels of them, the login logs' username, address and browser,
the full name wherever free text carries it (the fields apps register, and those fields' history rows);
deleted: their API tokens, one-time-password devices and lockout attempts, notifications to them, their
location traces and the photos marked as showing them. What stays: every work record and its numbers
(labour hours, rates and costs, orders and their states, parts used): they point at the same, now
anonymous, rows, so the KPIs do not move. History keeps ``history_user`` pointing at the (anonymised) user.

A ``PrivacyLog`` row says who anonymised and when, and how many rows changed, not who it was.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionNotAllowed
from core.models import Notification
from people.models import Employee, EmployeeCertification, LocationTrace, PrivacyAction, PrivacyLog
from people.privacy import ANONYMOUS_CODE, Counts, free_text_places, history_model, names_of


def is_anonymised(employee: Employee) -> bool:
    return PrivacyLog.objects.filter(employee=employee, action=PrivacyAction.ANONYMISED).exists()


def anonymous_label(employee: Employee) -> str:
    return str(_("Anonymised employee %(id)s")) % {"id": employee.pk}


def _replace_names(counts: Counts, names: list[str], label: str) -> None:
    """Rewrite every registered free-text field (and its history rows) that carries one of ``names``.

    The rows are found in SQL (``icontains``); the replacement is a whole-word, case-insensitive regular
    expression in Python, which SQL ``REPLACE`` cannot do ("Ann Lee" must not change "Ann Leeds").
    """
    if not names:
        return
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(name) for name in names) + r")(?!\w)", re.IGNORECASE)
    for model, fields in free_text_places():
        for target in (model, history_model(model)):
            if target is None:
                continue
            found = Q()
            for name in names:
                for field_name in fields:
                    found |= Q(**{f"{field_name}__icontains": name})
            changed = []
            for row in target._default_manager.filter(found).iterator(chunk_size=500):
                before = [getattr(row, field_name) for field_name in fields]
                for field_name, value in zip(fields, before, strict=True):
                    setattr(row, field_name, pattern.sub(label, value or ""))
                if [getattr(row, field_name) for field_name in fields] != before:
                    changed.append(row)
            target._default_manager.bulk_update(changed, fields, batch_size=500)
            counts.add(f"free_text.{target._meta.label_lower}", len(changed))


def _anonymise_user(counts: Counts, user: Any) -> None:
    user.username = f"anon-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    counts.add("auth.user", 1)


def _forget_credentials(counts: Counts, user: Any, username: str) -> None:
    """The user's ways in and the traces of their logins: API tokens and one-time-password devices go
    (nobody logs in as this user again); the login lockout's attempts and logs keep their times but lose
    the username, address and browser that named the person."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp import devices_for_user
    from rest_framework.authtoken.models import Token

    counts.add("authtoken.token", Token.objects.filter(user=user).delete()[0])
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        counts.add(device._meta.label_lower, 1)
    anonymous = f"anon-{user.pk}"
    for model in (AccessLog, AccessFailureLog):
        counts.add(
            model._meta.label_lower,
            model.objects.filter(username=username).update(username=anonymous, ip_address=None, user_agent=""),
        )
    # Attempts are unique per username, address and browser, and only count failures towards a lockout.
    counts.add(AccessAttempt._meta.label_lower, AccessAttempt.objects.filter(username=username).delete()[0])


def _relabel_admin_log(counts: Counts, employee: Employee, user: Any) -> None:
    """The admin's "recent actions" keep each object's label as it was: relabel the person's."""
    targets = [(Employee, employee.pk, str(employee))]
    if user is not None:
        targets.append((type(user), user.pk, user.get_username()))
    for model, pk, label in targets:
        counts.add(
            "admin.logentry",
            LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=str(pk)).update(
                object_repr=label[:200]
            ),
        )


@transaction.atomic
def anonymise_employee(*, employee: Employee, user: Any = None) -> PrivacyLog:
    """Replace ``employee``'s identifying data everywhere (irreversible); ``user`` is who does it.

    Refused for an employee already anonymised and for the shared anonymous employee.
    """
    # Two administrators anonymising the same person at once: the second waits here, then is refused.
    employee = Employee.objects.select_for_update(of=("self",)).select_related("user").get(pk=employee.pk)
    if employee.code == ANONYMOUS_CODE:
        raise ActionNotAllowed(_("The shared anonymous employee has no identity to remove."))
    if is_anonymised(employee):
        raise ActionNotAllowed(_("This employee has already been anonymised."))
    counts = Counts()
    person = employee.user
    names = names_of(employee)
    label = anonymous_label(employee)

    _replace_names(counts, names, label)
    if person is not None:
        counts.add("core.notification", Notification.objects.filter(recipient=person).delete()[0])
    counts.add("people.locationtrace", LocationTrace.objects.filter(employee=employee).delete()[0])
    photos = list(employee.photos.select_related("attachment"))
    for mark in photos:
        # The file goes once the deletion is committed (a rollback must not lose a file still referenced).
        transaction.on_commit(functools.partial(mark.attachment.file.delete, save=False))
        mark.attachment.delete()
    counts.add("assets.attachment", len(photos))

    employee.name, employee.code = label, f"ANON-{employee.pk}"
    employee.email = employee.phone = ""
    employee.active = False
    employee._change_reason = "anonymised"  # type: ignore[attr-defined]
    employee.save()
    counts.add("people.employee", 1)
    counts.add(
        "people.historicalemployee",
        Employee.history.filter(id=employee.pk).update(name=label, code=employee.code, email="", phone=""),
    )
    certifications = EmployeeCertification.objects.filter(employee=employee).exclude(certificate_number="")
    counts.add("people.employeecertification", certifications.update(certificate_number=""))
    counts.add(
        "people.historicalemployeecertification",
        EmployeeCertification.history.filter(employee_id=employee.pk)
        .exclude(certificate_number="")
        .update(certificate_number=""),
    )
    if person is not None:
        _forget_credentials(counts, person, person.get_username())
        _anonymise_user(counts, person)
    _relabel_admin_log(counts, employee, person)
    return PrivacyLog.objects.create(
        action=PrivacyAction.ANONYMISED,
        employee=employee,
        performed_by=user if getattr(user, "is_authenticated", False) else None,
        performed_at=timezone.now(),
        counts=counts.rows,
    )


def find_employee(identifier: str) -> Employee:
    """The employee a command names: by id, by code, or by their user's username."""
    identifier = identifier.strip()
    query = Q(code=identifier) | Q(user__username=identifier)
    if identifier.isdigit():
        query |= Q(pk=int(identifier))
    matches = list(Employee.objects.filter(query).select_related("user")[:2])
    if len(matches) != 1:
        raise Employee.DoesNotExist(
            _("No single employee has the id, code or username %(identifier)r.") % {"identifier": identifier}
        )
    return matches[0]
