"""Base viewsets: scoped to the user's sites, filtered, ordered, paginated, permission-checked."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, viewsets

from core.api.filters import BoundedFilterBackend, StableOrderingFilter, UpdatedSinceFilter
from core.scoping import visible_site_ids


class ScopedViewSetMixin:
    """Every list and detail starts from ``scope(queryset, site_ids)``: other sites' ids answer 404.

    ``site_ids`` is ``None`` when the user sees every site (Administrators, Integrators).
    """

    request: Any
    queryset: QuerySet[Any] | None

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        raise NotImplementedError(f"{type(self).__name__} must scope its queryset to the user's sites")

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        return self.scope(queryset, visible_site_ids(self.request.user))

    @property
    def site_ids(self) -> list[int] | None:
        return visible_site_ids(self.request.user)


class BaseViewSetMixin(ScopedViewSetMixin):
    filter_backends = [BoundedFilterBackend, UpdatedSinceFilter, StableOrderingFilter]
    ordering_fields: list[str] | str = ["id", "updated_at"]
    lookup_value_regex = "[0-9]{1,18}"
    action_permissions: dict[str, list[str]] = {}


class ReadOnlyViewSet(BaseViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail."""


class WritableViewSet(
    BaseViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """List, detail, create and update (no delete: records are retired, not deleted)."""
