"""Recording work from the order page: checklist answers, data values, counter readings, parts used,
labour (hours or the clock), comments and attachments.

Each screen validates its form and calls one service of ``orders.records`` (readings:
``assets.services.reading_record``); a refusal is shown on the order page (htmx swaps the checklist item
or data row in place). The order page itself, and its helpers, are in ``orders.views``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assets import services as asset_services
from core.devices import entry_channel
from core.errors import ActionNotAllowed
from core.views import is_htmx
from orders import records
from orders.forms import (
    AttachmentForm,
    ChecklistAnswerForm,
    CommentForm,
    DataValueForm,
    LabourHoursForm,
    ReadingForm,
    UsedPartForm,
    add_service_error,
)
from orders.models import ChecklistAnswer, DataValue, WorkOrder
from orders.views import READING_PERMISSION, detail_url, entity_counters, get_order, orders_screen, render_detail
from plans.models import ChecklistItem, DataParameter


def refused(request: HttpRequest, order: WorkOrder, message: str, anchor: str) -> HttpResponse:
    messages.error(request, message)
    return redirect(detail_url(order, anchor))


@orders_screen
@require_POST
def checklist_answer(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Answer one checklist item; htmx swaps the item in place (with its error, if any)."""
    order = get_order(request, pk)
    item = get_object_or_404(ChecklistItem, pk=item_pk, activity_id=order.activity_id)
    form = ChecklistAnswerForm(request.POST, request.FILES)
    status, errors = 200, None
    if not form.is_valid():
        status, errors = 400, [str(e) for field_errors in form.errors.values() for e in field_errors]
    else:
        data = form.cleaned_data
        try:
            records.checklist_answer(
                order=order,
                item=item,
                user=request.user,
                done=data["done"],
                passed=data["passed"],
                number=data["number"] or None,
                text=data["text"],
                photo=data["photo"],
            )
        except ValidationError as invalid:
            status, errors = 400, invalid.messages
        except ActionNotAllowed as refusal:
            if not is_htmx(request):
                return refused(request, order, refusal.message, f"item-{item.pk}")
            status, errors = 409, [refusal.message]
    if is_htmx(request):
        answer = ChecklistAnswer.objects.filter(order=order, item=item).select_related("answered_by").first()
        row = {"item": item, "answer": answer, "errors": errors}
        context = {"order": order, "row": row, "editable": True}
        return render(request, "orders/_checklist_item.html", context, status=status)
    if errors:
        return render_detail(
            request, get_order(request, pk, full=True), status=status, checklist_errors={item.pk: errors}
        )
    return redirect(detail_url(order, f"item-{item.pk}"))


@orders_screen
@require_POST
def data_value(request: HttpRequest, pk: int, parameter_pk: int) -> HttpResponse:
    """Record one collected value; htmx swaps the parameter row with its evaluation."""
    order = get_order(request, pk)
    parameter = get_object_or_404(DataParameter, pk=parameter_pk, activity_id=order.activity_id)
    form = DataValueForm(request.POST)
    status, errors = 200, None
    if not form.is_valid():
        status, errors = 400, [str(e) for e in form.errors.get("value", [])]
    else:
        try:
            records.data_value_record(
                order=order, parameter=parameter, value=form.cleaned_data["value"], user=request.user
            )
        except ValidationError as invalid:
            status, errors = 400, invalid.messages
        except ActionNotAllowed as refusal:
            if not is_htmx(request):
                return refused(request, order, refusal.message, f"parameter-{parameter.pk}")
            status, errors = 409, [refusal.message]
    if is_htmx(request):
        value = DataValue.objects.filter(order=order, parameter=parameter).first()
        row = {"parameter": parameter, "value": value, "errors": errors}
        return render(request, "orders/_data_row.html", {"order": order, "row": row, "editable": True}, status=status)
    if errors:
        return render_detail(
            request, get_order(request, pk, full=True), status=status, data_errors={parameter.pk: errors}
        )
    return redirect(detail_url(order, f"parameter-{parameter.pk}"))


def record_section(
    request: HttpRequest,
    pk: int,
    section: str,
    make_form: Callable[[WorkOrder], forms.Form],
    call: Callable[[WorkOrder, dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    """Validate a section's form and call its service; errors are shown on the form in the page."""
    order = get_order(request, pk)
    form = make_form(order)
    if form.is_valid():
        try:
            call(order, form.cleaned_data)
        except ActionNotAllowed as refusal:
            form.add_error(None, refusal.message)
            return render_detail(request, get_order(request, pk, full=True), status=409, bound={section: form})
        except ValidationError as invalid:
            add_service_error(form, invalid)
        else:
            messages.success(request, success)
            return redirect(detail_url(order, section))
    return render_detail(request, get_order(request, pk, full=True), status=400, bound={section: form})


@orders_screen
@require_POST
def reading_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A counter reading on the order's entity, through ``assets.services.reading_record``."""
    if not request.user.has_perm(READING_PERMISSION):
        raise PermissionDenied
    return record_section(
        request,
        pk,
        "reading",
        lambda order: ReadingForm(request.POST, counters=entity_counters(order)),
        lambda order, data: asset_services.reading_record(
            counter=data["counter"], value=data["value"], user=request.user, is_reset=data["is_reset"]
        ),
        _("Reading recorded."),
    )


@orders_screen
@require_POST
def used_part_add(request: HttpRequest, pk: int) -> HttpResponse:
    return record_section(
        request,
        pk,
        "part",
        lambda order: UsedPartForm(request.POST),
        lambda order, data: records.used_part_record(
            order=order, part=data["part_number"], quantity=data["quantity"], user=request.user
        ),
        _("Part recorded."),
    )


@orders_screen
@require_POST
def labour_add(request: HttpRequest, pk: int) -> HttpResponse:
    return record_section(
        request,
        pk,
        "labour",
        lambda order: LabourHoursForm(request.POST),
        lambda order, data: records.labour_add(
            order=order,
            user=request.user,
            hours=data["hours"],
            note=data["note"],
            entered_via=entry_channel(request),
        ),
        _("Hours recorded."),
    )


@orders_screen
@require_POST
def labour_clock(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Start or stop my clock on the order."""
    order = get_order(request, pk)
    try:
        if action == "start":
            records.labour_start(order=order, user=request.user, entered_via=entry_channel(request))
            messages.success(request, _("Clock started."))
        elif action == "stop":
            entry = records.labour_stop(order=order, user=request.user)
            messages.success(request, _("Clock stopped: %(hours)s h recorded.") % {"hours": entry.hours})
        else:
            raise Http404
    except (ActionNotAllowed, ValidationError) as refusal:
        text = refusal.message if isinstance(refusal, ActionNotAllowed) else " ".join(refusal.messages)
        messages.error(request, text)
    return redirect(detail_url(order, "labour"))


@orders_screen
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    return record_section(
        request,
        pk,
        "comment",
        lambda order: CommentForm(request.POST),
        lambda order, data: records.comment_add(order=order, user=request.user, text=data["text"]),
        _("Comment added."),
    )


@orders_screen
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    return record_section(
        request,
        pk,
        "attachment",
        lambda order: AttachmentForm(request.POST, request.FILES),
        lambda order, data: records.attachment_add(
            order=order, user=request.user, file=data["file"], title=data["title"]
        ),
        _("File attached."),
    )
