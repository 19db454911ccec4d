"""Filter backends every list shares: the screens' FilterSets with numbers bounded, ``?updated_since=`` for
incremental sync, and ``?ordering=`` with a stable last key."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend, OrderingFilter

UPDATED_SINCE = "updated_since"
# Database integers (ids, counts) are signed 64 bits: a larger number in a filter matches nothing, but the
# database drivers refuse to even send it (SQLite: OverflowError), so it is answered 400 up front.
INTEGER_LIMIT = 2**63
NUMERIC_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField, forms.ModelChoiceField)


def out_of_range(raw: Any) -> bool:
    """Whether a raw query value (or any of a list of them) is a number too large for a database integer."""
    if isinstance(raw, list | tuple):
        return any(out_of_range(item) for item in raw)
    if not isinstance(raw, str):
        return False
    try:
        number = Decimal(raw.strip())
    except (InvalidOperation, ValueError):
        return False
    return number.is_finite() and abs(number) >= INTEGER_LIMIT


def _is_numeric(field: forms.Field) -> bool:
    if isinstance(field, forms.MultiValueField):
        return any(_is_numeric(sub) for sub in field.fields)
    return isinstance(field, NUMERIC_FIELDS)


def _in_utc(name: str, value: Any) -> Any:
    """An aware date and time moved to UTC: PostgreSQL refuses offsets beyond ±15:59 (``-19:43`` is valid
    ISO 8601), and moving it may step past the year 9999, which is refused as out of range."""
    if not isinstance(value, datetime.datetime) or value.tzinfo is None:
        return value
    try:
        return value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise ValidationError({name: [_("Give a date and time between the years 1 and 9999.")]}) from None


class BoundedFilterBackend(DjangoFilterBackend):
    """django-filter's backend (the FilterSets the screens use), with every numeric and id filter checked
    for range first: ``?site=1e30`` answers 400 with the filter's name, never a database error."""

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        if getattr(view, "filters_only_when_asked", False) and not self._asked(request, queryset, view):
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        form = filterset.form
        errors = {
            name: [_("Give a number below 2^63 in size.")]
            for name, field in form.fields.items()
            if _is_numeric(field)
            and out_of_range(field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name)))
        }
        if errors:
            raise ValidationError(errors)
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        for name, value in list(form.cleaned_data.items()):
            if isinstance(value, slice):  # date ranges
                form.cleaned_data[name] = slice(_in_utc(name, value.start), _in_utc(name, value.stop))
            else:
                form.cleaned_data[name] = _in_utc(name, value)
        return filterset.qs

    def _asked(self, request: Any, queryset: QuerySet[Any], view: Any) -> bool:
        """Whether any query parameter belongs to the FilterSet (its names, or their ``_after``-style
        variants). Views whose FilterSet filters nothing by default set ``filters_only_when_asked`` so a
        plain list skips building the FilterSet and its form (hot lists: orders)."""
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return False
        names = tuple(filterset_class.base_filters)
        return any(key.startswith(names) for key in request.query_params)


class UpdatedSinceFilter(BaseFilterBackend):
    """``?updated_since=2026-11-23T08:00:00Z``: rows changed at or after that moment (``updated_at``).

    Every synced model has an indexed ``updated_at``. Sync loops remember the ``updated_at`` of the last row
    they received and ask again from there, ordering by ``updated_at``.
    """

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        raw = request.query_params.get(UPDATED_SINCE)
        if raw is None or raw == "":
            return queryset
        try:
            moment = parse_datetime(raw.strip().replace(" ", "+"))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ValidationError(
                {UPDATED_SINCE: [_("Give an ISO 8601 date and time with its offset, e.g. 2026-11-23T08:00:00Z.")]}
            )
        return queryset.filter(updated_at__gte=_in_utc(UPDATED_SINCE, moment))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": UPDATED_SINCE,
                "required": False,
                "in": "query",
                "description": "Only rows changed at or after this moment (ISO 8601 with offset).",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` with the primary key as the last key, so pages never repeat or skip rows."""

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
        ordering = [*ordering]
        if not any(key.lstrip("-") in ("pk", "id") for key in ordering):
            ordering.append("-pk" if ordering and ordering[0].startswith("-") else "pk")
        return queryset.order_by(*ordering)
