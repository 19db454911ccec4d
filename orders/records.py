"""What happens on an order while it is worked: assignments, labour, checklist answers, collected data,
parts used, comments and attachments. One service per action, called by screens, API, admin and tasks.

Errors follow the transition services: ``ActionForbidden`` when the user may not (403),
``ActionNotAllowed`` when the order's state does not allow it now (409), and ``ValidationError`` with
field errors for bad input (400).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Attachment
from core.devices import EntryChannel
from core.errors import ActionForbidden, ActionNotAllowed
from inventory import services as inventory_services
from inventory.models import Part, Reservation, StockBalance, StockLocation
from orders.models import (
    OPEN_STATES,
    Assignment,
    ChecklistAnswer,
    Comment,
    DataValue,
    ExecutionState,
    LabourEntry,
    UsedPart,
    WorkOrder,
)
from orders.services import _check_visible, can_see, is_executor, is_owner
from people import privacy
from people.models import Employee
from plans.models import ChecklistItem, ChecklistItemKind, DataParameter

HOURS = Decimal("0.01")
MAX_HOURS_PER_ENTRY = Decimal(24)


def _locked(order: WorkOrder) -> WorkOrder:
    return (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("activity", "plan_instance").get(pk=order.pk)
    )


def _check_recording(user: Any, order: WorkOrder) -> None:
    """Work is recorded by the executing role (or the owner role, correcting) while it is in progress."""
    _check_visible(user, order)
    if not (is_executor(user, order) or is_owner(user, order)):
        raise ActionForbidden(_("Only the executing or owner role of this work order may record work on it."))
    if order.execution_state != ExecutionState.IN_PROGRESS:
        raise ActionNotAllowed(
            _("Work is recorded while the order is in progress (it is %(state)s).")
            % {"state": order.get_execution_state_display().lower()}
        )


def _employee_of(user: Any) -> Employee:
    employee = Employee.objects.filter(user=user, active=True).first()
    if employee is None:
        raise ActionNotAllowed(_("No active employee record is linked to your user."))
    return employee


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return number


# --- Assignments -------------------------------------------------------------------------------
@transaction.atomic
def order_assign(*, order: WorkOrder, employees: Iterable[Employee], user: Any) -> list[Assignment]:
    """Set who works on an open order (the owner role); replaces the previous assignment."""
    order = _locked(order)
    _check_visible(user, order)
    if not is_owner(user, order):
        raise ActionForbidden(_("Only the owner role of this work order may assign people."))
    if order.execution_state not in OPEN_STATES:
        raise ActionNotAllowed(_("A closed work order cannot be assigned."))
    wanted = {employee.pk: employee for employee in employees}
    if wanted:
        allowed = set(
            Employee.objects.filter(pk__in=wanted, active=True, sites=order.site_id).values_list("pk", flat=True)
        )
        refused = [str(wanted[pk]) for pk in wanted if pk not in allowed]
        if refused:
            raise ValidationError(
                {"employees": _("Not active in this site: %(names)s.") % {"names": ", ".join(sorted(refused))}}
            )
    current = set(order.assignments.values_list("employee_id", flat=True))
    order.assignments.exclude(employee_id__in=wanted).delete()
    Assignment.objects.bulk_create(
        [Assignment(order=order, employee_id=pk, assigned_by=user) for pk in wanted if pk not in current]
    )
    WorkOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    return list(order.assignments.select_related("employee"))


# --- Labour ------------------------------------------------------------------------------------
def _channel(entered_via: str) -> str:
    """The channel a caller says the entry came through (screens: ``core.devices.entry_channel``)."""
    if entered_via not in EntryChannel.values:
        raise ValueError(f"unknown entry channel {entered_via!r}")
    return entered_via


def _cost(entry: LabourEntry) -> None:
    employee = entry.employee
    entry.hourly_rate, entry.currency = employee.hourly_rate, employee.currency
    entry.cost = ((entry.hours or Decimal(0)) * employee.hourly_rate).quantize(HOURS, rounding=ROUND_HALF_UP)


@transaction.atomic
def labour_start(
    *,
    order: WorkOrder,
    user: Any,
    now: datetime.datetime | None = None,
    entered_via: str = EntryChannel.UNKNOWN,
    position: privacy.Position | None = None,
) -> LabourEntry:
    """Start the user's clock on the order (one running clock per employee). ``entered_via``: the channel
    (a screen passes phone or desktop from the request, the API ``api``); the entry keeps the channel it
    was started through. ``position``: where the device was; kept as a location trace only if the
    employee consents to location tracking (``people.privacy.location_record``), else dropped."""
    order = _locked(order)
    _check_recording(user, order)
    employee = _employee_of(user)
    running = LabourEntry.objects.filter(employee=employee, stopped_at__isnull=True, hours__isnull=True).first()
    if running is not None:
        raise ActionNotAllowed(
            _("Your clock is already running on %(number)s; stop it first.") % {"number": running.order.number}
        )
    started = now or timezone.now()
    entry = LabourEntry(
        order=order, employee=employee, started_at=started, recorded_at=started, entered_via=_channel(entered_via)
    )
    _cost(entry)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ActionNotAllowed(_("Your clock is already running on another order; stop it first.")) from None
    if position is not None:
        privacy.location_record(
            employee=employee, position=position, source="clock_start", reference=order.number, at=started
        )
    return entry


@transaction.atomic
def labour_stop(*, order: WorkOrder, user: Any, now: datetime.datetime | None = None, note: str = "") -> LabourEntry:
    """Stop the user's running clock on the order; the hours and their cost are computed."""
    order = _locked(order)
    _check_visible(user, order)
    employee = _employee_of(user)
    entry = (
        LabourEntry.objects.select_for_update()
        .select_related("employee")
        .filter(order=order, employee=employee, stopped_at__isnull=True, hours__isnull=True)
        .first()
    )
    if entry is None:
        raise ActionNotAllowed(_("Your clock is not running on this work order."))
    assert entry.started_at is not None
    stopped = now or timezone.now()
    if stopped < entry.started_at:
        raise ValidationError({"stopped_at": _("The stop time must be after the start time.")})
    entry.stopped_at = stopped
    entry.hours = (Decimal((stopped - entry.started_at).total_seconds()) / 3600).quantize(HOURS, ROUND_HALF_UP)
    entry.note = note.strip()[:300] or entry.note
    _cost(entry)
    entry.save()
    return entry


@transaction.atomic
def labour_add(
    *,
    order: WorkOrder,
    user: Any,
    hours: Any,
    employee: Employee | None = None,
    note: str = "",
    entered_via: str = EntryChannel.UNKNOWN,
) -> LabourEntry:
    """Record hours worked on the order (one's own; the owner role may record anyone's). ``entered_via``:
    the channel it came through (a screen passes phone or desktop from the request, the API ``api``)."""
    order = _locked(order)
    _check_recording(user, order)
    if employee is None:
        employee = _employee_of(user)
    elif employee.user_id != getattr(user, "pk", None) and not is_owner(user, order):
        raise ActionForbidden(_("Only the owner role may record someone else's hours."))
    amount = _decimal(hours, "hours")
    if amount <= 0 or amount > MAX_HOURS_PER_ENTRY:
        raise ValidationError({"hours": _("Hours must be more than 0 and at most 24 per entry.")})
    if not employee.active or not employee.sites.filter(pk=order.site_id).exists():
        raise ValidationError({"employee": _("%(name)s is not active in this site.") % {"name": employee}})
    entry = LabourEntry(
        order=order,
        employee=employee,
        hours=amount.quantize(HOURS, ROUND_HALF_UP),
        note=note[:300],
        entered_via=_channel(entered_via),
    )
    _cost(entry)
    entry.save()
    return entry


# --- Checklist and data ------------------------------------------------------------------------
def _within(value: Decimal, lower: Decimal | None, upper: Decimal | None) -> bool:
    return (lower is None or value >= lower) and (upper is None or value <= upper)


@transaction.atomic
def checklist_answer(
    *,
    order: WorkOrder,
    item: ChecklistItem,
    user: Any,
    done: bool | None = None,
    passed: bool | None = None,
    number: Any = None,
    text: str = "",
    photo: UploadedFile | None = None,
    note: str = "",
) -> ChecklistAnswer:
    """Answer (or change the answer to) one item of the order's checklist, as its kind asks."""
    order = _locked(order)
    _check_recording(user, order)
    if order.activity_id is None or item.activity_id != order.activity_id:
        raise ValidationError({"item": _("This item is not on this work order's checklist.")})
    answer = ChecklistAnswer.objects.filter(order=order, item=item).first() or ChecklistAnswer(order=order, item=item)
    kind = item.kind
    answer.within_limits = None
    if kind == ChecklistItemKind.CHECK:
        if done is None:
            raise ValidationError({"done": _("Say whether this step is done.")})
        answer.done = done
    elif kind == ChecklistItemKind.PASS_FAIL:
        if passed is None:
            raise ValidationError({"passed": _("Choose pass or fail.")})
        answer.passed = passed
    elif kind == ChecklistItemKind.NUMBER:
        if number is None or str(number).strip() == "":
            raise ValidationError({"number": _("Enter the measured value.")})
        answer.number = _decimal(number, "number")
        answer.within_limits = _within(answer.number, item.lower_limit, item.upper_limit)
    elif kind == ChecklistItemKind.TEXT:
        if not text.strip():
            raise ValidationError({"text": _("Write the answer.")})
        answer.text = text.strip()
    elif kind == ChecklistItemKind.PHOTO:
        if photo is None and not answer.photo:
            raise ValidationError({"photo": _("Take or choose a photo.")})
        if photo is not None:
            answer.photo = photo
    answer.note = note.strip()[:500]
    answer.answered_by = user if getattr(user, "is_authenticated", False) else None
    answer.answered_at = timezone.now()
    answer.full_clean(exclude=["order", "item"], validate_unique=False, validate_constraints=False)
    answer.save()
    return answer


@transaction.atomic
def data_value_record(*, order: WorkOrder, parameter: DataParameter, value: Any, user: Any) -> DataValue:
    """Record (or correct) a collected value; it is evaluated against the parameter's limits."""
    order = _locked(order)
    _check_recording(user, order)
    if order.activity_id is None or parameter.activity_id != order.activity_id:
        raise ValidationError({"parameter": _("This parameter is not collected on this work order.")})
    if value is None or str(value).strip() == "":
        raise ValidationError({"value": _("Enter the value.")})
    number = _decimal(value, "value")
    if abs(number) >= Decimal("1e10"):
        raise ValidationError({"value": _("The value is too large.")})
    record = DataValue.objects.filter(order=order, parameter=parameter).first() or DataValue(
        order=order, parameter=parameter
    )
    record.value = number
    record.recorded_by = user if getattr(user, "is_authenticated", False) else None
    record.recorded_at = timezone.now()
    record.save()
    return record


# --- Parts -------------------------------------------------------------------------------------
@transaction.atomic
def used_part_record(
    *, order: WorkOrder, part: Part, quantity: Any, user: Any, location: StockLocation | None = None
) -> UsedPart:
    """Record a part consumed by the order: it is issued from stock (first from what the order reserved).

    ``location`` default: where the order reserved the part, else the location of the order's site with
    the most of it available. A site that does not stock the part at all records a direct use at the
    part's cost. Not enough in stock: ``ActionNotAllowed`` naming what is there.
    """
    order = _locked(order)
    _check_recording(user, order)
    amount = _decimal(quantity, "quantity")
    if amount <= 0 or amount >= Decimal("1e9"):
        raise ValidationError({"quantity": _("The quantity must be more than 0.")})
    if not part.active:
        raise ValidationError({"part": _("%(part)s is no longer active.") % {"part": part.part_number}})
    amount = amount.quantize(Decimal("0.001"), ROUND_HALF_UP)
    if location is not None and location.site_id != order.site_id:
        raise ValidationError({"location": _("Take parts from a store of the work order's site.")})
    if location is None:
        reservation = Reservation.objects.open().filter(reference=order.number, part=part).first()
        location = reservation.location if reservation is not None else None
    if location is None and StockBalance.objects.filter(part=part, location__site_id=order.site_id).exists():
        location = inventory_services.default_location(part, order.site)
    if location is None:
        movement = inventory_services.stock_direct_use(
            part=part, site=order.site, quantity=amount, user=user, reference=order.number
        )
    else:
        # The order's recording rules were checked above: the technician needs no stock permission.
        movement = inventory_services.stock_issue(
            part=part, location=location, quantity=amount, user=user, reference=order.number, authorized=True
        )
    used = UsedPart(
        order=order,
        part=part,
        quantity=amount,
        unit_cost=movement.unit_cost,
        currency=movement.currency,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    used.save()
    return used


# --- Comments and attachments ------------------------------------------------------------------
@transaction.atomic
def comment_add(*, order: WorkOrder, user: Any, text: str) -> Comment:
    """Anyone who can see an order may comment on it, open or closed."""
    if not can_see(user, order):
        raise ActionForbidden(_("You do not have access to this work order."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    if len(text) > 5000:
        raise ValidationError({"text": _("A comment is at most 5000 characters.")})
    comment = Comment.objects.create(order=order, author=user, text=text)
    return comment


@transaction.atomic
def attachment_add(
    *, order: WorkOrder, user: Any, file: UploadedFile, title: str = "", people_shown: Iterable[Employee] = ()
) -> Attachment:
    """Attach a photo or document to an open order (anyone who can see it).

    ``people_shown``: the employees the photo shows; each must consent to photos of them, or the upload
    is refused as a whole (nothing is stored) with the reason.
    """
    if not can_see(user, order):
        raise ActionForbidden(_("You do not have access to this work order."))
    if order.execution_state not in OPEN_STATES:
        raise ActionNotAllowed(_("Files are attached while the work order is open."))
    shown = list(people_shown)
    # Refused before the file is stored: a refused photo of someone must not be kept at all.
    privacy.photo_check_consent(employees=shown, file_name=getattr(file, "name", "") or "")
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(WorkOrder),
        object_id=order.pk,
        file=file,
        title=title.strip()[:200] if title else "",
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    try:
        attachment.full_clean(exclude=["content_type", "object_id", "original_name", "size"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    attachment.save()
    for employee in shown:
        try:
            privacy.photo_mark_person(attachment=attachment, employee=employee, user=user)
        except ValidationError as error:
            raise ValidationError({"people_shown": error.messages}) from None
        except ActionNotAllowed as refusal:
            raise ValidationError({"people_shown": [refusal.message]}) from None
    return attachment
