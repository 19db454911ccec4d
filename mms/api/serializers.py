"""Serializer helpers shared by the apps' API modules."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from rest_framework import serializers

from people.scoping import visible_site_ids


class CleanModelSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Saves through the model's ``full_clean()``: single-row rules (``clean()``, constraints) answer 400."""

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


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A foreign key limited to rows in the user's sites: ``scope(queryset, site_ids)`` narrows it."""

    def __init__(self, *, scope: Any, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        request = self.context.get("request")
        return self.scope(queryset, visible_site_ids(getattr(request, "user", None)))
