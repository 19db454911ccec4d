"""Personal data of employees: consent, location traces, people in photos, and retention.

One service per action: ``record_consent``, ``has_consent``, ``location_record``, ``photo_mark_person``,
``apply_retention`` here; ``anonymise_employee`` in ``people.anonymisation`` and ``export_person_data``
in ``people.subject_access``. The admin, the management commands and the Celery task call them.

**Apps above this floor** (orders keeps labour, comments, work orders) hold personal data too, but
``people`` may not import them. Each such app registers what it holds in its ``AppConfig.ready``
(``register_personal_data``): the free-text fields that may carry a person's name, the rows about a
person that no foreign key to them finds, and its own retention step. The services here run every
registered app's part, so the Employee admin action (on this floor) reaches the whole system, and an
app that adds personal data declares it next to its models (as ``core.scoping`` and ``core.panels``
registries do) instead of a top-floor module having to know every app's fields.
"""

from __future__ import annotations

import datetime
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Attachment
from core.errors import ActionNotAllowed
from people.models import ConsentPurpose, ConsentRecord, Employee, LocationTrace, PersonInPhoto

# --- The registry of apps' personal data -------------------------------------------------------

ANONYMOUS_CODE = "ANONYMOUS"


@dataclass(frozen=True)
class Retention:
    """One run of the retention policy: its cut-offs (None: that rule is off) and whether to only count."""

    now: datetime.datetime
    location_before: datetime.datetime | None
    labour_before: datetime.datetime | None
    dry_run: bool


@dataclass(frozen=True)
class PersonalData:
    """What one app holds about people, for anonymisation, export and retention.

    ``free_text``: models and their text fields where a person's name may be written (their history
    rows are rewritten too). ``related``: for export, per model, a condition for rows about the person
    that no foreign key to the employee or user finds (e.g. the work orders they worked on).
    ``retention``: the app's own step of the retention policy; answers rows (to be) changed per kind.
    """

    app: str
    free_text: Callable[[], list[tuple[type[models.Model], tuple[str, ...]]]] | None = None
    related: Callable[[Employee, Any], dict[type[models.Model], models.Q]] | None = None
    retention: Callable[[Retention], dict[str, int]] | None = None


_REGISTRY: dict[str, PersonalData] = {}


def register_personal_data(entry: PersonalData) -> None:
    """Declare an app's personal data (called from ``AppConfig.ready``; registering again replaces it)."""
    _REGISTRY[entry.app] = entry


def registered_personal_data() -> list[PersonalData]:
    return [_REGISTRY[app] for app in sorted(_REGISTRY)]


# --- Consent -----------------------------------------------------------------------------------


@transaction.atomic
def record_consent(
    *,
    employee: Employee,
    purpose: str,
    given: bool,
    notice_version: str,
    notice_text: str = "",
    user: Any = None,
    at: datetime.datetime | None = None,
) -> ConsentRecord:
    """Record that ``employee`` gave (or withdrew) consent for ``purpose`` against a notice version.

    A new record each time: the history of statements is the evidence, the latest is the state in force.
    ``at``: when the person stated it, if earlier than now (consent given on paper, entered later).
    """
    errors: dict[str, str] = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(ConsentPurpose.values)}
    if not notice_version.strip():
        errors["notice_version"] = _("Give the version of the notice the person was shown.")
    now = timezone.now()
    if at is not None and at > now:
        errors["at"] = _("Consent cannot be recorded for a time still to come.")
    if errors:
        raise ValidationError(errors)
    # Two records of one person and purpose at once: lock the employee so the order of records is theirs.
    Employee.objects.select_for_update().filter(pk=employee.pk).first()
    return ConsentRecord.objects.create(
        employee=employee,
        purpose=purpose,
        given=given,
        at=at or now,
        notice_version=notice_version.strip()[:50],
        notice_text=notice_text,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )


def current_consent(employee: Employee, purpose: str) -> ConsentRecord | None:
    """The record in force for ``employee`` and ``purpose`` (None: never asked)."""
    return ConsentRecord.objects.filter(employee=employee, purpose=purpose).order_by("-at", "-id").first()


def has_consent(employee: Employee, purpose: str) -> bool:
    """Whether the latest statement of ``employee`` about ``purpose`` gives consent."""
    record = current_consent(employee, purpose)
    return record is not None and record.given


# --- Location ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """A position a device reported (WGS 84 degrees; accuracy in metres, if known)."""

    latitude: Decimal
    longitude: Decimal
    accuracy_m: int | None = None

    @classmethod
    def parse(cls, latitude: Any, longitude: Any, accuracy_m: Any = None) -> Position:
        """A position from user input; ``ValidationError`` with field errors when it is not one."""
        errors: dict[str, str] = {}
        values: dict[str, Decimal] = {}
        for name, value, bound in (("latitude", latitude, 90), ("longitude", longitude, 180)):
            try:
                number = Decimal(str(value).strip())
            except (InvalidOperation, ValueError):
                errors[name] = _("Enter a number of degrees.")
                continue
            if not number.is_finite() or abs(number) > bound:
                errors[name] = _("Enter degrees between -%(bound)s and %(bound)s.") % {"bound": bound}
                continue
            values[name] = number.quantize(Decimal("0.000001"))
        accuracy: int | None = None
        if accuracy_m not in (None, ""):
            try:
                accuracy = round(float(accuracy_m))
            except (TypeError, ValueError):
                errors["accuracy_m"] = _("Enter the accuracy in metres.")
            else:
                if not 0 <= accuracy <= 1_000_000:
                    errors["accuracy_m"] = _("Enter the accuracy in metres.")
        if errors:
            raise ValidationError(errors)
        return cls(values["latitude"], values["longitude"], accuracy)


def location_record(
    *,
    employee: Employee,
    position: Position,
    source: str,
    reference: str = "",
    at: datetime.datetime | None = None,
) -> LocationTrace | None:
    """Keep where ``employee`` was, only if they consent to location tracking now; else store nothing
    and answer None. The work record the position came with is kept either way."""
    if not has_consent(employee, ConsentPurpose.LOCATION):
        return None
    return LocationTrace.objects.create(
        employee=employee,
        at=at or timezone.now(),
        latitude=position.latitude,
        longitude=position.longitude,
        accuracy_m=position.accuracy_m,
        source=source[:30],
        reference=reference[:50],
    )


# --- Photos ------------------------------------------------------------------------------------


def _is_image(attachment: Attachment) -> bool:
    return attachment.mime_type.startswith("image/")


def photo_check_consent(*, employees: Iterable[Employee], file_name: str) -> None:
    """Before storing an upload said to show ``employees``: it must be a photo, and each of them must
    consent to photos of them now; else ``ValidationError`` on ``people_shown`` naming who has not."""
    employees = list(employees)
    if not employees:
        return
    if not (mimetypes.guess_type(file_name)[0] or "").startswith("image/"):
        raise ValidationError({"people_shown": _("Only a photo (an image file) can show a person.")})
    refused = [employee.name for employee in employees if not has_consent(employee, ConsentPurpose.PHOTOS)]
    if refused:
        raise ValidationError(
            {
                "people_shown": _("No consent to photos of them: %(names)s. The photo was not stored.")
                % {"names": ", ".join(sorted(refused))}
            }
        )


@transaction.atomic
def photo_mark_person(*, attachment: Attachment, employee: Employee, user: Any = None) -> PersonInPhoto:
    """Mark a photo as showing ``employee``; refused unless they consent to photos of them now.

    A photo showing someone is kept only with a mark (so their export lists it, withdrawing consent
    flags it, and anonymising them deletes it); callers that upload refuse the upload when this refuses.
    """
    if not _is_image(attachment):
        raise ValidationError({"file": _("Only a photo (an image file) can show a person.")})
    record = current_consent(employee, ConsentPurpose.PHOTOS)
    if record is None or not record.given:
        raise ActionNotAllowed(
            _("%(name)s has not consented to photos of them; the photo cannot show them.") % {"name": employee.name}
        )
    mark, _created = PersonInPhoto.objects.get_or_create(
        attachment=attachment,
        employee=employee,
        defaults={"consent": record, "marked_by": user if getattr(user, "is_authenticated", False) else None},
    )
    return mark


# --- Retention ---------------------------------------------------------------------------------


def years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    """The same calendar moment ``years`` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def anonymous_employee() -> Employee:
    """The one inactive employee that old labour entries are moved to: hours and costs stay where they
    are, the person is no one. Created on first use; concurrent first uses meet on the unique code."""
    try:
        with transaction.atomic():
            employee, _created = Employee.objects.get_or_create(
                code=ANONYMOUS_CODE,
                defaults={"name": str(_("Anonymous")), "active": False, "hourly_rate": Decimal(0)},
            )
    except IntegrityError:
        employee = Employee.objects.get(code=ANONYMOUS_CODE)
    return employee


def retention_cutoffs(now: datetime.datetime | None = None, *, dry_run: bool = False) -> Retention:
    """The cut-offs of the settings: RETENTION_LOCATION_DAYS and RETENTION_ANONYMISE_LABOUR_YEARS
    (0 turns a rule off)."""
    now = now or timezone.now()
    days = settings.RETENTION_LOCATION_DAYS
    years = settings.RETENTION_ANONYMISE_LABOUR_YEARS
    return Retention(
        now=now,
        location_before=now - datetime.timedelta(days=days) if days > 0 else None,
        labour_before=years_before(now, years) if years > 0 else None,
        dry_run=dry_run,
    )


def apply_retention(*, now: datetime.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete location traces older than the policy allows and run every app's retention step (orders:
    labour entries' person anonymised after N years). Answers the rows changed (or, dry run, that would
    be) per kind.

    Each step is one set-based statement whose condition excludes what it already did, so running it
    again changes nothing, and two runs at once cannot both change a row: the second one's statement
    waits for the first's row locks and then finds nothing left to do.
    """
    retention = retention_cutoffs(now, dry_run=dry_run)
    counts: dict[str, int] = {"location_traces_deleted": 0}
    if retention.location_before is not None:
        old = LocationTrace.objects.filter(at__lt=retention.location_before)
        counts["location_traces_deleted"] = old.count() if dry_run else old.delete()[0]
    for entry in registered_personal_data():
        if entry.retention is not None:
            with transaction.atomic():
                counts.update(entry.retention(retention))
    return counts


def names_of(employee: Employee) -> list[str]:
    """The ways the person's name may be written in free text (full names only: a username such as
    "technician" or a first name alone would also match words that are not them)."""
    names = {employee.name.strip()}
    if employee.user is not None:
        names.add(employee.user.get_full_name().strip())
    return sorted((name for name in names if len(name) >= 3), key=len, reverse=True)


def free_text_places() -> list[tuple[type[models.Model], tuple[str, ...]]]:
    """Every registered model and text fields that may carry a person's name."""
    places: list[tuple[type[models.Model], tuple[str, ...]]] = []
    for entry in registered_personal_data():
        if entry.free_text is not None:
            places.extend(entry.free_text())
    return places


def history_model(model: type[models.Model]) -> type[models.Model] | None:
    """The simple-history model of ``model``, if it keeps history."""
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None)


@dataclass
class Counts:
    """Rows touched per kind, in the order they were touched."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, count: int) -> None:
        if count:
            self.rows[kind] = self.rows.get(kind, 0) + count
