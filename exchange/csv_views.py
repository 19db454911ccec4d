"""The column-mapping screens: after choosing a register and uploading a sample of a CSV file, the
user picks a column of the file (or a fixed value) for each field of the register and saves the choice
under a name; the import screen offers the saved mappings of a register (``mappings_for``) next time.

Views are thin: the forms read the sample, the services in ``exchange.csvio.mappings`` save.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.views import screen
from exchange.csv_forms import MappingForm, SampleForm, auto_columns, headers_from
from exchange.csvio.columns import register_of, registers
from exchange.csvio.mappings import (
    column_mapping_create,
    column_mapping_delete,
    column_mapping_update,
    mappings_for,
)
from exchange.models import ColumnMapping


@screen("exchange.view_columnmapping")
def mapping_list(request: HttpRequest) -> HttpResponse:
    """The saved mappings, by register."""
    saved = list(ColumnMapping.objects.select_related("created_by").order_by("target", "name"))
    groups = [
        {"target": target, "label": register.label, "mappings": [m for m in saved if m.target == target]}
        for target, register in registers().items()
    ]
    return render(
        request,
        "exchange/csv_mapping_list.html",
        {
            "groups": [group for group in groups if group["mappings"]],
            "may_add": request.user.has_perm("exchange.add_columnmapping"),
            "may_change": request.user.has_perm("exchange.change_columnmapping"),
            "may_delete": request.user.has_perm("exchange.delete_columnmapping"),
        },
    )


def _step_two(
    request: HttpRequest, sample: SampleForm, start: ColumnMapping | None, mapping: ColumnMapping | None
) -> HttpResponse:
    """The fields of the register with the columns of the sample, chosen as ``start`` (a saved mapping)
    or as an import without a mapping would read them."""
    target = mapping.target if mapping else sample.cleaned_data["target"]
    register = register_of(target)
    assert sample.table is not None
    headers = sample.table.headers
    if start is not None:
        columns, defaults = dict(start.columns), dict(start.defaults)
    else:
        columns, defaults = auto_columns(register, headers), {}
    missing = sorted({header for header in columns.values() if header not in headers})
    initial: dict[str, Any] = {
        "target": target,
        "headers": json.dumps(headers),
        "name": mapping.name if mapping else (start.name if start else ""),
    }
    for field, header in columns.items():
        if header in headers:
            initial[f"column__{field}"] = header
    for field, value in defaults.items():
        initial[f"fixed__{field}"] = value
    form = MappingForm(initial=initial, register=register, headers=headers)
    return _render_step_two(request, form, sample.samples(), mapping, missing)


def _render_step_two(
    request: HttpRequest,
    form: MappingForm,
    samples: list[tuple[str, list[str]]],
    mapping: ColumnMapping | None,
    missing: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "exchange/csv_mapping_form.html",
        {
            "form": form,
            "register": form.register,
            "samples": samples,
            "mapping": mapping,
            "missing": missing or [],
            "saved": mappings_for(form.register.target).exclude(pk=mapping.pk if mapping else 0),
        },
        status=status,
    )


def _save(request: HttpRequest, mapping: ColumnMapping | None) -> HttpResponseBase:
    """Step 2 posted: save the mapping through its service (or show the form again with why not)."""
    target = mapping.target if mapping else request.POST.get("target", "")
    try:
        register = register_of(target)
        headers = headers_from(request.POST.get("headers", ""))
    except (ValueError, json.JSONDecodeError):
        messages.error(request, _("The sample of the file was lost; upload it again."))
        if mapping is None:
            return redirect("exchange:csv_mapping_new")
        return redirect("exchange:csv_mapping_edit", mapping.pk)
    data = request.POST.copy()
    data["target"] = target  # an edited mapping keeps its register, whatever the form says
    form = MappingForm(data, register=register, headers=headers)
    samples: list[tuple[str, list[str]]] = [(header, []) for header in headers]
    if not form.is_valid():
        return _render_step_two(request, form, samples, mapping, status=400)
    columns, defaults = form.mapping()
    try:
        if mapping is None:
            saved = column_mapping_create(
                user=request.user, target=target, name=form.cleaned_data["name"], columns=columns, defaults=defaults
            )
        else:
            saved = column_mapping_update(
                mapping=mapping, user=request.user, name=form.cleaned_data["name"], columns=columns, defaults=defaults
            )
    except ValidationError as refusal:
        form.add_service_errors(
            refusal.message_dict if hasattr(refusal, "error_dict") else {"__all__": refusal.messages}
        )
        return _render_step_two(request, form, samples, mapping, status=400)
    messages.success(
        request,
        _("Mapping “%(name)s” saved for %(register)s: choose it when you import such a file.")
        % {"name": saved.name, "register": register.label},
    )
    return redirect("exchange:csv_mappings")


def _mapping_page(request: HttpRequest, mapping: ColumnMapping | None) -> HttpResponseBase:
    if request.method == "POST" and request.POST.get("step") == "save":
        return _save(request, mapping)
    initial = {"target": request.GET.get("target", "")}
    sample = SampleForm(request.POST or None, request.FILES or None, initial=initial, mapping=mapping)
    if request.method == "POST" and sample.is_valid():
        start = mapping or sample.cleaned_data.get("start_from")
        return _step_two(request, sample, start, mapping)
    return render(
        request,
        "exchange/csv_mapping_sample.html",
        {"form": sample, "mapping": mapping},
        status=400 if sample.errors else 200,
    )


@screen("exchange.add_columnmapping")
def mapping_new(request: HttpRequest) -> HttpResponseBase:
    """Make a mapping: a register and a sample of the file, then a column or fixed value per field."""
    return _mapping_page(request, None)


@screen("exchange.change_columnmapping")
def mapping_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Change a saved mapping against a new sample of the file."""
    return _mapping_page(request, get_object_or_404(ColumnMapping, pk=pk))


@require_POST
@screen("exchange.delete_columnmapping")
def mapping_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    mapping = get_object_or_404(ColumnMapping, pk=pk)
    column_mapping_delete(mapping=mapping, user=request.user)
    messages.success(request, _("Mapping “%(name)s” deleted.") % {"name": mapping.name})
    return redirect("exchange:csv_mappings")
