"""REST API of the failure codes: the problem, cause and remedy lists a client offers when it completes
corrective work (``POST /api/v1/orders/{id}/complete/`` takes their ids). Read-only: the lists are kept in
the admin and by ``manage.py load_failure_codes`` / ``import_failure_codes``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.permissions import BasePermission

from assets.api import SearchFilterSet
from core.api.viewsets import ReadOnlyViewSet
from core.scoping import is_administrator, user_group_ids
from orders.models import FailureCode, FailureKind


class AnyRole(BasePermission):
    """Reference data every order shows: readable by every signed-in user with a role (no model
    permission of its own, so that no role has to be given one to complete its work)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (is_administrator(user) or user_group_ids(user)))


class FailureCodeFilterSet(SearchFilterSet):
    """``kind``, ``active``, ``resource_type`` (the codes that apply to it: its own and the general ones)
    and ``under`` (the codes that may follow a problem or cause: shared ones and those listed under it)."""

    search_fields = ("code", "name")
    kind = django_filters.ChoiceFilter(choices=FailureKind.choices)
    active = django_filters.BooleanFilter()
    resource_type = django_filters.NumberFilter(label=_("Resource type"), method="filter_resource_type")
    under = django_filters.NumberFilter(label=_("May follow"), method="filter_under")

    class Meta:
        model = FailureCode
        fields: list[str] = []

    def filter_resource_type(self, queryset: QuerySet[FailureCode], name: str, value: Any) -> QuerySet[FailureCode]:
        return queryset.for_resource_type(int(value))  # type: ignore[attr-defined]

    def filter_under(self, queryset: QuerySet[FailureCode], name: str, value: Any) -> QuerySet[FailureCode]:
        return queryset.under(int(value))  # type: ignore[attr-defined]


class FailureCodeSerializer(serializers.ModelSerializer):
    parents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    resource_types = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = FailureCode
        fields = ["id", "kind", "code", "name", "description", "parents", "resource_types", "active", "updated_at"]
        read_only_fields = fields


class FailureCodeViewSet(ReadOnlyViewSet):
    """Failure problems, causes and remedies (shared by every site). ``parents`` empty: the code may follow
    any code of the kind above; ``resource_types`` empty: it applies to all equipment."""

    queryset = FailureCode.objects.all()
    serializer_class = FailureCodeSerializer
    filterset_class = FailureCodeFilterSet
    permission_classes = [AnyRole]
    ordering_fields = ["id", "kind", "code", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.prefetch_related("parents", "resource_types")  # not tied to a site


ROUTES: list[tuple[str, Any, str]] = [
    ("failure-codes", FailureCodeViewSet, "failurecode"),
]
