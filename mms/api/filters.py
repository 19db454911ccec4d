"""Filter backends every list shares: ``?updated_since=`` for incremental sync."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend, OrderingFilter

UPDATED_SINCE = "updated_since"


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
        return queryset.filter(updated_at__gte=moment)

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
