"""Serializer helpers shared by the apps' API modules."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from rest_framework import serializers

from mms.api.filters import out_of_range
from people.scoping import visible_site_ids


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """DRF's id field, answering 400 for an id too large for a database integer (drivers refuse to send it)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, bool) and isinstance(data, int | float | str) and out_of_range(str(data)):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class CleanModelSerializer(serializers.ModelSerializer):
    """Saves through the model's ``full_clean()``: single-row rules (``clean()``, constraints) answer 400."""

    serializer_related_field = PrimaryKeyRelatedField

    def create(self, validated_data: dict[str, Any]) -> Any:
        instance = self.Meta.model(**validated_data)
        return self._save(instance)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._save(instance)

    @transaction.atomic
    def _save(self, instance: models.Model) -> Any:
        instance.full_clean()
        user = self.context["request"].user
        instance._history_user = user  # type: ignore[attr-defined]  # read by simple-history
        instance.save()
        return instance


class ScopedPrimaryKeyRelatedField(PrimaryKeyRelatedField):
    """A foreign key limited to rows in the user's sites: ``scope(queryset, site_ids)`` narrows it."""

    def __init__(self, *, scope: Any, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        request = self.context.get("request")
        return self.scope(queryset, visible_site_ids(getattr(request, "user", None)))
